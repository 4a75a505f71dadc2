using System.Text;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>The real AWS CLI against the server, end to end.</summary>
public sealed class AwsCliTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static string[] Args(params string[][] parts) => parts.SelectMany(p => p).ToArray();

    [AwsCliFact]
    public async Task The_AWS_CLI_creates_writes_reads_lists_and_deletes_a_stream()
    {
        var aws = AwsCli.Installed!;
        var endpoint = server.BaseAddress;
        var name = $"cli-{Guid.NewGuid():N}";

        await aws.KinesisAsync(endpoint, "create-stream", "--stream-name", name, "--shard-count", "1");
        await aws.KinesisAsync(endpoint, "wait", "stream-exists", "--stream-name", name);

        var described = await aws.KinesisAsync(endpoint, "describe-stream", "--stream-name", name);
        Assert.Equal("ACTIVE", described.GetProperty("StreamDescription").GetProperty("StreamStatus").GetString());
        Assert.Single(described.GetProperty("StreamDescription").GetProperty("Shards").EnumerateArray());

        var put = await aws.KinesisAsync(endpoint, Args(["put-record", "--stream-name", name, "--partition-key", "k1"], aws.RawBlob("--data", "hello")));
        Assert.Equal("shardId-000000000000", put.GetProperty("ShardId").GetString());

        var puts = await aws.KinesisAsync(endpoint, Args(
            ["put-records", "--stream-name", name, "--records", "Data=d29ybGQ=,PartitionKey=k2", "Data=IQ==,PartitionKey=k3"]));
        Assert.Equal(0, puts.GetProperty("FailedRecordCount").GetInt32());

        var iterator = await aws.KinesisAsync(endpoint, "get-shard-iterator", "--stream-name", name, "--shard-id", "shardId-000000000000",
            "--shard-iterator-type", "TRIM_HORIZON");
        var records = await aws.KinesisAsync(endpoint, "get-records", "--shard-iterator", iterator.GetProperty("ShardIterator").GetString()!);

        var got = records.GetProperty("Records").EnumerateArray().ToList();
        Assert.Equal(["hello", "world", "!"], got.Select(r => Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64())).ToArray());
        Assert.Equal(["k1", "k2", "k3"], got.Select(r => r.GetProperty("PartitionKey").GetString()!).ToArray());
        Assert.Equal(put.GetProperty("SequenceNumber").GetString(), got[0].GetProperty("SequenceNumber").GetString());

        var listed = await aws.KinesisAsync(endpoint, "list-streams");
        Assert.Contains(name, listed.GetProperty("StreamNames").EnumerateArray().Select(e => e.GetString()));

        await aws.KinesisAsync(endpoint, "delete-stream", "--stream-name", name);
        var after = await aws.KinesisAsync(endpoint, "list-streams");
        Assert.DoesNotContain(name, after.GetProperty("StreamNames").EnumerateArray().Select(e => e.GetString()));
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_registers_lists_describes_and_deregisters_a_stream_consumer()
    {
        var aws = AwsCli.Installed!;
        var endpoint = server.BaseAddress;
        var name = $"cli-efo-{Guid.NewGuid():N}";
        await aws.KinesisAsync(endpoint, "create-stream", "--stream-name", name, "--shard-count", "1");
        var streamArn = (await aws.KinesisAsync(endpoint, "describe-stream-summary", "--stream-name", name))
            .GetProperty("StreamDescriptionSummary").GetProperty("StreamARN").GetString()!;

        var registered = await aws.KinesisAsync(endpoint, "register-stream-consumer", "--stream-arn", streamArn, "--consumer-name", "cli-app");
        var consumerArn = registered.GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!;
        Assert.StartsWith($"{streamArn}/consumer/cli-app:", consumerArn);

        var listed = await aws.KinesisAsync(endpoint, "list-stream-consumers", "--stream-arn", streamArn);
        Assert.Equal(["cli-app"], listed.GetProperty("Consumers").EnumerateArray().Select(c => c.GetProperty("ConsumerName").GetString()));

        var described = await aws.KinesisAsync(endpoint, "describe-stream-consumer", "--consumer-arn", consumerArn);
        Assert.Equal("ACTIVE", described.GetProperty("ConsumerDescription").GetProperty("ConsumerStatus").GetString());
        Assert.Equal(streamArn, described.GetProperty("ConsumerDescription").GetProperty("StreamARN").GetString());

        await aws.KinesisAsync(endpoint, "deregister-stream-consumer", "--consumer-arn", consumerArn);
        var after = await aws.KinesisAsync(endpoint, "list-stream-consumers", "--stream-arn", streamArn);
        Assert.Empty(after.GetProperty("Consumers").EnumerateArray());
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_splits_merges_and_rescales_a_stream()
    {
        var aws = AwsCli.Installed!;
        var endpoint = server.BaseAddress;
        var name = $"cli-reshard-{Guid.NewGuid():N}";
        await aws.KinesisAsync(endpoint, "create-stream", "--stream-name", name, "--shard-count", "1");

        await aws.KinesisAsync(endpoint, "split-shard", "--stream-name", name, "--shard-to-split", "shardId-000000000000",
            "--new-starting-hash-key", "170141183460469231731687303715884105728");
        await aws.KinesisAsync(endpoint, "wait", "stream-exists", "--stream-name", name);
        var shards = (await aws.KinesisAsync(endpoint, "list-shards", "--stream-name", name)).GetProperty("Shards").EnumerateArray().ToList();
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"], shards.Select(s => s.GetProperty("ShardId").GetString()));
        Assert.True(shards[0].GetProperty("SequenceNumberRange").TryGetProperty("EndingSequenceNumber", out _));
        Assert.Equal("shardId-000000000000", shards[2].GetProperty("ParentShardId").GetString());

        await aws.KinesisAsync(endpoint, "merge-shards", "--stream-name", name, "--shard-to-merge", "shardId-000000000001",
            "--adjacent-shard-to-merge", "shardId-000000000002");
        var merged = (await aws.KinesisAsync(endpoint, "describe-stream", "--stream-name", name)).GetProperty("StreamDescription");
        Assert.Equal("ACTIVE", merged.GetProperty("StreamStatus").GetString());
        var child = merged.GetProperty("Shards").EnumerateArray().Single(s => s.GetProperty("ShardId").GetString() == "shardId-000000000003");
        Assert.Equal("shardId-000000000001", child.GetProperty("ParentShardId").GetString());
        Assert.Equal("shardId-000000000002", child.GetProperty("AdjacentParentShardId").GetString());

        var updated = await aws.KinesisAsync(endpoint, "update-shard-count", "--stream-name", name, "--target-shard-count", "2",
            "--scaling-type", "UNIFORM_SCALING");
        Assert.Equal(1, updated.GetProperty("CurrentShardCount").GetInt32());
        Assert.Equal(2, updated.GetProperty("TargetShardCount").GetInt32());
        var summary = (await aws.KinesisAsync(endpoint, "describe-stream-summary", "--stream-name", name)).GetProperty("StreamDescriptionSummary");
        Assert.Equal(2, summary.GetProperty("OpenShardCount").GetInt32());

        var error = await Assert.ThrowsAsync<Xunit.Sdk.TrueException>(() => aws.KinesisAsync(endpoint, "merge-shards", "--stream-name", name,
            "--shard-to-merge", "shardId-000000000000", "--adjacent-shard-to-merge", "shardId-000000000003"));
        Assert.Contains("InvalidArgumentException", error.Message);

        var arn = summary.GetProperty("StreamARN").GetString()!;
        await aws.KinesisAsync(endpoint, "update-stream-mode", "--stream-arn", arn, "--stream-mode-details", "StreamMode=ON_DEMAND");
        var mode = (await aws.KinesisAsync(endpoint, "describe-stream-summary", "--stream-name", name)).GetProperty("StreamDescriptionSummary");
        Assert.Equal("ON_DEMAND", mode.GetProperty("StreamModeDetails").GetProperty("StreamMode").GetString());
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_sees_ResourceNotFoundException()
    {
        var aws = AwsCli.Installed!;

        var error = await Assert.ThrowsAsync<Xunit.Sdk.TrueException>(() =>
            aws.KinesisAsync(server.BaseAddress, "describe-stream-summary", "--stream-name", $"ghost-{Guid.NewGuid():N}"));

        Assert.Contains("ResourceNotFoundException", error.Message);
    }
}
