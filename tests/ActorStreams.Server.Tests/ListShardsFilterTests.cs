using System.Globalization;
using System.Net;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>
/// ListShards with every ShardFilter type over raw HTTP and the AWS CLI, its pagination and its errors. The streams
/// here have open shards only; how closed shards are selected is covered by StreamShardSelectionSpec.
/// </summary>
public sealed class ListShardsFilterTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static string Id(int index) => $"shardId-{index:D12}";

    private static string[] Ids(JsonElement reply) =>
        reply.GetProperty("Shards").EnumerateArray().Select(s => s.GetProperty("ShardId").GetString()!).ToArray();

    private Task<JsonElement> ListAsync(string name, object filter) => server.OkAsync("ListShards", new { StreamName = name, ShardFilter = filter });

    [Fact]
    public async Task Every_filter_type_lists_the_open_shards_of_a_stream_that_was_never_resharded()
    {
        var name = await server.CreateStreamAsync("filter", shards: 3);
        var all = new[] { Id(0), Id(1), Id(2) };
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

        Assert.Equal(all, Ids(await ListAsync(name, new { Type = "AT_LATEST" })));
        Assert.Equal(all, Ids(await ListAsync(name, new { Type = "AT_TRIM_HORIZON" })));
        Assert.Equal(all, Ids(await ListAsync(name, new { Type = "FROM_TRIM_HORIZON" })));
        Assert.Equal(all, Ids(await ListAsync(name, new { Type = "AT_TIMESTAMP", Timestamp = now })));
        Assert.Equal(all, Ids(await ListAsync(name, new { Type = "FROM_TIMESTAMP", Timestamp = now })));
        // Before the stream existed: corrected to the trim horizon, where all three were open.
        Assert.Equal(all, Ids(await ListAsync(name, new { Type = "AT_TIMESTAMP", Timestamp = now - 3600 })));
        Assert.Equal(all, Ids(await ListAsync(name, new { Type = "FROM_TIMESTAMP", Timestamp = 1577836800 /* 2020-01-01T00:00:00Z: AWS takes epoch seconds, never a string */ })));
        Assert.Equal([Id(2)], Ids(await ListAsync(name, new { Type = "AFTER_SHARD_ID", ShardId = Id(1) })));
        Assert.Empty(Ids(await ListAsync(name, new { Type = "AFTER_SHARD_ID", ShardId = Id(2) })));
    }

    [Fact]
    public async Task A_filtered_listing_pages_with_a_NextToken_that_keeps_the_filter()
    {
        var name = await server.CreateStreamAsync("filter-pages", shards: 5);

        var first = await server.OkAsync("ListShards", new { StreamName = name, MaxResults = 2, ShardFilter = new { Type = "AFTER_SHARD_ID", ShardId = Id(0) } });
        var second = await server.OkAsync("ListShards", new { NextToken = first.GetProperty("NextToken").GetString(), MaxResults = 2 });
        var latest1 = await server.OkAsync("ListShards", new { StreamName = name, MaxResults = 3, ShardFilter = new { Type = "AT_LATEST" } });
        var latest2 = await server.OkAsync("ListShards", new { NextToken = latest1.GetProperty("NextToken").GetString() });

        Assert.Equal([Id(1), Id(2)], Ids(first));
        Assert.Equal([Id(3), Id(4)], Ids(second));
        Assert.False(second.TryGetProperty("NextToken", out _), "the last page of shards has no NextToken");
        Assert.Equal([Id(0), Id(1), Id(2)], Ids(latest1));
        Assert.Equal([Id(3), Id(4)], Ids(latest2));
    }

    [Fact]
    public async Task Bad_filters_and_bad_combinations_are_InvalidArgumentException_or_ValidationException()
    {
        var name = await server.CreateStreamAsync("filter-errors", shards: 2);
        var page = await server.OkAsync("ListShards", new { StreamName = name, MaxResults = 1 });
        var token = page.GetProperty("NextToken").GetString();

        async Task ExpectAsync(object body, string errorType, string mentions)
        {
            var reply = await server.CallAsync("ListShards", body);
            reply.AssertError(HttpStatusCode.BadRequest, errorType);
            Assert.Contains(mentions, reply.Message);
        }

        await ExpectAsync(new { StreamName = name, ShardFilter = new { Type = "AFTER_SHARD_ID" } }, "InvalidArgumentException", "requires a ShardId");
        await ExpectAsync(new { StreamName = name, ShardFilter = new { Type = "AT_TIMESTAMP" } }, "InvalidArgumentException", "requires a Timestamp");
        await ExpectAsync(new { StreamName = name, ShardFilter = new { Type = "FROM_TIMESTAMP" } }, "InvalidArgumentException", "requires a Timestamp");
        await ExpectAsync(new { StreamName = name, ShardFilter = new { Type = "AT_LATEST", ShardId = Id(0) } }, "InvalidArgumentException", "only be used with type AFTER_SHARD_ID");
        await ExpectAsync(new { StreamName = name, ShardFilter = new { Type = "AT_TRIM_HORIZON", Timestamp = 1.5 } }, "InvalidArgumentException", "only be used with types AT_TIMESTAMP and FROM_TIMESTAMP");
        await ExpectAsync(new { StreamName = name, ExclusiveStartShardId = Id(0), ShardFilter = new { Type = "AT_LATEST" } }, "InvalidArgumentException", "ExclusiveStartShardId and ShardFilter");
        await ExpectAsync(new { NextToken = token, ShardFilter = new { Type = "AT_LATEST" } }, "InvalidArgumentException", "NextToken cannot be provided together");
        await ExpectAsync(new { StreamName = name, ShardFilter = new { Type = "SOMETIMES" } }, "ValidationException", "shardFilter.type");
        await ExpectAsync(new { StreamName = name, ShardFilter = new { ShardId = Id(0) } }, "ValidationException", "shardFilter.type");
        (await server.CallAsync("ListShards", new { StreamName = name, ShardFilter = new { Type = "AT_TIMESTAMP", Timestamp = new[] { 1 } } }))
            .AssertError(HttpStatusCode.BadRequest, "SerializationException");
        (await server.CallAsync("ListShards", new { StreamName = name, ShardFilter = "AT_LATEST" }))
            .AssertError(HttpStatusCode.BadRequest, "SerializationException");
    }

    [Fact]
    public async Task StreamCreationTimestamp_must_name_the_current_stream_of_that_name()
    {
        var name = await server.CreateStreamAsync("filter-created", shards: 2);
        var created = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name }))
            .GetProperty("StreamDescriptionSummary").GetProperty("StreamCreationTimestamp").GetDouble();
        var page = await server.OkAsync("ListShards", new { StreamName = name, MaxResults = 1 });

        var listed = await server.OkAsync("ListShards", new { StreamName = name, StreamCreationTimestamp = created, ShardFilter = new { Type = "AT_LATEST" } });
        var wrong = await server.CallAsync("ListShards", new { StreamName = name, StreamCreationTimestamp = created - 3600 });
        var withToken = await server.CallAsync("ListShards", new { NextToken = page.GetProperty("NextToken").GetString(), StreamCreationTimestamp = created });

        Assert.Equal([Id(0), Id(1)], Ids(listed));
        wrong.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        withToken.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_lists_shards_with_a_shard_filter()
    {
        var aws = AwsCli.Installed!;
        var name = await server.CreateStreamAsync("cli-filter", shards: 3);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        var after = await aws.KinesisAsync(server.BaseAddress, "list-shards", "--stream-name", name,
            "--shard-filter", $"Type=AFTER_SHARD_ID,ShardId={Id(0)}");
        var atTimestamp = await aws.KinesisAsync(server.BaseAddress, "list-shards", "--stream-name", name,
            "--shard-filter", $"Type=AT_TIMESTAMP,Timestamp={now}");
        var latest = await aws.KinesisAsync(server.BaseAddress, "list-shards", "--stream-name", name,
            "--shard-filter", """{"Type": "AT_LATEST"}""", "--max-results", "2");

        // As against AWS, an explicit --max-results turns the CLI's own paging off; the token carries the filter on.
        var rest = await aws.KinesisAsync(server.BaseAddress, "list-shards", "--next-token", latest.GetProperty("NextToken").GetString()!);

        Assert.Equal([Id(1), Id(2)], Ids(after));
        Assert.Equal([Id(0), Id(1), Id(2)], Ids(atTimestamp));
        Assert.Equal([Id(0), Id(1)], Ids(latest));
        Assert.Equal([Id(2)], Ids(rest));
        var error = await aws.KinesisFailsAsync(server.BaseAddress, "test", "test", "list-shards", "--stream-name", name,
            "--shard-filter", "Type=AT_TIMESTAMP");
        Assert.Contains("InvalidArgumentException", error);
    }
}
