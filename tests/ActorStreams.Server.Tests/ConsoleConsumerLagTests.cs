using System.Net;
using System.Text;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary><c>GET /console/api/consumers?stream=NAME</c> over real HTTP: the consumers table's data, and its errors.</summary>
public sealed class ConsoleConsumerLagTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Consumers_lists_registered_consumers_and_the_iterator_age_of_GetRecords_per_shard()
    {
        var name = await server.CreateStreamAsync("console-lag");
        var arn = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name })).GetProperty("StreamDescriptionSummary").GetProperty("StreamARN").GetString();
        await server.OkAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = "dashboard" });
        var records = Enumerable.Range(0, 3).Select(i => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes($"r{i}")), PartitionKey = "p" }).ToArray();
        await server.OkAsync("PutRecords", new { StreamName = name, Records = records });
        server.Clock.Advance(TimeSpan.FromMilliseconds(1100)); // the records are then more than a second old
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var read = await server.OkAsync("GetRecords", new { ShardIterator = iterator, Limit = 1 });
        var behind = read.GetProperty("MillisBehindLatest").GetInt64();
        Assert.True(behind >= 1000, $"one record of three, written over a second ago, is behind the tip ({behind} ms)");

        using var response = await server.Http.GetAsync($"/console/api/consumers?stream={name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(name, body.GetProperty("StreamName").GetString());
        Assert.Equal(1, body.GetProperty("NodesAsked").GetInt32());
        Assert.Equal(1, body.GetProperty("NodesAnswered").GetInt32());
        var consumer = Assert.Single(body.GetProperty("Consumers").EnumerateArray());
        Assert.Equal("ENHANCED_FAN_OUT", consumer.GetProperty("Kind").GetString());
        Assert.Equal("dashboard", consumer.GetProperty("Name").GetString());
        Assert.StartsWith(arn + "/consumer/dashboard:", consumer.GetProperty("ConsumerARN").GetString());
        Assert.Empty(consumer.GetProperty("Shards").EnumerateArray());
        var age = Assert.Single(body.GetProperty("IteratorAges").EnumerateArray());
        Assert.Equal("shardId-000000000000", age.GetProperty("ShardId").GetString());
        Assert.Equal(behind, age.GetProperty("MaxMillisBehindLatest").GetInt64());
        Assert.Equal(behind, age.GetProperty("LastMillisBehindLatest").GetInt64());
        Assert.True(Math.Abs(age.GetProperty("LastReadAt").GetDouble() - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0) < 60);
    }

    [Fact]
    public async Task Consumers_of_a_missing_stream_or_without_a_stream_answer_the_Kinesis_error()
    {
        using var missing = await server.Http.GetAsync("/console/api/consumers?stream=no-such-stream-here");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("ResourceNotFoundException", JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("__type").GetString());
        Assert.Equal("ResourceNotFoundException", missing.Headers.GetValues("x-amzn-ErrorType").Single());

        using var none = await server.Http.GetAsync("/console/api/consumers");
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Equal("ValidationException", JsonDocument.Parse(await none.Content.ReadAsStringAsync()).RootElement.GetProperty("__type").GetString());
    }
}

/// <summary>With SigV4 on, the consumers resource needs a signature like any Kinesis request.</summary>
public sealed class ConsoleConsumerLagAuthTests(AuthServerFixture server) : IClassFixture<AuthServerFixture>
{
    [Fact]
    public async Task Consumers_need_a_valid_signature()
    {
        using var plain = new HttpClient { BaseAddress = server.BaseAddress };
        using var unsigned = await plain.GetAsync("/console/api/consumers?stream=x");
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        Assert.Equal("MissingAuthenticationTokenException",
            JsonDocument.Parse(await unsigned.Content.ReadAsStringAsync()).RootElement.GetProperty("__type").GetString());

        var name = "signed-lag-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(ServerFixture.Request("CreateStream", $$"""{"StreamName":"{{name}}","ShardCount":1}"""))).StatusCode);
        using var signed = await server.Http.GetAsync($"/console/api/consumers?stream={name}");
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal(name, JsonDocument.Parse(await signed.Content.ReadAsStringAsync()).RootElement.GetProperty("StreamName").GetString());
    }
}
