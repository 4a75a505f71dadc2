using System.Formats.Cbor;
using System.Net;
using System.Net.Http.Headers;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>
/// The Kinesis CBOR protocol (<c>application/x-amz-cbor-1.1</c>) over raw HTTP, built and read with
/// <see cref="CborWriter"/>/<see cref="CborReader"/> the way the Java SDKs encode it: blobs as byte strings,
/// timestamps as tag 1 holding epoch milliseconds.
/// </summary>
public sealed class CborProtocolTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string CborType = "application/x-amz-cbor-1.1";

    /// <summary>A CBOR data item read into plain objects; a tag keeps its number so tests can see it.</summary>
    private sealed record Tagged(CborTag Tag, object? Value);

    private sealed record CborReply(HttpStatusCode Status, string? ContentType, byte[] Body, HttpResponseMessage Response)
    {
        public Dictionary<string, object?> Map => (Dictionary<string, object?>)Decode(Body)!;
    }

    private static HttpRequestMessage Request(string operation, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(CborType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202." + operation);
        return request;
    }

    private async Task<CborReply> CallAsync(string operation, byte[] body)
    {
        using var request = Request(operation, body);
        var response = await server.Http.SendAsync(request);
        return new CborReply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync(), response);
    }

    private Task<CborReply> CallAsync(string operation, Action<CborWriter> members) => CallAsync(operation, Map(members));

    private async Task<Dictionary<string, object?>> OkAsync(string operation, Action<CborWriter> members)
    {
        var reply = await CallAsync(operation, members);
        Assert.True(reply.Status == HttpStatusCode.OK, $"{operation} answered {(int)reply.Status}: {Convert.ToHexString(reply.Body)}");
        Assert.Equal(CborType, reply.ContentType);
        return reply.Map;
    }

    /// <summary>
    /// Calls an operation without an output shape: AWS answers 200 with an empty body (Content-Length 0), which the
    /// Java and Go SDKs read as an empty result.
    /// </summary>
    private async Task NoOutputAsync(string operation, Action<CborWriter> members)
    {
        var reply = await CallAsync(operation, members);
        Assert.True(reply.Status == HttpStatusCode.OK, $"{operation} answered {(int)reply.Status}: {Convert.ToHexString(reply.Body)}");
        Assert.Empty(reply.Body);
        Assert.Equal(0L, reply.Response.Content.Headers.ContentLength);
    }

    /// <summary>An indefinite-length map, as Jackson's CBOR generator (the Java SDKs) writes them.</summary>
    private static byte[] Map(Action<CborWriter> members)
    {
        var writer = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false);
        writer.WriteStartMap(null);
        members(writer);
        writer.WriteEndMap();
        return writer.Encode();
    }

    private static void Text(CborWriter w, string name, string value)
    {
        w.WriteTextString(name);
        w.WriteTextString(value);
    }

    private static object? Decode(byte[] body)
    {
        var reader = new CborReader(body, CborConformanceMode.Strict);
        var value = Read(reader);
        Assert.Equal(0, reader.BytesRemaining);
        return value;
    }

    private static object? Read(CborReader r)
    {
        switch (r.PeekState())
        {
            case CborReaderState.StartMap:
                r.ReadStartMap();
                var map = new Dictionary<string, object?>();
                while (r.PeekState() != CborReaderState.EndMap) map.Add(r.ReadTextString(), Read(r));
                r.ReadEndMap();
                return map;
            case CborReaderState.StartArray:
                r.ReadStartArray();
                var list = new List<object?>();
                while (r.PeekState() != CborReaderState.EndArray) list.Add(Read(r));
                r.ReadEndArray();
                return list;
            case CborReaderState.ByteString: return r.ReadByteString();
            case CborReaderState.TextString: return r.ReadTextString();
            case CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger: return r.ReadInt64();
            case CborReaderState.Boolean: return r.ReadBoolean();
            case CborReaderState.Null:
                r.ReadNull();
                return null;
            case CborReaderState.Tag:
                var tag = r.ReadTag();
                return new Tagged(tag, Read(r));
            case var state: throw new InvalidOperationException($"Unexpected {state}");
        }
    }

    private static Dictionary<string, object?> Obj(object? value) => Assert.IsType<Dictionary<string, object?>>(value);

    private static List<object?> List(object? value) => Assert.IsType<List<object?>>(value);

    /// <summary>A timestamp must be tag 1 with an integer of epoch milliseconds near now (about 1.7e12, not 1.7e9 seconds).</summary>
    private static long AssertMillisecondsNearNow(object? value)
    {
        var tagged = Assert.IsType<Tagged>(value);
        Assert.Equal(CborTag.UnixTimeSeconds, tagged.Tag);
        var ms = Assert.IsType<long>(tagged.Value);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(ms, now - 60_000, now + 60_000);
        Assert.InRange(ms, 1_700_000_000_000L, 2_000_000_000_000L);
        return ms;
    }

    [Fact]
    public async Task The_2026_operations_answer_in_CBOR_with_millisecond_timestamps()
    {
        var stream = await CreateStreamAsync("cbor-new");
        var monitoring = await OkAsync("EnableEnhancedMonitoring", w =>
        {
            Text(w, "StreamName", stream);
            w.WriteTextString("ShardLevelMetrics");
            w.WriteStartArray(2);
            w.WriteTextString("IncomingRecords");
            w.WriteTextString("IteratorAgeMilliseconds");
            w.WriteEndArray();
        });
        Assert.Empty(List(monitoring["CurrentShardLevelMetrics"]));
        Assert.Equal(["IncomingRecords", "IteratorAgeMilliseconds"], List(monitoring["DesiredShardLevelMetrics"]));

        await NoOutputAsync("UpdateMaxRecordSize", w =>
        {
            Text(w, "StreamARN", $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}");
            w.WriteTextString("MaxRecordSizeInKiB");
            w.WriteInt32(2048);
        });
        var summary = (Dictionary<string, object?>)(await OkAsync("DescribeStreamSummary", w => Text(w, "StreamName", stream)))["StreamDescriptionSummary"]!;
        Assert.Equal(2048L, Convert.ToInt64(summary["MaxRecordSizeInKiB"]));

        var settings = await OkAsync("UpdateAccountSettings", w =>
        {
            w.WriteTextString("MinimumThroughputBillingCommitment");
            w.WriteStartMap(1);
            Text(w, "Status", "ENABLED");
            w.WriteEndMap();
        });
        var commitment = (Dictionary<string, object?>)settings["MinimumThroughputBillingCommitment"]!;
        Assert.Equal("ENABLED", commitment["Status"]);
        var started = AssertMillisecondsNearNow(commitment["StartedAt"]);
        Assert.Equal(started + 24 * 60 * 60 * 1000L, Assert.IsType<long>(Assert.IsType<Tagged>(commitment["EarliestAllowedEndAt"]).Value));
    }

    [Fact]
    public async Task Record_distribution_and_resource_policies_answer_in_CBOR()
    {
        var stream = await CreateStreamAsync("cbor-policy");
        var arn = $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}";
        await NoOutputAsync("UpdateStreamRecordDistributionStrategy", w =>
        {
            Text(w, "StreamARN", arn);
            Text(w, "RecordDistributionStrategy", "USER_PARTITION_KEY");
        });
        const string policy = "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111122223333\"},\"Action\":\"kinesis:GetRecords\",\"Resource\":\"*\"}]}";
        await NoOutputAsync("PutResourcePolicy", w =>
        {
            Text(w, "ResourceARN", arn);
            Text(w, "Policy", policy);
        });
        Assert.Equal(policy, (await OkAsync("GetResourcePolicy", w => Text(w, "ResourceARN", arn)))["Policy"]);
        await NoOutputAsync("DeleteResourcePolicy", w => Text(w, "ResourceARN", arn));
        Assert.Equal("{}", (await OkAsync("GetResourcePolicy", w => Text(w, "ResourceARN", arn)))["Policy"]);
    }

    private async Task<string> CreateStreamAsync(string prefix, int shards = 1)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        await NoOutputAsync("CreateStream", w =>
        {
            Text(w, "StreamName", name);
            w.WriteTextString("ShardCount");
            w.WriteInt32(shards);
        });
        return name;
    }

    private async Task<string> IteratorAsync(string stream, Action<CborWriter> position)
    {
        var reply = await OkAsync("GetShardIterator", w =>
        {
            Text(w, "StreamName", stream);
            Text(w, "ShardId", "shardId-000000000000");
            position(w);
        });
        return Assert.IsType<string>(reply["ShardIterator"]);
    }

    private async Task<List<object?>> RecordsAsync(string iterator)
    {
        var reply = await OkAsync("GetRecords", w => Text(w, "ShardIterator", iterator));
        Assert.IsType<long>(reply["MillisBehindLatest"]);
        Assert.IsType<string>(reply["NextShardIterator"]);
        return List(reply["Records"]);
    }

    [Fact]
    public async Task Binary_records_round_trip_as_byte_strings_with_millisecond_arrival_timestamps()
    {
        var stream = await CreateStreamAsync("cbor-rt");
        byte[] first = [0x00, 0xFF, 0x00, 0x80, 0x7F, 0xFE, 0x01, 0x00];
        byte[] second = [0xFF, 0xFF];
        byte[] third = [0x00];
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var put = await OkAsync("PutRecord", w =>
        {
            Text(w, "StreamName", stream);
            w.WriteTextString("Data");
            w.WriteByteString(first);
            Text(w, "PartitionKey", "pk-1");
        });
        Assert.Equal("shardId-000000000000", put["ShardId"]);
        Assert.IsType<string>(put["SequenceNumber"]);

        var putMany = await OkAsync("PutRecords", w =>
        {
            Text(w, "StreamName", stream);
            w.WriteTextString("Records");
            w.WriteStartArray(2);
            foreach (var data in new[] { second, third })
            {
                w.WriteStartMap(2);
                w.WriteTextString("Data");
                w.WriteByteString(data);
                Text(w, "PartitionKey", "pk-2");
                w.WriteEndMap();
            }
            w.WriteEndArray();
        });
        Assert.Equal(0L, putMany["FailedRecordCount"]);
        Assert.Equal(2, List(putMany["Records"]).Count);

        var iterator = await IteratorAsync(stream, w => Text(w, "ShardIteratorType", "TRIM_HORIZON"));
        var records = await RecordsAsync(iterator);

        Assert.Equal(3, records.Count);
        var r0 = Obj(records[0]);
        Assert.Equal(first, Assert.IsType<byte[]>(r0["Data"]));
        Assert.Equal("pk-1", r0["PartitionKey"]);
        Assert.Equal(put["SequenceNumber"], r0["SequenceNumber"]);
        Assert.Equal(second, Assert.IsType<byte[]>(Obj(records[1])["Data"]));
        Assert.Equal(third, Assert.IsType<byte[]>(Obj(records[2])["Data"]));
        var arrival = AssertMillisecondsNearNow(r0["ApproximateArrivalTimestamp"]);
        Assert.InRange(arrival, before - 2_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 2_000);
    }

    [Fact]
    public async Task AT_TIMESTAMP_takes_a_tag_1_millisecond_timestamp()
    {
        var stream = await CreateStreamAsync("cbor-at");
        async Task PutAsync(byte value) => await OkAsync("PutRecord", w =>
        {
            Text(w, "StreamName", stream);
            w.WriteTextString("Data");
            w.WriteByteString([value]);
            Text(w, "PartitionKey", "k");
        });
        await PutAsync(1);
        var all = await RecordsAsync(await IteratorAsync(stream, w => Text(w, "ShardIteratorType", "TRIM_HORIZON")));
        var firstArrival = AssertMillisecondsNearNow(Obj(all.Single())["ApproximateArrivalTimestamp"]);
        server.Clock.Advance(TimeSpan.FromMilliseconds(50)); // arrival times come from the runtime clock
        await PutAsync(2);

        // One millisecond after the first record: only the second one is at or after it. Read as seconds, this
        // timestamp would lie in 1970 + 55,000 years and the read would start nowhere sensible.
        var after = await RecordsAsync(await IteratorAsync(stream, w =>
        {
            Text(w, "ShardIteratorType", "AT_TIMESTAMP");
            w.WriteTextString("Timestamp");
            w.WriteTag(CborTag.UnixTimeSeconds);
            w.WriteInt64(firstArrival + 1);
        }));
        var atFirst = await RecordsAsync(await IteratorAsync(stream, w =>
        {
            Text(w, "ShardIteratorType", "AT_TIMESTAMP");
            w.WriteTextString("Timestamp");
            w.WriteTag(CborTag.UnixTimeSeconds);
            w.WriteInt64(firstArrival);
        }));

        Assert.Equal([(byte)2], Assert.IsType<byte[]>(Obj(Assert.Single(after))["Data"]));
        Assert.Equal(2, atFirst.Count);
    }

    [Fact]
    public async Task A_1_MiB_record_round_trips_byte_for_byte()
    {
        var stream = await CreateStreamAsync("cbor-big");
        var data = new byte[1024 * 1024 - 16];
        new Random(42).NextBytes(data);

        await OkAsync("PutRecord", w =>
        {
            Text(w, "StreamName", stream);
            w.WriteTextString("Data");
            w.WriteByteString(data);
            Text(w, "PartitionKey", "big");
        });
        var records = await RecordsAsync(await IteratorAsync(stream, w => Text(w, "ShardIteratorType", "TRIM_HORIZON")));

        Assert.Equal(data, Assert.IsType<byte[]>(Obj(Assert.Single(records))["Data"]));
    }

    [Fact]
    public async Task ListStreams_summaries_carry_millisecond_timestamps()
    {
        var stream = await CreateStreamAsync("cbor-list");

        var reply = await OkAsync("ListStreams", w =>
        {
            w.WriteTextString("Limit");
            w.WriteInt32(10_000);
        });

        Assert.IsType<bool>(reply["HasMoreStreams"]);
        Assert.Contains(stream, List(reply["StreamNames"]));
        var summary = Obj(List(reply["StreamSummaries"]).Single(s => (string?)Obj(s)["StreamName"] == stream));
        AssertMillisecondsNearNow(summary["StreamCreationTimestamp"]);
    }

    [Fact]
    public async Task DescribeStream_answers_in_CBOR_with_a_millisecond_creation_timestamp()
    {
        var stream = await CreateStreamAsync("cbor-describe", shards: 2);

        var reply = await OkAsync("DescribeStream", w => Text(w, "StreamName", stream));

        var d = Obj(reply["StreamDescription"]);
        Assert.Equal(stream, d["StreamName"]);
        Assert.Equal("ACTIVE", d["StreamStatus"]);
        Assert.Equal(24L, d["RetentionPeriodHours"]);
        Assert.Equal(false, d["HasMoreShards"]);
        Assert.Equal(2, List(d["Shards"]).Count);
        Assert.Equal("0", Obj(Obj(List(d["Shards"])[0])["HashKeyRange"])["StartingHashKey"]);
        AssertMillisecondsNearNow(d["StreamCreationTimestamp"]);

        var summary = Obj((await OkAsync("DescribeStreamSummary", w => Text(w, "StreamName", stream)))["StreamDescriptionSummary"]);
        AssertMillisecondsNearNow(summary["StreamCreationTimestamp"]);
        Assert.Equal(2L, summary["OpenShardCount"]);
    }

    [Fact]
    public async Task Consumer_operations_answer_in_CBOR_with_millisecond_creation_timestamps()
    {
        var stream = await CreateStreamAsync("cbor-consumer");
        var streamArn = $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}";

        var registered = Obj((await OkAsync("RegisterStreamConsumer", w =>
        {
            Text(w, "StreamARN", streamArn);
            Text(w, "ConsumerName", "kcl-app");
        }))["Consumer"]);
        var created = AssertMillisecondsNearNow(registered["ConsumerCreationTimestamp"]);
        Assert.Equal($"{streamArn}/consumer/kcl-app:{created / 1000}", registered["ConsumerARN"]);

        var described = Obj((await OkAsync("DescribeStreamConsumer", w => Text(w, "ConsumerARN", (string)registered["ConsumerARN"]!)))["ConsumerDescription"]);
        Assert.Equal(created, AssertMillisecondsNearNow(described["ConsumerCreationTimestamp"]));
        Assert.Equal(streamArn, described["StreamARN"]);

        var listed = List((await OkAsync("ListStreamConsumers", w => Text(w, "StreamARN", streamArn)))["Consumers"]);
        Assert.Equal(created, AssertMillisecondsNearNow(Obj(Assert.Single(listed))["ConsumerCreationTimestamp"]));
    }

    [Fact]
    public async Task Tags_named_like_blob_members_stay_text()
    {
        var stream = await CreateStreamAsync("cbor-tags");
        await NoOutputAsync("AddTagsToStream", w =>
        {
            Text(w, "StreamName", stream);
            w.WriteTextString("Tags");
            w.WriteStartMap(1);
            Text(w, "Data", "AA==");
            w.WriteEndMap();
        });

        var tags = List((await OkAsync("ListTagsForStream", w => Text(w, "StreamName", stream)))["Tags"]);

        var tag = Obj(Assert.Single(tags));
        Assert.Equal("Data", tag["Key"]);
        Assert.Equal("AA==", tag["Value"]);
    }

    [Fact]
    public async Task An_error_is_a_CBOR_map_with_type_and_message_and_the_same_status()
    {
        var reply = await CallAsync("DescribeStream", w => Text(w, "StreamName", $"missing-{Guid.NewGuid():N}"));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(CborType, reply.ContentType);
        var error = reply.Map;
        Assert.Equal("ResourceNotFoundException", error["__type"]);
        Assert.False(string.IsNullOrEmpty(Assert.IsType<string>(error["message"])));
        Assert.Equal("ResourceNotFoundException", reply.Response.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.True(Guid.TryParse(reply.Response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
    }

    [Fact]
    public async Task An_unknown_operation_is_answered_in_CBOR_too()
    {
        var reply = await CallAsync("FlyToTheMoon", Map(_ => { }));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(CborType, reply.ContentType);
        Assert.Equal("UnknownOperationException", reply.Map["__type"]);
    }

    [Theory]
    [InlineData("7b2253747265616d4e616d65223a2278227d")] // JSON text sent as CBOR
    [InlineData("a1")] // a map cut short
    [InlineData("83010203")] // an array, not a map
    [InlineData("a0ff")] // trailing bytes
    [InlineData("a16a53747265616d4e616d6507")] // StreamName: 7
    [InlineData("a16a53747265616d4e616d6541ff")] // StreamName as a byte string
    public async Task A_garbage_body_is_a_SerializationException(string hex)
    {
        var reply = await CallAsync("DescribeStream", Convert.FromHexString(hex));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(CborType, reply.ContentType);
        Assert.Equal("SerializationException", reply.Map["__type"]);
    }

    [Fact]
    public async Task Data_as_a_text_string_is_a_SerializationException()
    {
        var reply = await CallAsync("PutRecord", w =>
        {
            Text(w, "StreamName", "whatever");
            Text(w, "Data", "AA==");
            Text(w, "PartitionKey", "k");
        });

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("SerializationException", reply.Map["__type"]);
    }

    [Fact]
    public async Task Deep_nesting_is_a_SerializationException_not_a_crash()
    {
        var body = new byte[100_000];
        Array.Fill(body, (byte)0x81); // [[[[...
        body[0] = 0xA1; // {"": [[[[...
        body[1] = 0x60;

        var reply = await CallAsync("DescribeStream", body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("SerializationException", reply.Map["__type"]);
    }

    [Fact]
    public async Task ListShards_takes_a_ShardFilter_and_a_StreamCreationTimestamp_as_tag_1_milliseconds()
    {
        var stream = await CreateStreamAsync("cbor-list-shards", shards: 2);
        var summary = Obj((await OkAsync("DescribeStreamSummary", w => Text(w, "StreamName", stream)))["StreamDescriptionSummary"]);
        var createdMs = AssertMillisecondsNearNow(summary["StreamCreationTimestamp"]);

        Dictionary<string, object?> listed = await OkAsync("ListShards", w =>
        {
            Text(w, "StreamName", stream);
            // Read as seconds, this would be a stream created 55,000 years from now: a ResourceNotFoundException.
            w.WriteTextString("StreamCreationTimestamp");
            w.WriteTag(CborTag.UnixTimeSeconds);
            w.WriteInt64(createdMs);
            w.WriteTextString("ShardFilter");
            w.WriteStartMap(null);
            Text(w, "Type", "AT_TIMESTAMP");
            w.WriteTextString("Timestamp");
            w.WriteTag(CborTag.UnixTimeSeconds);
            w.WriteInt64(createdMs);
            w.WriteEndMap();
        });
        var missingTimestamp = await CallAsync("ListShards", w =>
        {
            Text(w, "StreamName", stream);
            w.WriteTextString("ShardFilter");
            w.WriteStartMap(null);
            Text(w, "Type", "FROM_TIMESTAMP");
            w.WriteEndMap();
        });

        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], List(listed["Shards"]).Select(s => Obj(s)["ShardId"]));
        Assert.Equal(HttpStatusCode.BadRequest, missingTimestamp.Status);
        Assert.Equal("InvalidArgumentException", missingTimestamp.Map["__type"]);
    }

    [Fact]
    public async Task Resharding_operations_and_ChildShards_are_served_in_CBOR()
    {
        var stream = await CreateStreamAsync("cbor-reshard", shards: 2);
        await OkAsync("PutRecord", w =>
        {
            Text(w, "StreamName", stream);
            w.WriteTextString("Data");
            w.WriteByteString([1, 2, 3]);
            Text(w, "PartitionKey", "pk");
            Text(w, "ExplicitHashKey", "0");
        });

        await NoOutputAsync("MergeShards", w =>
        {
            Text(w, "StreamName", stream);
            Text(w, "ShardToMerge", "shardId-000000000000");
            Text(w, "AdjacentShardToMerge", "shardId-000000000001");
        });
        var iterator = await IteratorAsync(stream, w => Text(w, "ShardIteratorType", "TRIM_HORIZON"));
        var page = await OkAsync("GetRecords", w => Text(w, "ShardIterator", iterator));
        Assert.Equal([1, 2, 3], Assert.IsType<byte[]>(Obj(List(page["Records"]).Single())["Data"]));
        Assert.False(page.ContainsKey("NextShardIterator"));
        var child = Obj(List(page["ChildShards"]).Single());
        Assert.Equal("shardId-000000000002", child["ShardId"]);
        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], List(child["ParentShards"]).Cast<string>());
        Assert.Equal("0", Obj(child["HashKeyRange"])["StartingHashKey"]);

        var updated = await OkAsync("UpdateShardCount", w =>
        {
            Text(w, "StreamName", stream);
            w.WriteTextString("TargetShardCount");
            w.WriteInt32(2);
            Text(w, "ScalingType", "UNIFORM_SCALING");
        });
        Assert.Equal(1L, updated["CurrentShardCount"]);
        Assert.Equal(2L, updated["TargetShardCount"]);
    }

    [Fact]
    public async Task StartStreamEncryption_is_dispatched_over_CBOR_and_answers_KMS_errors_in_CBOR()
    {
        var stream = await CreateStreamAsync("cbor-enc");
        // This server's key provider holds no keys: the alias is unknown.
        var reply = await CallAsync("StartStreamEncryption", w =>
        {
            Text(w, "StreamName", stream);
            Text(w, "EncryptionType", "KMS");
            Text(w, "KeyId", "alias/not-configured");
        });
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("KMSNotFoundException", reply.Map["__type"]);
        await NoOutputAsync("StopStreamEncryption", w =>
        {
            Text(w, "StreamName", stream);
            Text(w, "EncryptionType", "KMS");
            Text(w, "KeyId", "alias/not-configured");
        });
        var summary = Obj((await OkAsync("DescribeStreamSummary", w => Text(w, "StreamName", stream)))["StreamDescriptionSummary"]);
        Assert.Equal("NONE", summary["EncryptionType"]);
    }
}
