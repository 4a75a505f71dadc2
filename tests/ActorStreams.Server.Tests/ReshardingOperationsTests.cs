using System.Net;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>SplitShard, MergeShards and UpdateShardCount over the JSON protocol, with lineage and ChildShards.</summary>
public sealed class ReshardingOperationsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Middle = "170141183460469231731687303715884105728"; // 2^127

    private static JsonElement Shard(JsonElement shards, string id) => shards.EnumerateArray().Single(s => s.GetProperty("ShardId").GetString() == id);

    [Fact]
    public async Task SplitShard_closes_the_parent_and_GetRecords_at_its_end_returns_ChildShards_and_no_iterator()
    {
        var name = await server.CreateStreamAsync("split");
        await server.OkAsync("PutRecord", new { StreamName = name, PartitionKey = "k", Data = "aGVsbG8=" });

        // No output shape: AWS answers an empty body.
        var split = await server.CallAsync("SplitShard", new { StreamName = name, ShardToSplit = "shardId-000000000000", NewStartingHashKey = Middle });
        Assert.Equal(HttpStatusCode.OK, split.Status);
        Assert.Equal("", split.Text);

        var d = (await server.OkAsync("DescribeStream", new { StreamName = name })).GetProperty("StreamDescription");
        Assert.Equal("ACTIVE", d.GetProperty("StreamStatus").GetString());
        var parent = Shard(d.GetProperty("Shards"), "shardId-000000000000");
        Assert.True(parent.GetProperty("SequenceNumberRange").TryGetProperty("EndingSequenceNumber", out _));
        var high = Shard(d.GetProperty("Shards"), "shardId-000000000002");
        Assert.Equal("shardId-000000000000", high.GetProperty("ParentShardId").GetString());
        Assert.False(high.TryGetProperty("AdjacentParentShardId", out _));
        Assert.Equal(Middle, high.GetProperty("HashKeyRange").GetProperty("StartingHashKey").GetString());
        var listed = (await server.OkAsync("ListShards", new { StreamName = name })).GetProperty("Shards");
        Assert.Equal(3, listed.GetArrayLength());

        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var page = await server.OkAsync("GetRecords", new { ShardIterator = iterator });
        Assert.Equal(1, page.GetProperty("Records").GetArrayLength());
        Assert.False(page.TryGetProperty("NextShardIterator", out _));
        var children = page.GetProperty("ChildShards").EnumerateArray().ToList();
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], children.Select(c => c.GetProperty("ShardId").GetString()));
        Assert.All(children, c => Assert.Equal(["shardId-000000000000"], c.GetProperty("ParentShards").EnumerateArray().Select(p => p.GetString())));
        Assert.Equal(Middle, children[1].GetProperty("HashKeyRange").GetProperty("StartingHashKey").GetString());

        var put = await server.OkAsync("PutRecord", new { StreamName = name, PartitionKey = "k", ExplicitHashKey = Middle, Data = "aGVsbG8=" });
        Assert.Equal("shardId-000000000002", put.GetProperty("ShardId").GetString());
    }

    [Fact]
    public async Task MergeShards_and_UpdateShardCount_answer_as_Kinesis_does()
    {
        var name = await server.CreateStreamAsync("merge", shards: 2);

        await server.OkAsync("MergeShards", new { StreamName = name, ShardToMerge = "shardId-000000000000", AdjacentShardToMerge = "shardId-000000000001" });
        var child = Shard((await server.OkAsync("ListShards", new { StreamName = name })).GetProperty("Shards"), "shardId-000000000002");
        Assert.Equal("shardId-000000000000", child.GetProperty("ParentShardId").GetString());
        Assert.Equal("shardId-000000000001", child.GetProperty("AdjacentParentShardId").GetString());

        var updated = await server.OkAsync("UpdateShardCount", new { StreamName = name, TargetShardCount = 2, ScalingType = "UNIFORM_SCALING" });
        Assert.Equal(name, updated.GetProperty("StreamName").GetString());
        Assert.Equal(1, updated.GetProperty("CurrentShardCount").GetInt32());
        Assert.Equal(2, updated.GetProperty("TargetShardCount").GetInt32());
        Assert.Equal($"arn:aws:kinesis:us-east-1:000000000000:stream/{name}", updated.GetProperty("StreamARN").GetString());
        var summary = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name })).GetProperty("StreamDescriptionSummary");
        Assert.Equal(2, summary.GetProperty("OpenShardCount").GetInt32());
    }

    [Fact]
    public async Task Resharding_errors_carry_the_Kinesis_error_codes()
    {
        var name = await server.CreateStreamAsync("reshard-errors", shards: 3);

        (await server.CallAsync("MergeShards", new { StreamName = name, ShardToMerge = "shardId-000000000000", AdjacentShardToMerge = "shardId-000000000002" }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        (await server.CallAsync("SplitShard", new { StreamName = name, ShardToSplit = "shardId-000000000000", NewStartingHashKey = "0" }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        (await server.CallAsync("SplitShard", new { StreamName = name, ShardToSplit = "shardId-000000000009", NewStartingHashKey = "5" }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await server.CallAsync("SplitShard", new { StreamName = name, ShardToSplit = "shardId-000000000000" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("SplitShard", new { StreamName = name, ShardToSplit = "shardId-000000000000", NewStartingHashKey = "12x" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UpdateShardCount", new { StreamName = name, TargetShardCount = 7, ScalingType = "UNIFORM_SCALING" }))
            .AssertError(HttpStatusCode.BadRequest, "LimitExceededException");
        (await server.CallAsync("UpdateShardCount", new { StreamName = name, TargetShardCount = 4, ScalingType = "RANDOM" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UpdateShardCount", new { StreamName = $"ghost-{Guid.NewGuid():N}", TargetShardCount = 4, ScalingType = "UNIFORM_SCALING" }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");

        var onDemand = $"od-{Guid.NewGuid():N}";
        await server.OkAsync("CreateStream", new { StreamName = onDemand, StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        (await server.CallAsync("UpdateShardCount", new { StreamName = onDemand, TargetShardCount = 5, ScalingType = "UNIFORM_SCALING" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
    }

    [Fact]
    public async Task UpdateStreamMode_switches_a_stream_to_ON_DEMAND_and_back()
    {
        var name = await server.CreateStreamAsync("mode", shards: 2);
        var arn = $"arn:aws:kinesis:us-east-1:000000000000:stream/{name}";

        Assert.Equal("", (await server.CallAsync("UpdateStreamMode", new { StreamARN = arn, StreamModeDetails = new { StreamMode = "ON_DEMAND" } })).Text);
        var summary = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name })).GetProperty("StreamDescriptionSummary");
        Assert.Equal("ON_DEMAND", summary.GetProperty("StreamModeDetails").GetProperty("StreamMode").GetString());
        (await server.CallAsync("SplitShard", new { StreamName = name, ShardToSplit = "shardId-000000000000", NewStartingHashKey = "5" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");

        await server.OkAsync("UpdateStreamMode", new { StreamARN = arn, StreamModeDetails = new { StreamMode = "PROVISIONED" } });
        (await server.CallAsync("UpdateStreamMode", new { StreamARN = arn, StreamModeDetails = new { StreamMode = "ON_DEMAND" } }))
            .AssertError(HttpStatusCode.BadRequest, "LimitExceededException");
        (await server.CallAsync("UpdateStreamMode", new { StreamARN = arn, StreamModeDetails = new { StreamMode = "FAST" } }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UpdateStreamMode", new { StreamARN = arn }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
    }
}
