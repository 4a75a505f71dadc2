using System.Formats.Cbor;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace ActorStreams.Server.Tests;

/// <summary>
/// A seeded, bounded fuzz of the wire protocol: Kinesis JSON, Kinesis CBOR and Firehose requests mutated from valid
/// ones (wrong types, truncations, random bytes, invalid UTF-8, lone surrogates, huge and negative numbers, deep
/// nesting, odd targets and content types). No answer may be a 5xx, and every error carries an AWS error body.
/// The seed is fixed (so a failure reproduces) and printed on failure; <c>ACTORSTREAMS_FUZZ_SEED</c> and
/// <c>ACTORSTREAMS_FUZZ_COUNT</c> override it and the number of requests.
/// </summary>
public sealed class ProtocolFuzzTests(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private const int DefaultSeed = 15_2026;
    private const int DefaultCount = 3_000;
    private const string Json = "application/x-amz-json-1.1";
    private const string Cbor = "application/x-amz-cbor-1.1";

    private static readonly string[] ContentTypes =
        [Json, Cbor, "application/json", "application/x-amz-json-1.0", "text/plain", "application/xml", "", "application/x-amz-json-1.1; charset=utf-8"];

    private static readonly string[] Targets =
        ["", "Kinesis_20131202.", "Kinesis_20131202.ListStream", "Kinesis_20131202.listStreams", "Whatever.ListStreams", "Kinesis_20131202",
         "Firehose_20150804.", "Firehose_20150804.PutRecord", "Kinesis_20131202.PutRecord", "Kinesis_20131202.SubscribeToShard", "DynamoDB_20120810.ListTables"];

    // Lone surrogates cannot pass through a JSON writer; these markers become their escapes in the text sent.
    private const string LoneHigh = "LONE-HIGH-SURROGATE";
    private const string LoneLow = "LONE-LOW-SURROGATE";

    private sealed record Seed(string Target, JsonObject Body);

    private sealed record FuzzRequest(int Index, string Method, string Target, string? ContentType, byte[] Body, string Mutation)
    {
        public override string ToString()
        {
            var body = Body.Length > 300 ? Body[..300] : Body;
            var text = ContentType == Cbor ? Convert.ToHexString(body) : Encoding.UTF8.GetString(body);
            return $"#{Index} ({Mutation}) {Method} X-Amz-Target: '{Target}', Content-Type: '{ContentType}', {Body.Length} bytes: {text}";
        }
    }

    [Fact]
    public async Task Mutated_requests_never_get_a_5xx_and_every_error_has_an_AWS_error_body()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ACTORSTREAMS_FUZZ_SEED"), out var s) ? s : DefaultSeed;
        var count = int.TryParse(Environment.GetEnvironmentVariable("ACTORSTREAMS_FUZZ_COUNT"), out var c) ? c : DefaultCount;
        var seeds = await SeedsAsync();
        var random = new Random(seed);
        var requests = Enumerable.Range(0, count).Select(i => Mutate(i, random, seeds)).ToList();

        var failures = new List<string>();
        var (serverErrors, emptyErrors) = (0, 0);
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (request, ct) =>
        {
            var problem = await SendAsync(request, ct);
            if (problem is null) return;
            lock (failures)
            {
                failures.Add($"{problem}\n    {request}");
                if (problem.StartsWith("5xx", StringComparison.Ordinal)) serverErrors++;
                if (problem.StartsWith("empty", StringComparison.Ordinal)) emptyErrors++;
            }
        });

        output.WriteLine($"seed {seed}: {count} requests, {serverErrors} answered 5xx, {emptyErrors} errors with an empty body, {failures.Count} failures in all");
        Assert.True(failures.Count == 0,
            $"seed {seed} (ACTORSTREAMS_FUZZ_SEED={seed} reproduces it): {failures.Count} of {count} requests failed " +
            $"({serverErrors} 5xx, {emptyErrors} empty errors); the first ones:\n" + string.Join("\n", failures.Take(15)));
    }

    /// <summary>Null when the answer is acceptable, else what is wrong with it.</summary>
    private async Task<string?> SendAsync(FuzzRequest fuzz, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(fuzz.Method), "/");
        if (fuzz.Method != "GET")
        {
            request.Content = new ByteArrayContent(fuzz.Body);
            if (fuzz.ContentType is { Length: > 0 } contentType) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        if (fuzz.Target.Length > 0) request.Headers.TryAddWithoutValidation("X-Amz-Target", fuzz.Target);
        using var response = await server.Http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var status = (int)response.StatusCode;
        if (status >= 500) return $"5xx: {status} {Describe(response, body)}";
        if (status < 400) return null;
        if (body.Length == 0) return $"empty: {status} with an empty body";
        var type = ErrorType(response, body);
        if (type is null) return $"not an AWS error body: {status} {Describe(response, body)}";
        // XML errors (403 AccessDenied and friends) are AWS's too; JSON and CBOR errors name their type in a header as well.
        if (!IsXml(body) && !response.Headers.Contains("x-amzn-ErrorType")) return $"no x-amzn-ErrorType: {status} {Describe(response, body)}";
        return null;
    }

    private static bool IsXml(byte[] body) => body.Length > 0 && body[0] == (byte)'<';

    /// <summary>The <c>__type</c> of an AWS error body in JSON, CBOR or XML; null when the body is not one.</summary>
    private static string? ErrorType(HttpResponseMessage response, byte[] body)
    {
        if (IsXml(body))
        {
            var text = Encoding.UTF8.GetString(body);
            var end = text.IndexOfAny(['>', '/', ' ']);
            return end > 1 ? text[1..end] : null;
        }
        if (response.Content.Headers.ContentType?.MediaType == Cbor)
        {
            try
            {
                var reader = new CborReader(body, CborConformanceMode.Lax);
                reader.ReadStartMap();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    var key = reader.ReadTextString();
                    if (key == "__type") return reader.ReadTextString();
                    reader.SkipValue();
                }
                return null;
            }
            catch (Exception e) when (e is CborContentException or InvalidOperationException)
            {
                return null;
            }
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            // The deprecated application/json shape: {"Output": {"__type": ...}, "Version": "1.0"}.
            if (root.TryGetProperty("Output", out var legacy) && legacy.ValueKind == JsonValueKind.Object) root = legacy;
            return root.TryGetProperty("__type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString()!.Length > 0 ? t.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(HttpResponseMessage response, byte[] body) =>
        $"{response.Content.Headers.ContentType}: " +
        (response.Content.Headers.ContentType?.MediaType == Cbor ? Convert.ToHexString(body) : Encoding.UTF8.GetString(body));

    /// <summary>Valid requests of every family, against a stream and a delivery stream that exist.</summary>
    private async Task<List<Seed>> SeedsAsync()
    {
        var stream = await server.CreateStreamAsync("fuzz", shards: 2);
        var delivery = $"fuzz-{Guid.NewGuid():N}";
        await server.OkAsync("Firehose_20150804.CreateDeliveryStream", new
        {
            DeliveryStreamName = delivery,
            ExtendedS3DestinationConfiguration = new { RoleARN = "arn:aws:iam::123456789012:role/firehose", BucketARN = "arn:aws:s3:::fuzz", BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 900 } },
        });
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var put = await server.OkAsync("PutRecord", new { StreamName = stream, PartitionKey = "k", Data = "aGVsbG8=" });
        var sequence = put.GetProperty("SequenceNumber").GetString();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string K(string op) => "Kinesis_20131202." + op;
        string F(string op) => "Firehose_20150804." + op;
        Seed Of(string target, string json) => new(target, JsonNode.Parse(json)!.AsObject());
        return
        [
            Of(K("ListStreams"), "{\"Limit\": 10}"),
            Of(K("DescribeStream"), $"{{\"StreamName\": \"{stream}\", \"Limit\": 5}}"),
            Of(K("DescribeStreamSummary"), $"{{\"StreamName\": \"{stream}\"}}"),
            Of(K("ListShards"), $"{{\"StreamName\": \"{stream}\", \"MaxResults\": 1}}"),
            Of(K("ListShards"), $"{{\"NextToken\": \"AAAAAAAAAAA=\", \"MaxResults\": 1}}"),
            Of(K("PutRecord"), $"{{\"StreamName\": \"{stream}\", \"PartitionKey\": \"pk\", \"Data\": \"aGVsbG8=\", \"ExplicitHashKey\": \"1\"}}"),
            Of(K("PutRecords"), $"{{\"StreamName\": \"{stream}\", \"Records\": [{{\"PartitionKey\": \"a\", \"Data\": \"AAE=\"}}, {{\"PartitionKey\": \"b\", \"Data\": \"AgM=\"}}]}}"),
            Of(K("GetShardIterator"), $"{{\"StreamName\": \"{stream}\", \"ShardId\": \"shardId-000000000001\", \"ShardIteratorType\": \"LATEST\"}}"),
            Of(K("GetShardIterator"), $"{{\"StreamName\": \"{stream}\", \"ShardId\": \"shardId-000000000000\", \"ShardIteratorType\": \"AT_SEQUENCE_NUMBER\", \"StartingSequenceNumber\": \"{sequence}\"}}"),
            Of(K("GetShardIterator"), $"{{\"StreamName\": \"{stream}\", \"ShardId\": \"shardId-000000000000\", \"ShardIteratorType\": \"AT_TIMESTAMP\", \"Timestamp\": {now - 60}}}"),
            Of(K("GetRecords"), $"{{\"ShardIterator\": \"{iterator}\", \"Limit\": 10}}"),
            Of(K("AddTagsToStream"), $"{{\"StreamName\": \"{stream}\", \"Tags\": {{\"team\": \"fuzz\"}}}}"),
            Of(K("ListTagsForStream"), $"{{\"StreamName\": \"{stream}\", \"Limit\": 5}}"),
            Of(K("RemoveTagsFromStream"), $"{{\"StreamName\": \"{stream}\", \"TagKeys\": [\"nothing\"]}}"),
            Of(K("SplitShard"), $"{{\"StreamName\": \"missing-{stream}\", \"ShardToSplit\": \"shardId-000000000000\", \"NewStartingHashKey\": \"10\"}}"),
            Of(K("MergeShards"), $"{{\"StreamName\": \"missing-{stream}\", \"ShardToMerge\": \"shardId-000000000000\", \"AdjacentShardToMerge\": \"shardId-000000000001\"}}"),
            Of(K("IncreaseStreamRetentionPeriod"), $"{{\"StreamName\": \"{stream}\", \"RetentionPeriodHours\": 24}}"),
            Of(K("DescribeLimits"), "{}"),
            Of(K("ListStreamConsumers"), $"{{\"StreamARN\": \"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}\", \"MaxResults\": 5}}"),
            Of(K("DescribeStreamConsumer"), $"{{\"StreamARN\": \"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}\", \"ConsumerName\": \"nobody\"}}"),
            Of(K("EnableEnhancedMonitoring"), $"{{\"StreamName\": \"{stream}\", \"ShardLevelMetrics\": [\"IncomingBytes\", \"ALL\"]}}"),
            Of(K("DisableEnhancedMonitoring"), $"{{\"StreamARN\": \"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}\", \"ShardLevelMetrics\": [\"OutgoingRecords\"]}}"),
            Of(K("DescribeAccountSettings"), "{}"),
            Of(K("UpdateAccountSettings"), "{\"MinimumThroughputBillingCommitment\": {\"Status\": \"ENABLED\"}}"),
            Of(K("UpdateStreamWarmThroughput"), $"{{\"StreamName\": \"{stream}\", \"WarmThroughputMiBps\": 2}}"),
            Of(K("UpdateMaxRecordSize"), $"{{\"StreamARN\": \"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}\", \"MaxRecordSizeInKiB\": 2048}}"),
            Of(K("UpdateStreamRecordDistributionStrategy"), $"{{\"StreamARN\": \"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}\", \"RecordDistributionStrategy\": \"USER_PARTITION_KEY\"}}"),
            Of(K("PutResourcePolicy"), $"{{\"ResourceARN\": \"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}\", \"Policy\": \"{{\\\"Statement\\\": [{{\\\"Effect\\\": \\\"Allow\\\", \\\"Principal\\\": {{\\\"AWS\\\": [\\\"111122223333\\\"]}}, \\\"Action\\\": \\\"kinesis:Get*\\\", \\\"Resource\\\": \\\"*\\\"}}]}}\"}}"),
            Of(K("GetResourcePolicy"), $"{{\"ResourceARN\": \"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}\"}}"),
            Of(K("DeleteResourcePolicy"), $"{{\"ResourceARN\": \"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}\"}}"),
            Of(F("PutRecord"), $"{{\"DeliveryStreamName\": \"{delivery}\", \"Record\": {{\"Data\": \"aGVsbG8=\"}}}}"),
            Of(F("PutRecordBatch"), $"{{\"DeliveryStreamName\": \"{delivery}\", \"Records\": [{{\"Data\": \"aGVsbG8=\"}}, {{\"Data\": \"d29ybGQ=\"}}]}}"),
            Of(F("DescribeDeliveryStream"), $"{{\"DeliveryStreamName\": \"{delivery}\", \"Limit\": 1}}"),
            Of(F("ListDeliveryStreams"), "{\"Limit\": 5, \"DeliveryStreamType\": \"DirectPut\"}"),
            Of(F("ListTagsForDeliveryStream"), $"{{\"DeliveryStreamName\": \"{delivery}\"}}"),
            Of(F("TagDeliveryStream"), $"{{\"DeliveryStreamName\": \"{delivery}\", \"Tags\": [{{\"Key\": \"k\", \"Value\": \"v\"}}]}}"),
            Of(F("CreateDeliveryStream"), "{\"DeliveryStreamName\": \"fuzz-http\", \"HttpEndpointDestinationConfiguration\": {\"EndpointConfiguration\": {\"Url\": \"http://127.0.0.1:9/x\"}, " +
                "\"RequestConfiguration\": {\"CommonAttributes\": [{\"AttributeName\": \"a\", \"AttributeValue\": \"1\"}, {\"AttributeName\": \"b\", \"AttributeValue\": \"2\"}]}, " +
                "\"S3Configuration\": {\"RoleARN\": \"arn:aws:iam::123456789012:role/firehose\", \"BucketARN\": \"arn:aws:s3:::fuzz\"}, \"DeliveryStreamType\": \"NotAType\"}, \"DeliveryStreamType\": \"NotAType\"}"),
        ];
    }

    private static FuzzRequest Mutate(int index, Random random, List<Seed> seeds)
    {
        var seed = seeds[random.Next(seeds.Count)];
        var body = (JsonObject)seed.Body.DeepClone();
        var isFirehose = seed.Target.StartsWith("Firehose", StringComparison.Ordinal);
        var target = seed.Target;
        var contentType = !isFirehose && random.Next(3) == 0 ? Cbor : Json;
        var mutations = new List<string>();
        for (var n = 1 + random.Next(2); n > 0; n--) mutations.Add(MutateTree(random, body));
        byte[] bytes = contentType == Cbor
            ? ToCbor(body)
            : Encoding.UTF8.GetBytes(body.ToJsonString().Replace(LoneHigh, "\\ud800").Replace(LoneLow, "a\\udc00b"));
        var roll = random.Next(100);
        if (roll < 30)
        {
            (bytes, var what) = MutateBytes(random, bytes, contentType == Cbor);
            mutations.Add(what);
        }
        else if (roll < 38)
        {
            contentType = ContentTypes[random.Next(ContentTypes.Length)];
            mutations.Add("content type");
        }
        else if (roll < 45)
        {
            target = Targets[random.Next(Targets.Length)];
            mutations.Add("target");
        }
        else if (roll < 47)
        {
            bytes = Encoding.UTF8.GetBytes(new string('[', 5_000) + new string(']', 5_000));
            mutations.Add("deep nesting");
        }
        var method = random.Next(100) switch
        {
            0 => "GET",
            1 => "PUT",
            2 => "DELETE",
            _ => "POST",
        };
        return new FuzzRequest(index, method, target, contentType, bytes, string.Join(", ", mutations));
    }

    /// <summary>Changes one member somewhere in the tree: a wrong type, an odd value, or a missing or unknown member.</summary>
    private static string MutateTree(Random random, JsonObject body)
    {
        var containers = new List<JsonNode> { body };
        Collect(body, containers);
        var container = containers[random.Next(containers.Count)];
        JsonNode?[] candidates = [.. OddValues(random)];
        var value = candidates[random.Next(candidates.Length)];
        switch (container)
        {
            case JsonObject obj when obj.Count > 0 && random.Next(5) > 0:
            {
                var name = obj.ElementAt(random.Next(obj.Count)).Key;
                if (random.Next(8) == 0)
                {
                    obj.Remove(name);
                    return $"removed {name}";
                }
                obj[name] = value;
                return $"{name} = {value?.ToJsonString() ?? "null"}";
            }
            case JsonObject obj:
                obj["Unknown" + random.Next(1000)] = value;
                return "unknown member";
            case JsonArray array when array.Count > 0:
                array[random.Next(array.Count)] = value;
                return "list entry";
            case JsonArray array:
                array.Add(value);
                return "list entry added";
            default:
                return "none";
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array,
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is JsonObject or JsonArray)
            {
                into.Add(child);
                Collect(child, into);
            }
        }
    }

    private static IEnumerable<JsonNode?> OddValues(Random random)
    {
        yield return null;
        yield return JsonValue.Create("");
        yield return JsonValue.Create("a");
        yield return JsonValue.Create(new string('x', random.Next(1, 2_000)));
        yield return JsonValue.Create(LoneHigh);
        yield return JsonValue.Create(LoneLow);
        yield return JsonValue.Create("shardId-000000000001");
        yield return JsonValue.Create("1");
        yield return JsonValue.Create("-5");
        yield return JsonValue.Create("99999999999999");
        yield return JsonValue.Create("340282366920938463463374607431768211456");
        yield return JsonValue.Create("2016-12-07T05:00:00Z");
        yield return JsonValue.Create("not base64!");
        yield return JsonValue.Create(0);
        yield return JsonValue.Create(-1);
        yield return JsonValue.Create(int.MaxValue);
        yield return JsonValue.Create(long.MaxValue);
        yield return JsonValue.Create(1e300);
        yield return JsonValue.Create(-1.5);
        yield return JsonValue.Create(99999999999999);
        yield return JsonValue.Create(true);
        yield return JsonNode.Parse("1e400");
        yield return JsonNode.Parse("123456789012345678901234567890");
        yield return new JsonObject { ["a"] = 1 };
        yield return new JsonArray(1, "b");
        yield return new JsonArray();
        yield return new JsonObject();
    }

    private static (byte[] Bytes, string What) MutateBytes(Random random, byte[] bytes, bool cbor)
    {
        switch (random.Next(6))
        {
            case 0:
                return (bytes[..random.Next(bytes.Length + 1)], "truncated");
            case 1:
            {
                var copy = (byte[])bytes.Clone();
                for (var i = 1 + random.Next(3); i > 0 && copy.Length > 0; i--) copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return (copy, "random bytes");
            }
            case 2:
            {
                // Invalid UTF-8 or a surrogate in CESU-8 form inside the first string of the body.
                byte[][] bad = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80]];
                var insert = bad[random.Next(bad.Length)];
                var at = cbor ? Math.Min(bytes.Length, 1 + random.Next(Math.Max(1, bytes.Length - 1))) : Math.Max(0, Array.IndexOf(bytes, (byte)'"') + 1);
                return ([.. bytes[..at], .. insert, .. bytes[at..]], "invalid UTF-8");
            }
            case 3:
                return (cbor ? Encoding.UTF8.GetBytes("{}") : [0xBF, 0x61, 0x61, 0x01, 0xFF], "other encoding");
            case 4:
                return ([], "empty body");
            default:
            {
                var noise = new byte[random.Next(1, 64)];
                random.NextBytes(noise);
                return (noise, "noise");
            }
        }
    }

    /// <summary>A JSON request as the Java SDKs send it in CBOR: Data members as byte strings, Timestamps as tag 1 (ms).</summary>
    private static byte[] ToCbor(JsonObject body)
    {
        var writer = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false);
        Write(writer, body, null);
        return writer.Encode();
    }

    private static void Write(CborWriter writer, JsonNode? node, string? name)
    {
        switch (node)
        {
            case null:
                writer.WriteNull();
                return;
            case JsonObject obj:
                writer.WriteStartMap(null);
                foreach (var (key, value) in obj)
                {
                    writer.WriteTextString(key);
                    Write(writer, value, key);
                }
                writer.WriteEndMap();
                return;
            case JsonArray array:
                writer.WriteStartArray(null);
                foreach (var item in array) Write(writer, item, name);
                writer.WriteEndArray();
                return;
        }
        var element = JsonSerializer.SerializeToElement(node);
        switch (element.ValueKind)
        {
            case JsonValueKind.String when name == "Data" && element.TryGetBytesFromBase64(out var data):
                writer.WriteByteString(data);
                return;
            case JsonValueKind.String:
                var text = element.GetString()!;
                if (text is LoneHigh or LoneLow)
                {
                    // A text string carrying a surrogate in CESU-8 form, which is not UTF-8.
                    writer.WriteEncodedValue(new byte[] { 0x63, 0xED, 0xA0, 0x80 });
                    return;
                }
                writer.WriteTextString(text);
                return;
            case JsonValueKind.Number when name == "Timestamp" && element.TryGetDouble(out var seconds):
                writer.WriteTag(CborTag.UnixTimeSeconds);
                writer.WriteInt64((long)Math.Clamp(seconds * 1000, long.MinValue, long.MaxValue));
                return;
            case JsonValueKind.Number when element.TryGetInt64(out var integer):
                writer.WriteInt64(integer);
                return;
            case JsonValueKind.Number:
                writer.WriteDouble(element.TryGetDouble(out var real) && double.IsFinite(real) ? real : double.MaxValue);
                return;
            case JsonValueKind.True or JsonValueKind.False:
                writer.WriteBoolean(element.GetBoolean());
                return;
            default:
                writer.WriteNull();
                return;
        }
    }
}
