using System.Net;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// Kinesis operations without an output shape in AWS's model answer HTTP 200 with an empty body (Content-Length 0) and
/// the JSON 1.1 content type, as Kinesis does (kinesalite's recorded tests expect <c>''</c>, not <c>{}</c>). Firehose's
/// outputs are empty structures and keep <c>{}</c>.
/// </summary>
public sealed class NoOutputOperationsTests(EncryptionServerFixture server) : IClassFixture<EncryptionServerFixture>
{
    /// <summary>Each no-output operation this server implements, with a valid request on a fresh two-shard stream.</summary>
    private static readonly Dictionary<string, Func<ServerFixture, string, Task<object>>> Requests = new()
    {
        ["CreateStream"] = (_, _) => Task.FromResult<object>(new { StreamName = $"no-output-{Guid.NewGuid():N}", ShardCount = 1 }),
        ["DeleteStream"] = (_, stream) => Task.FromResult<object>(new { StreamName = stream }),
        ["IncreaseStreamRetentionPeriod"] = (_, stream) => Task.FromResult<object>(new { StreamName = stream, RetentionPeriodHours = 48 }),
        ["DecreaseStreamRetentionPeriod"] = (_, stream) => Task.FromResult<object>(new { StreamName = stream, RetentionPeriodHours = 24 }),
        ["AddTagsToStream"] = (_, stream) => Task.FromResult<object>(new { StreamName = stream, Tags = new Dictionary<string, string> { ["k"] = "v" } }),
        ["RemoveTagsFromStream"] = (_, stream) => Task.FromResult<object>(new { StreamName = stream, TagKeys = new[] { "k" } }),
        ["SplitShard"] = (_, stream) => Task.FromResult<object>(new { StreamName = stream, ShardToSplit = "shardId-000000000000", NewStartingHashKey = "85070591730234615865843651857942052864" }),
        ["MergeShards"] = (_, stream) => Task.FromResult<object>(new { StreamName = stream, ShardToMerge = "shardId-000000000000", AdjacentShardToMerge = "shardId-000000000001" }),
        ["UpdateStreamMode"] = async (s, stream) => new { StreamARN = await ArnAsync(s, stream), StreamModeDetails = new { StreamMode = "ON_DEMAND" } },
        ["StartStreamEncryption"] = (_, stream) => Task.FromResult<object>(new { StreamName = stream, EncryptionType = "KMS", KeyId = EncryptionServerFixture.Alias }),
        ["StopStreamEncryption"] = (_, stream) => Task.FromResult<object>(new { StreamName = stream, EncryptionType = "KMS", KeyId = EncryptionServerFixture.Alias }),
        ["TagResource"] = async (s, stream) => new { ResourceARN = await ArnAsync(s, stream), Tags = new Dictionary<string, string> { ["k"] = "v" } },
        ["UntagResource"] = async (s, stream) => new { ResourceARN = await ArnAsync(s, stream), TagKeys = new[] { "k" } },
        ["DeregisterStreamConsumer"] = async (s, stream) =>
        {
            var registered = await s.OkAsync("RegisterStreamConsumer", new { StreamARN = await ArnAsync(s, stream), ConsumerName = "no-output" });
            return new { ConsumerARN = registered.GetProperty("Consumer").GetProperty("ConsumerARN").GetString() };
        },
    };

    public static TheoryData<string> Operations() => [.. Requests.Keys];

    private static async Task<string> ArnAsync(ServerFixture s, string stream) =>
        (await s.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary").GetProperty("StreamARN").GetString()!;

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task An_operation_without_output_answers_200_with_an_empty_JSON_body(string operation)
    {
        var stream = await server.CreateStreamAsync("no-output", shards: 2);
        var body = await Requests[operation](server, stream);

        using var response = await server.Http.SendAsync(ServerFixture.Request(operation, JsonSerializer.Serialize(body)));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{operation} answered {(int)response.StatusCode}: {text}");
        Assert.Equal("", text);
        Assert.Equal(0L, response.Content.Headers.ContentLength);
        Assert.Equal("application/x-amz-json-1.1", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("x-amzn-RequestId"), "the request id is sent with an empty body too");
    }

    [Fact]
    public async Task A_Firehose_operation_keeps_its_empty_output_structure()
    {
        var name = $"no-output-fh-{Guid.NewGuid():N}";
        await server.OkAsync(AwsJsonRequest.Firehose + "CreateDeliveryStream", new
        {
            DeliveryStreamName = name,
            ExtendedS3DestinationConfiguration = new { BucketARN = "arn:aws:s3:::no-output", RoleARN = "arn:aws:iam::000000000000:role/r", BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 900 } },
        });
        var tagged = await server.CallAsync(AwsJsonRequest.Firehose + "TagDeliveryStream",
            new { DeliveryStreamName = name, Tags = new[] { new { Key = "k", Value = "v" } } });
        Assert.True(tagged.Status == HttpStatusCode.OK, tagged.Text);
        Assert.Equal("{}", tagged.Text);
    }
}
