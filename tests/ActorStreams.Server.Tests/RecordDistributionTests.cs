using System.Net;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// UpdateStreamRecordDistributionStrategy and RecordDistributionStrategy on CreateStream over HTTP: AUTO deals one
/// key's records out over every open shard of an ON_DEMAND stream, ignoring explicit hash keys too;
/// USER_PARTITION_KEY routes by key again; DescribeStreamSummary reports the strategy of ON_DEMAND streams; AWS's errors.
/// </summary>
public sealed class RecordDistributionTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task AUTO_spreads_a_single_key_workload_evenly_over_all_open_shards_and_USER_PARTITION_KEY_routes_by_key_again()
    {
        var stream = $"auto-{Guid.NewGuid():N}";
        await server.OkAsync("CreateStream", new { StreamName = stream, StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        var summary = await SummaryAsync(stream);
        var arn = summary.GetProperty("StreamARN").GetString();
        Assert.Equal("USER_PARTITION_KEY", summary.GetProperty("RecordDistributionStrategy").GetString());
        var shards = summary.GetProperty("OpenShardCount").GetInt32();
        Assert.True(shards >= 2, $"an ON_DEMAND stream opens with several shards, not {shards}");

        Assert.Single(await PutOneKeyAsync(stream, 4 * shards));

        Assert.Equal(HttpStatusCode.OK,
            (await server.CallAsync("UpdateStreamRecordDistributionStrategy", new { StreamARN = arn, RecordDistributionStrategy = "AUTO" })).Status);
        summary = await SummaryAsync(stream);
        Assert.Equal("AUTO", summary.GetProperty("RecordDistributionStrategy").GetString());
        Assert.Equal("ACTIVE", summary.GetProperty("StreamStatus").GetString());

        // One key, 10 records per shard: every open shard takes exactly 10.
        var spread = await PutOneKeyAsync(stream, 10 * shards);
        Assert.Equal(shards, spread.Count);
        Assert.All(spread.Values, n => Assert.Equal(10, n));

        // PutRecord with an explicit hash key: ignored as well, the shards still take turns.
        var byPut = new Dictionary<string, int>();
        for (var i = 0; i < 2 * shards; i++)
        {
            var put = await server.OkAsync("PutRecord", new { StreamName = stream, PartitionKey = "same", ExplicitHashKey = "0", Data = "AA==" });
            var id = put.GetProperty("ShardId").GetString()!;
            byPut[id] = byPut.GetValueOrDefault(id) + 1;
        }
        Assert.Equal(shards, byPut.Count);
        Assert.All(byPut.Values, n => Assert.Equal(2, n));

        // No partition key at all: optional on an AUTO stream, in PutRecord and in PutRecords.
        await server.OkAsync("PutRecord", new { StreamName = stream, Data = "AA==" });
        var keyless = await server.OkAsync("PutRecords", new { StreamName = stream, Records = new[] { new { Data = "AA==" }, new { Data = "AQ==" } } });
        Assert.Equal(0, keyless.GetProperty("FailedRecordCount").GetInt32());

        await server.OkAsync("UpdateStreamRecordDistributionStrategy", new { StreamARN = arn, RecordDistributionStrategy = "USER_PARTITION_KEY" });
        Assert.Equal("USER_PARTITION_KEY", (await SummaryAsync(stream)).GetProperty("RecordDistributionStrategy").GetString());
        Assert.Single(await PutOneKeyAsync(stream, 4 * shards));

        // Routing by key needs one, as the required member it was before AUTO existed.
        var noKey = await server.CallAsync("PutRecord", new { StreamName = stream, Data = "AA==" });
        noKey.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Equal("1 validation error detected: Value null at 'partitionKey' failed to satisfy constraint: Member must not be null", noKey.Message);
        var noKeys = await server.CallAsync("PutRecords", new
        {
            StreamName = stream,
            Records = new object[] { new { Data = "AA==" }, new { Data = "AA==", PartitionKey = "k" }, new { Data = "AA==" } },
        });
        noKeys.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Equal("2 validation errors detected: Value null at 'records.1.member.partitionKey' failed to satisfy constraint: Member must not be null; " +
            "Value null at 'records.3.member.partitionKey' failed to satisfy constraint: Member must not be null", noKeys.Message);
    }

    [Fact]
    public async Task CreateStream_takes_AUTO_for_an_ON_DEMAND_stream_and_refuses_it_for_a_PROVISIONED_one()
    {
        var stream = $"auto-created-{Guid.NewGuid():N}";
        await server.OkAsync("CreateStream",
            new { StreamName = stream, StreamModeDetails = new { StreamMode = "ON_DEMAND" }, RecordDistributionStrategy = "AUTO" });
        Assert.Equal("AUTO", (await SummaryAsync(stream)).GetProperty("RecordDistributionStrategy").GetString());
        Assert.True((await PutOneKeyAsync(stream, 8)).Count > 1);

        var provisioned = await server.CallAsync("CreateStream", new { StreamName = stream + "-p", ShardCount = 2, RecordDistributionStrategy = "AUTO" });
        provisioned.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.Contains("only supported for streams in ON_DEMAND mode", provisioned.Message);
        (await server.CallAsync("DescribeStreamSummary", new { StreamName = stream + "-p" })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
    }

    [Fact]
    public async Task An_AUTO_stream_switched_to_PROVISIONED_routes_by_key_and_deals_records_out_again_once_back_ON_DEMAND()
    {
        var stream = $"auto-mode-{Guid.NewGuid():N}";
        await server.OkAsync("CreateStream",
            new { StreamName = stream, StreamModeDetails = new { StreamMode = "ON_DEMAND" }, RecordDistributionStrategy = "AUTO" });
        var arn = (await SummaryAsync(stream)).GetProperty("StreamARN").GetString();

        await server.OkAsync("UpdateStreamMode", new { StreamARN = arn, StreamModeDetails = new { StreamMode = "PROVISIONED" } });
        Assert.False((await SummaryAsync(stream)).TryGetProperty("RecordDistributionStrategy", out _));
        Assert.Single(await PutOneKeyAsync(stream, 8));

        await server.OkAsync("UpdateStreamMode", new { StreamARN = arn, StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        var summary = await SummaryAsync(stream);
        Assert.Equal("AUTO", summary.GetProperty("RecordDistributionStrategy").GetString());
        Assert.Equal(summary.GetProperty("OpenShardCount").GetInt32(), (await PutOneKeyAsync(stream, 4 * summary.GetProperty("OpenShardCount").GetInt32())).Count);
    }

    [Fact]
    public async Task Bad_requests_are_answered_as_AWS_does()
    {
        var stream = await server.CreateStreamAsync("distribution-errors", shards: 2);
        var summary = await SummaryAsync(stream);
        var arn = summary.GetProperty("StreamARN").GetString()!;
        // AWS reports the strategy only for ON_DEMAND streams.
        Assert.False(summary.TryGetProperty("RecordDistributionStrategy", out _));

        var provisioned = await server.CallAsync("UpdateStreamRecordDistributionStrategy", new { StreamARN = arn, RecordDistributionStrategy = "AUTO" });
        provisioned.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.Equal(
            $"Record distribution strategy AUTO is only supported for streams in ON_DEMAND mode; stream {stream} under account 000000000000 is PROVISIONED.",
            provisioned.Message);
        // USER_PARTITION_KEY is what a PROVISIONED stream does anyway.
        await server.OkAsync("UpdateStreamRecordDistributionStrategy", new { StreamARN = arn, RecordDistributionStrategy = "USER_PARTITION_KEY" });

        var badValue = await server.CallAsync("UpdateStreamRecordDistributionStrategy", new { StreamARN = arn, RecordDistributionStrategy = "RANDOM" });
        badValue.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("Member must satisfy enum value set: [AUTO, USER_PARTITION_KEY]", badValue.Message);
        (await server.CallAsync("UpdateStreamRecordDistributionStrategy", new { StreamARN = arn })).AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UpdateStreamRecordDistributionStrategy", new { RecordDistributionStrategy = "AUTO" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        var missing = await server.CallAsync("UpdateStreamRecordDistributionStrategy",
            new { StreamARN = arn + "-gone", RecordDistributionStrategy = "USER_PARTITION_KEY" });
        missing.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        Assert.Equal($"Stream {stream}-gone under account 000000000000 not found.", missing.Message);
    }

    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_sets_the_strategy_and_AUTO_spreads_one_key_over_every_shard()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();
        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["record-distribution.mjs", endpoint], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"node record-distribution.mjs {endpoint} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }

    /// <summary>Writes <paramref name="count"/> records of one partition key with PutRecords; returns how many each shard took.</summary>
    private async Task<Dictionary<string, int>> PutOneKeyAsync(string stream, int count)
    {
        var reply = await server.OkAsync("PutRecords", new
        {
            StreamName = stream,
            Records = Enumerable.Range(0, count).Select(_ => new { Data = "AA==", PartitionKey = "same" }).ToArray(),
        });
        Assert.Equal(0, reply.GetProperty("FailedRecordCount").GetInt32());
        return reply.GetProperty("Records").EnumerateArray().GroupBy(r => r.GetProperty("ShardId").GetString()!).ToDictionary(g => g.Key, g => g.Count());
    }

    private async Task<JsonElement> SummaryAsync(string stream) =>
        (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary");
}
