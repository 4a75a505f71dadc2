using System.Net;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary><c>GET /console/api/shard-times?stream=NAME</c> over real HTTP: when each shard opened and closed (the shard map's time axis).</summary>
public sealed class ConsoleShardTimesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static double Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    [Fact]
    public async Task Shard_times_give_the_opening_with_the_stream_and_the_split_that_closed_the_parent_and_opened_its_children()
    {
        var name = await server.CreateStreamAsync("console-times");
        var created = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name }))
            .GetProperty("StreamDescriptionSummary").GetProperty("StreamCreationTimestamp").GetDouble();
        var beforeSplit = Now;
        await server.OkAsync("SplitShard", new { StreamName = name, ShardToSplit = "shardId-000000000000", NewStartingHashKey = (UInt128.MaxValue / 2 + 1).ToString() });
        var afterSplit = Now;

        using var response = await server.Http.GetAsync($"/console/api/shard-times?stream={name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(name, body.GetProperty("StreamName").GetString());
        var shards = body.GetProperty("Shards").EnumerateArray().ToDictionary(s => s.GetProperty("ShardId").GetString()!);
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"], shards.Keys.Order());

        var parent = shards["shardId-000000000000"];
        // StreamCreationTimestamp is reported in milliseconds as a fraction of seconds, like OpenedAt.
        Assert.Equal(created, parent.GetProperty("OpenedAt").GetDouble(), 3);
        var closed = parent.GetProperty("ClosedAt").GetDouble();
        Assert.InRange(closed, beforeSplit - 1, afterSplit + 1);
        foreach (var child in new[] { "shardId-000000000001", "shardId-000000000002" })
        {
            Assert.Equal(closed, shards[child].GetProperty("OpenedAt").GetDouble(), 3);
            Assert.False(shards[child].TryGetProperty("ClosedAt", out _), $"{child} is open and has no closing time");
        }
    }

    [Fact]
    public async Task Shard_times_of_a_missing_stream_answer_the_Kinesis_error()
    {
        using var missing = await server.Http.GetAsync("/console/api/shard-times?stream=no-such-stream-here");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("ResourceNotFoundException", JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("__type").GetString());
    }
}

/// <summary>With SigV4 on, the shard-times resource needs a signature like any Kinesis request.</summary>
public sealed class ConsoleShardTimesAuthTests(AuthServerFixture server) : IClassFixture<AuthServerFixture>
{
    [Fact]
    public async Task Shard_times_need_a_valid_signature()
    {
        using var plain = new HttpClient { BaseAddress = server.BaseAddress };
        using var unsigned = await plain.GetAsync("/console/api/shard-times?stream=x");
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        Assert.Equal("MissingAuthenticationTokenException",
            JsonDocument.Parse(await unsigned.Content.ReadAsStringAsync()).RootElement.GetProperty("__type").GetString());
    }
}
