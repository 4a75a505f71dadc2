using System.Net;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>The server with its states taking time: CREATING, UPDATING and DELETING last <see cref="Delay"/>.</summary>
public sealed class StateDelayServerFixture : ServerFixture
{
    /// <summary>
    /// Long enough that a request right after a change still sees the transitional state on a loaded machine.
    /// CREATING and UPDATING end on the runtime clock, which the tests move; DELETING ends on a timer (real time here).
    /// </summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);

    protected override TimeSpan StateDelay => Delay;
}

/// <summary>
/// A server whose states outlast the AWS CLI's start (seconds on a loaded machine), so that its waiters, which look
/// every 10 s, meet CREATING and DELETING at their first look.
/// </summary>
public sealed class LongStateDelayServerFixture : ServerFixture
{
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(8);

    protected override TimeSpan StateDelay => Delay;
}

/// <summary>The AWS CLI's waiters (a real <c>aws</c> process) against CREATING and DELETING.</summary>
public sealed class StateDelayAwsCliTests(LongStateDelayServerFixture server) : IClassFixture<LongStateDelayServerFixture>
{
    private async Task<string> StatusAsync(string stream) =>
        (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString()!;

    [AwsCliFact]
    public async Task The_AWS_CLI_waiters_wait_out_CREATING_and_DELETING()
    {
        var aws = AwsCli.Installed!;
        var name = $"cli-states-{Guid.NewGuid():N}";

        // The CLI's waiters poll every 10 s: the first look sees CREATING (DELETING), the next one ACTIVE (gone).
        await aws.KinesisAsync(server.BaseAddress, "create-stream", "--stream-name", name, "--shard-count", "1");
        Assert.Equal("CREATING", await StatusAsync(name));
        await aws.KinesisAsync(server.BaseAddress, "wait", "stream-exists", "--stream-name", name);
        Assert.Equal("ACTIVE", await StatusAsync(name));

        await aws.KinesisAsync(server.BaseAddress, "delete-stream", "--stream-name", name);
        Assert.Equal("DELETING", await StatusAsync(name));
        await aws.KinesisAsync(server.BaseAddress, "wait", "stream-not-exists", "--stream-name", name);
        (await server.CallAsync("DescribeStreamSummary", new { StreamName = name })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
    }
}

/// <summary>States take time, as in AWS: what each operation answers while a stream, consumer or delivery stream is in one.</summary>
public sealed class StateDelayTests(StateDelayServerFixture server) : IClassFixture<StateDelayServerFixture>
{
    private async Task<string> StatusAsync(string stream) =>
        (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString()!;

    private Task<string> CreatedAsync(string prefix, int shards = 1) => server.CreateStreamAsync(prefix, shards);

    /// <summary>Moves the server's clock past the delay: what ends on the clock (CREATING, UPDATING) is over.</summary>
    private void PassTheDelay() => server.Clock.Advance(StateDelayServerFixture.Delay);

    private Task WaitForStatusAsync(string stream, string status) =>
        Eventually.EventuallyAsync(async () => Assert.Equal(status, await StatusAsync(stream)), TimeSpan.FromSeconds(15));

    [Fact]
    public async Task A_new_stream_is_CREATING_refuses_data_and_changes_then_turns_ACTIVE()
    {
        var stream = await CreatedAsync("creating", shards: 2);

        var described = await server.OkAsync("DescribeStream", new { StreamName = stream });
        Assert.Equal("CREATING", described.GetProperty("StreamDescription").GetProperty("StreamStatus").GetString());
        // AWS lists no shards while the stream is CREATING.
        Assert.Equal(0, described.GetProperty("StreamDescription").GetProperty("Shards").GetArrayLength());
        Assert.False(described.GetProperty("StreamDescription").GetProperty("HasMoreShards").GetBoolean());
        Assert.Equal("CREATING", await StatusAsync(stream));
        var listed = await server.OkAsync("ListStreams", new { });
        Assert.Contains(listed.GetProperty("StreamSummaries").EnumerateArray(),
            s => s.GetProperty("StreamName").GetString() == stream && s.GetProperty("StreamStatus").GetString() == "CREATING");

        var put = await server.CallAsync("PutRecord", new { StreamName = stream, PartitionKey = "k", Data = "AQ==" });
        put.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        Assert.Equal($"Stream {stream} under account 000000000000 not found.", put.Message);
        (await server.CallAsync("GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        var merge = await server.CallAsync("MergeShards",
            new { StreamName = stream, ShardToMerge = "shardId-000000000000", AdjacentShardToMerge = "shardId-000000000001" });
        merge.AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");
        Assert.Equal($"Stream {stream} under account 000000000000 not ACTIVE, instead in state CREATING", merge.Message);

        PassTheDelay();
        await WaitForStatusAsync(stream, "ACTIVE");
        await server.OkAsync("PutRecord", new { StreamName = stream, PartitionKey = "k", Data = "AQ==" });
    }

    [Fact]
    public async Task A_reshard_answers_at_once_with_the_stream_UPDATING_and_a_second_one_is_ResourceInUse()
    {
        var stream = await CreatedAsync("updating", shards: 2);
        PassTheDelay();
        await WaitForStatusAsync(stream, "ACTIVE");

        await server.OkAsync("SplitShard", new { StreamName = stream, ShardToSplit = "shardId-000000000000", NewStartingHashKey = "1000" });
        Assert.Equal("UPDATING", await StatusAsync(stream));
        var second = await server.CallAsync("MergeShards",
            new { StreamName = stream, ShardToMerge = "shardId-000000000000", AdjacentShardToMerge = "shardId-000000000001" });
        second.AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");
        Assert.Equal($"Stream {stream} under account 000000000000 not ACTIVE, instead in state UPDATING", second.Message);
        (await server.CallAsync("UpdateShardCount", new { StreamName = stream, TargetShardCount = 4, ScalingType = "UNIFORM_SCALING" }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");
        (await server.CallAsync("DeleteStream", new { StreamName = stream })).AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");
        // Reads and writes go on while the stream is UPDATING.
        await server.OkAsync("PutRecord", new { StreamName = stream, PartitionKey = "k", Data = "AQ==" });

        PassTheDelay();
        await WaitForStatusAsync(stream, "ACTIVE");
        var shards = (await server.OkAsync("ListShards", new { StreamName = stream })).GetProperty("Shards").EnumerateArray()
            .Select(s => s.GetProperty("ShardId").GetString()).ToList();
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002", "shardId-000000000003"], shards);

        var scaled = await server.OkAsync("UpdateShardCount", new { StreamName = stream, TargetShardCount = 2, ScalingType = "UNIFORM_SCALING" });
        Assert.Equal(3, scaled.GetProperty("CurrentShardCount").GetInt32());
        Assert.Equal(2, scaled.GetProperty("TargetShardCount").GetInt32());
        Assert.Equal("UPDATING", await StatusAsync(stream));
        PassTheDelay();
        await WaitForStatusAsync(stream, "ACTIVE");

        await server.OkAsync("UpdateStreamMode", new { StreamARN = $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}", StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        Assert.Equal("UPDATING", await StatusAsync(stream));
        PassTheDelay();
        await WaitForStatusAsync(stream, "ACTIVE");
    }

    [Fact]
    public async Task A_stream_still_CREATING_may_be_deleted_as_in_AWS_and_is_DELETING_then_gone()
    {
        var stream = await CreatedAsync("creating-deleted", shards: 2);
        Assert.Equal("CREATING", await StatusAsync(stream));

        await server.OkAsync("DeleteStream", new { StreamName = stream });
        Assert.Equal("DELETING", await StatusAsync(stream));
        PassTheDelay();
        await Eventually.EventuallyAsync(async () =>
            (await server.CallAsync("DescribeStreamSummary", new { StreamName = stream })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException"),
            TimeSpan.FromSeconds(15));
        // The name is free again, and the new stream's shards are its own.
        await server.OkAsync("CreateStream", new { StreamName = stream, ShardCount = 1 });
        PassTheDelay();
        await WaitForStatusAsync(stream, "ACTIVE");
        await server.OkAsync("PutRecord", new { StreamName = stream, PartitionKey = "k", Data = "AQ==" });
        var shards = await server.OkAsync("ListShards", new { StreamName = stream });
        Assert.Equal(1, shards.GetProperty("Shards").GetArrayLength());
    }

    [Fact]
    public async Task A_deleted_stream_is_DELETING_then_gone()
    {
        var stream = await CreatedAsync("deleting");
        PassTheDelay();
        await WaitForStatusAsync(stream, "ACTIVE");

        await server.OkAsync("DeleteStream", new { StreamName = stream });
        Assert.Equal("DELETING", await StatusAsync(stream));
        (await server.CallAsync("PutRecord", new { StreamName = stream, PartitionKey = "k", Data = "AQ==" }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await server.CallAsync("CreateStream", new { StreamName = stream, ShardCount = 1 })).AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");

        await Eventually.EventuallyAsync(async () =>
            (await server.CallAsync("DescribeStreamSummary", new { StreamName = stream })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException"),
            TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_consumer_is_CREATING_then_ACTIVE_and_DELETING_then_gone()
    {
        var stream = await CreatedAsync("consumers");
        PassTheDelay();
        await WaitForStatusAsync(stream, "ACTIVE");
        var streamArn = $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}";

        var registered = await server.OkAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "app" });
        var consumer = registered.GetProperty("Consumer");
        Assert.Equal("CREATING", consumer.GetProperty("ConsumerStatus").GetString());
        var consumerArn = consumer.GetProperty("ConsumerARN").GetString()!;
        async Task<string> ConsumerStatusAsync() =>
            (await server.OkAsync("DescribeStreamConsumer", new { ConsumerARN = consumerArn })).GetProperty("ConsumerDescription").GetProperty("ConsumerStatus").GetString()!;
        Assert.Equal("CREATING", await ConsumerStatusAsync());

        PassTheDelay();
        Assert.Equal("ACTIVE", await ConsumerStatusAsync());

        await server.OkAsync("DeregisterStreamConsumer", new { ConsumerARN = consumerArn });
        Assert.Equal("DELETING", await ConsumerStatusAsync());
        var listed = await server.OkAsync("ListStreamConsumers", new { StreamARN = streamArn });
        Assert.Equal(new string?[] { "DELETING" }, listed.GetProperty("Consumers").EnumerateArray().Select(c => c.GetProperty("ConsumerStatus").GetString()).ToArray());
        (await server.CallAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "app" }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");

        await Eventually.EventuallyAsync(async () =>
            (await server.CallAsync("DescribeStreamConsumer", new { ConsumerARN = consumerArn })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException"),
            TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_delivery_stream_is_CREATING_then_ACTIVE_and_DELETING_then_gone()
    {
        var name = $"states-{Guid.NewGuid():N}"[..24];
        async Task<KinesisReply> Firehose(string operation, object body) => await server.CallAsync(AwsJsonRequest.Firehose + operation, body);
        async Task<string> StatusOf() =>
            (await Firehose("DescribeDeliveryStream", new { DeliveryStreamName = name })).Json
                .GetProperty("DeliveryStreamDescription").GetProperty("DeliveryStreamStatus").GetString()!;

        var created = await Firehose("CreateDeliveryStream", new
        {
            DeliveryStreamName = name,
            ExtendedS3DestinationConfiguration = new { BucketARN = "arn:aws:s3:::states", RoleARN = "arn:aws:iam::000000000000:role/r" },
        });
        Assert.True(created.Status == HttpStatusCode.OK, created.Text);
        Assert.Equal("CREATING", await StatusOf());
        (await Firehose("PutRecord", new { DeliveryStreamName = name, Record = new { Data = "AQ==" } }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");

        PassTheDelay();
        Assert.Equal("ACTIVE", await StatusOf());
        var put = await Firehose("PutRecord", new { DeliveryStreamName = name, Record = new { Data = "AQ==" } });
        Assert.True(put.Status == HttpStatusCode.OK, put.Text);

        var deleted = await Firehose("DeleteDeliveryStream", new { DeliveryStreamName = name });
        Assert.True(deleted.Status == HttpStatusCode.OK, deleted.Text);
        Assert.Equal("DELETING", await StatusOf());
        await Eventually.EventuallyAsync(async () =>
            (await Firehose("DescribeDeliveryStream", new { DeliveryStreamName = name })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException"),
            TimeSpan.FromSeconds(15));
    }

    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_waiters_wait_out_CREATING_and_DELETING()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();

        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["stream-states.mjs", endpoint], TimeSpan.FromMinutes(2));

        Assert.True(code == 0, $"node stream-states.mjs {endpoint} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }
}
