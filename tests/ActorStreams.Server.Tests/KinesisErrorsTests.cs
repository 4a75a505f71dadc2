using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ActorStreams.Kinesis;
using ActorStreams.Server.Protocol;

namespace ActorStreams.Server.Tests;

/// <summary>The Kinesis error shape for protocol errors and for the runtime's typed exceptions.</summary>
public sealed class KinesisErrorsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task An_unknown_target_is_an_UnknownOperationException()
    {
        var reply = await server.CallAsync("FlyToTheMoon", new { });

        // AWS's exact body: the type alone, no message.
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("{\"__type\":\"UnknownOperationException\"}", reply.Text);
        Assert.Equal("application/x-amz-json-1.1", reply.ContentType);
        Assert.True(Guid.TryParse(reply.RequestId, out _));
    }

    [Fact]
    public async Task A_missing_target_header_is_an_UnknownOperationException()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("{}", Encoding.UTF8, "application/x-amz-json-1.1") };

        using var response = await server.Http.SendAsync(request);

        var reply = await KinesisReply.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("{\"__type\":\"UnknownOperationException\"}", reply.Text);
        Assert.Equal("UnknownOperationException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task Malformed_json_is_a_SerializationException()
    {
        // AWS answers a body it cannot read with the type alone.
        foreach (var body in new[] { "{\"StreamName\": ", "[1, 2]", "hello", "null" })
        {
            var reply = await server.CallAsync("DescribeStream", body);
            Assert.True(reply.Status == HttpStatusCode.BadRequest && reply.Text == "{\"__type\":\"SerializationException\"}", $"{body}: {(int)reply.Status} {reply.Text}");
        }
    }

    [Fact]
    public async Task A_member_of_the_wrong_type_is_a_SerializationException()
    {
        (await server.CallAsync("CreateStream", new { StreamName = "typed", ShardCount = "two" })).AssertError(HttpStatusCode.BadRequest, "SerializationException");
        (await server.CallAsync("DescribeStream", new { StreamName = 7 })).AssertError(HttpStatusCode.BadRequest, "SerializationException");
        (await server.CallAsync("PutRecord", new { StreamName = "typed", PartitionKey = "k", Data = "not base64!" })).AssertError(HttpStatusCode.BadRequest, "SerializationException");
    }

    [Fact]
    public async Task A_missing_required_member_is_a_ValidationException_as_AWS_words_it()
    {
        var reply = await server.CallAsync("DescribeStream", new { });

        reply.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Equal("1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must not be null", reply.Message);

        var name = await server.CreateStreamAsync("missing");
        var put = await server.CallAsync("PutRecords", new { StreamName = name, Records = new[] { new { Data = "AA==" } } });
        put.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("'records.1.member.partitionKey'", put.Message);
    }

    [Fact]
    public async Task Runtime_validation_is_a_ValidationException()
    {
        (await server.CallAsync("CreateStream", new { StreamName = "bad name!" })).AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("DescribeStream", new { StreamName = "x", Limit = 0 })).AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("GetShardIterator", new { StreamName = "x", ShardId = "shardId-000000000000", ShardIteratorType = "SOMEWHERE" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("DescribeStreamSummary", new { StreamARN = "arn:aws:s3:::bucket" })).AssertError(HttpStatusCode.BadRequest, "ValidationException");
    }

    [Fact]
    public async Task Creating_an_existing_stream_is_a_ResourceInUseException()
    {
        var name = await server.CreateStreamAsync("twice");

        (await server.CallAsync("CreateStream", new { StreamName = name, ShardCount = 1 })).AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");
    }

    [Fact]
    public async Task Sequence_numbers_and_merges_at_their_edges_are_answered_in_AWS_words()
    {
        var name = await server.CreateStreamAsync("edges", 3);
        var put = await server.CallAsync("PutRecord", new { StreamName = name, Data = "AA==", PartitionKey = "k", ExplicitHashKey = "0" });
        var sequenceNumber = put.Json.GetProperty("SequenceNumber").GetString()!;
        Assert.Equal(56, sequenceNumber.Length);

        // The number of shard 0 used on shard 1.
        var other = await server.CallAsync("GetShardIterator", new
        {
            StreamName = name, ShardId = "shardId-000000000001", ShardIteratorType = "AT_SEQUENCE_NUMBER", StartingSequenceNumber = sequenceNumber,
        });
        other.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.Equal("Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001", other.Message);

        // Any well-formed number orders a put; a malformed one is refused with AWS's member name.
        var ordered = await server.CallAsync("PutRecord", new { StreamName = name, Data = "AA==", PartitionKey = "k", ExplicitHashKey = "0", SequenceNumberForOrdering = sequenceNumber });
        Assert.Equal(HttpStatusCode.OK, ordered.Status);
        Assert.True(string.CompareOrdinal(ordered.Json.GetProperty("SequenceNumber").GetString(), sequenceNumber) > 0);
        var malformed = await server.CallAsync("PutRecord", new { StreamName = name, Data = "AA==", PartitionKey = "k", SequenceNumberForOrdering = "12345" });
        malformed.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.Equal($"ExclusiveMinimumSequenceNumber 12345 used in PutRecord on stream {name} under account 000000000000 is invalid.", malformed.Message);

        // A split key of 2^128 or more, and a merge pair named upper first.
        var tooBig = await server.CallAsync("SplitShard", new { StreamName = name, ShardToSplit = "shardId-000000000002", NewStartingHashKey = "999999999999999999999999999999999999999" });
        tooBig.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.StartsWith("NewStartingHashKey 999999999999999999999999999999999999999 used in SplitShard() on shard shardId-000000000002 in stream ", tooBig.Message);
        Assert.EndsWith("and less than the shard's EndingHashKey 340282366920938463463374607431768211455.", tooBig.Message);
        var inverted = await server.CallAsync("MergeShards", new { StreamName = name, ShardToMerge = "shardId-000000000001", AdjacentShardToMerge = "shardId-000000000000" });
        inverted.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.Equal($"Shards shardId-000000000001 and shardId-000000000000 in stream {name} under account 000000000000 are not an adjacent pair of shards eligible for merging", inverted.Message);
    }

    [Fact]
    public async Task An_unknown_stream_is_a_ResourceNotFoundException()
    {
        var name = $"ghost-{Guid.NewGuid():N}";

        (await server.CallAsync("DescribeStream", new { StreamName = name })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await server.CallAsync("PutRecord", new { StreamName = name, Data = "AA==", PartitionKey = "k" })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await server.CallAsync("DeleteStream", new { StreamName = name })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
    }

    [Fact]
    public async Task A_bad_ExplicitHashKey_is_an_InvalidArgumentException()
    {
        var name = await server.CreateStreamAsync("hashkey");

        (await server.CallAsync("PutRecord", new { StreamName = name, Data = "AA==", PartitionKey = "k", ExplicitHashKey = "340282366920938463463374607431768211456" }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        // "-1" breaks the model's pattern (0|([1-9]\d{0,38})): AWS answers that as a ValidationException first.
        (await server.CallAsync("PutRecord", new { StreamName = name, Data = "AA==", PartitionKey = "k", ExplicitHashKey = "-1" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
    }

    [Fact]
    public async Task Other_invalid_arguments_are_InvalidArgumentExceptions()
    {
        var name = await server.CreateStreamAsync("invalid");

        (await server.CallAsync("GetRecords", new { ShardIterator = "bm90IGFuIGl0ZXJhdG9y" })).AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        (await server.CallAsync("DecreaseStreamRetentionPeriod", new { StreamName = name, RetentionPeriodHours = 12 })).AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        (await server.CallAsync("ListShards", new { StreamName = name, NextToken = "abc" })).AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        (await server.CallAsync("DescribeStream", new { StreamName = "other", StreamARN = $"arn:aws:kinesis:us-east-1:000000000000:stream/{name}" }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
    }

    [Theory]
    [InlineData("LATEST")]
    [InlineData("TRIM_HORIZON")]
    public async Task A_StartingSequenceNumber_with_a_type_that_takes_none_is_refused_before_the_number_is_read(string type)
    {
        var name = await server.CreateStreamAsync("typemismatch");

        // "5" is no sequence number of ours either: AWS names the mismatch of type and number first.
        var reply = await server.CallAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = type, StartingSequenceNumber = "5" });

        reply.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.Equal("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or " +
            $"(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified {type} and also a StartingSequenceNumber.", reply.Message);
    }

    [Theory]
    [InlineData("2147483648")]
    [InlineData("shardId-002147483648")]
    [InlineData("ABKLFD8")]
    [InlineData("2.14E4")]
    public async Task A_shard_id_that_names_no_shard_number_is_not_found_in_AWS_words(string shardId)
    {
        var name = $"nostream{Guid.NewGuid():N}"[..24];
        var expected = $"Could not find shard {shardId} in stream {name} under account 000000000000.";

        var iterator = await server.CallAsync("GetShardIterator", new { StreamName = name, ShardId = shardId, ShardIteratorType = "LATEST" });
        iterator.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        Assert.Equal(expected, iterator.Message);
        var merge = await server.CallAsync("MergeShards", new { StreamName = name, ShardToMerge = shardId, AdjacentShardToMerge = "shardId-000000000001" });
        merge.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        Assert.Equal(expected, merge.Message);
        var split = await server.CallAsync("SplitShard", new { StreamName = name, ShardToSplit = shardId, NewStartingHashKey = "5" });
        split.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        Assert.Equal(expected, split.Message);
    }

    [Fact]
    public async Task GetRecords_on_a_deleted_stream_names_the_shard_as_AWS_does()
    {
        var name = await server.CreateStreamAsync("gone");
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "LATEST" }))
            .GetProperty("ShardIterator").GetString();
        await server.OkAsync("DeleteStream", new { StreamName = name });

        var reply = await server.CallAsync("GetRecords", new { ShardIterator = iterator });

        reply.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        Assert.Equal($"Shard shardId-000000000000 in stream {name} under account 000000000000 does not exist", reply.Message);
    }

    [Fact]
    public async Task A_body_over_the_cap_is_refused_with_413()
    {
        var body = new byte[KinesisEndpoint.MaxRequestBodyBytes + 1];
        Array.Fill(body, (byte)' ');
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.PutRecords");

        using var response = await server.Http.SendAsync(request);

        var reply = await KinesisReply.ReadAsync(response);
        reply.AssertError(HttpStatusCode.RequestEntityTooLarge, "SerializationException");
    }

    [Fact]
    public async Task An_unsupported_content_type_is_answered_as_AWS_does_with_a_404_in_XML()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("<ListStreams/>", Encoding.UTF8, "application/xml") };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.ListStreams");

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("<UnknownOperationException/>\n", await response.Content.ReadAsStringAsync());
        Assert.Equal("UnknownOperationException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task Plain_application_json_gets_the_deprecated_shape_and_runs_nothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.ListStreams");

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"Output\":{\"__type\":\"com.amazon.coral.service#UnknownOperationException\"},\"Version\":\"1.0\"}",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Other_methods_and_paths_are_AWS_403_in_XML_and_still_carry_a_request_id()
    {
        using var response = await server.Http.GetAsync("/somewhere");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n",
            await response.Content.ReadAsStringAsync());
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
    }
}
