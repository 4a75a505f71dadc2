using System.Net;
using System.Numerics;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// UpdateStreamWarmThroughput and WarmThroughputMiBps on CreateStream and UpdateStreamMode over HTTP: an ON_DEMAND
/// stream pre-splits to one shard per MiB/s, DescribeStreamSummary reports it, and AWS's errors. The account's
/// commitment is the whole server's, so this class has a server of its own (and turns the commitment on).
/// </summary>
public sealed class WarmThroughputTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task An_ON_DEMAND_stream_given_a_warm_throughput_pre_splits_to_one_shard_per_MiBps()
    {
        var stream = $"warm-{Guid.NewGuid():N}";
        await server.OkAsync("CreateStream", new { StreamName = stream, StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        await server.OkAsync("UpdateAccountSettings", new { MinimumThroughputBillingCommitment = new { Status = "ENABLED" } });
        var reply = await server.OkAsync("UpdateStreamWarmThroughput", new { StreamName = stream, WarmThroughputMiBps = 10 });
        Assert.Equal(stream, reply.GetProperty("StreamName").GetString());
        Assert.EndsWith($":stream/{stream}", reply.GetProperty("StreamARN").GetString());
        Assert.Equal(10, reply.GetProperty("WarmThroughput").GetProperty("TargetMiBps").GetInt32());
        Assert.InRange(reply.GetProperty("WarmThroughput").GetProperty("CurrentMiBps").GetInt32(), 4, 10);

        var summary = await WarmedAsync(stream, 10);
        Assert.Equal(10, summary.GetProperty("WarmThroughput").GetProperty("TargetMiBps").GetInt32());
        Assert.Equal(10, summary.GetProperty("WarmThroughput").GetProperty("CurrentMiBps").GetInt32());
        // The open shards still cover the whole hash-key space, without gaps or overlaps.
        var open = (await server.OkAsync("ListShards", new { StreamName = stream, ShardFilter = new { Type = "AT_LATEST" } })).GetProperty("Shards")
            .EnumerateArray().Select(s => s.GetProperty("HashKeyRange"))
            .Select(r => (Start: BigInteger.Parse(r.GetProperty("StartingHashKey").GetString()!), End: BigInteger.Parse(r.GetProperty("EndingHashKey").GetString()!)))
            .OrderBy(r => r.Start).ToList();
        Assert.Equal(10, open.Count);
        Assert.Equal(BigInteger.Zero, open[0].Start);
        Assert.Equal(BigInteger.Pow(2, 128) - 1, open[^1].End);
        for (var i = 1; i < open.Count; i++) Assert.Equal(open[i - 1].End + 1, open[i].Start);

        // A lower target splits nothing and is reported at once.
        var lower = await server.OkAsync("UpdateStreamWarmThroughput", new { StreamName = stream, WarmThroughputMiBps = 3 });
        Assert.Equal(3, lower.GetProperty("WarmThroughput").GetProperty("TargetMiBps").GetInt32());
        Assert.Equal(10, lower.GetProperty("WarmThroughput").GetProperty("CurrentMiBps").GetInt32());
    }

    [Fact]
    public async Task CreateStream_and_UpdateStreamMode_take_a_warm_throughput_for_ON_DEMAND_streams_only()
    {
        await server.OkAsync("UpdateAccountSettings", new { MinimumThroughputBillingCommitment = new { Status = "ENABLED" } });
        var created = $"warm-created-{Guid.NewGuid():N}";
        await server.OkAsync("CreateStream", new { StreamName = created, StreamModeDetails = new { StreamMode = "ON_DEMAND" }, WarmThroughputMiBps = 7 });
        var summary = await WarmedAsync(created, 7);
        Assert.Equal(7, summary.GetProperty("WarmThroughput").GetProperty("TargetMiBps").GetInt32());

        var provisioned = await server.CreateStreamAsync("warm-prov");
        var arn = (await SummaryAsync(provisioned)).GetProperty("StreamARN").GetString();
        Assert.False((await SummaryAsync(provisioned)).TryGetProperty("WarmThroughput", out _));
        var onProvisioned = await server.CallAsync("UpdateStreamWarmThroughput", new { StreamName = provisioned, WarmThroughputMiBps = 2 });
        onProvisioned.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("only supported for streams in ON_DEMAND mode", onProvisioned.Message);
        (await server.CallAsync("CreateStream", new { StreamName = provisioned + "-x", ShardCount = 1, WarmThroughputMiBps = 2 }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UpdateStreamMode", new { StreamARN = arn, StreamModeDetails = new { StreamMode = "PROVISIONED" }, WarmThroughputMiBps = 2 }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");

        await server.OkAsync("UpdateStreamMode", new { StreamARN = arn, StreamModeDetails = new { StreamMode = "ON_DEMAND" }, WarmThroughputMiBps = 3 });
        var switched = await WarmedAsync(provisioned, 3);
        Assert.Equal("ON_DEMAND", switched.GetProperty("StreamModeDetails").GetProperty("StreamMode").GetString());
        Assert.Equal(3, switched.GetProperty("WarmThroughput").GetProperty("TargetMiBps").GetInt32());

        // Back to PROVISIONED: no warm throughput any more.
        await server.OkAsync("UpdateStreamMode", new { StreamARN = arn, StreamModeDetails = new { StreamMode = "PROVISIONED" } });
        Assert.False((await SummaryAsync(provisioned)).TryGetProperty("WarmThroughput", out _));
    }

    [Fact]
    public async Task Bad_requests_are_answered_as_AWS_does()
    {
        await server.OkAsync("UpdateAccountSettings", new { MinimumThroughputBillingCommitment = new { Status = "ENABLED" } });
        var stream = $"warm-errors-{Guid.NewGuid():N}";
        await server.OkAsync("CreateStream", new { StreamName = stream, StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        var negative = await server.CallAsync("UpdateStreamWarmThroughput", new { StreamName = stream, WarmThroughputMiBps = -1 });
        negative.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("Member must have value greater than or equal to 0", negative.Message);
        (await server.CallAsync("UpdateStreamWarmThroughput", new { StreamName = stream }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UpdateStreamWarmThroughput", new { StreamName = stream, WarmThroughputMiBps = "ten" }))
            .AssertError(HttpStatusCode.BadRequest, "SerializationException");
        var tooMuch = await server.CallAsync("UpdateStreamWarmThroughput", new { StreamName = stream, WarmThroughputMiBps = 10_241 });
        tooMuch.AssertError(HttpStatusCode.BadRequest, "LimitExceededException");
        var shardLimit = await server.CallAsync("UpdateStreamWarmThroughput", new { StreamName = stream, WarmThroughputMiBps = 10_240 });
        shardLimit.AssertError(HttpStatusCode.BadRequest, "LimitExceededException");
        Assert.Contains("would exceed the shard limit", shardLimit.Message);
        var missing = await server.CallAsync("UpdateStreamWarmThroughput", new { StreamName = stream + "-gone", WarmThroughputMiBps = 1 });
        missing.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        Assert.Equal($"Stream {stream}-gone under account 000000000000 not found.", missing.Message);
    }

    private async Task<JsonElement> SummaryAsync(string stream) =>
        (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary");

    /// <summary>The summary once the stream is ACTIVE with <paramref name="shards"/> open shards (the pre-split done).</summary>
    private async Task<JsonElement> WarmedAsync(string stream, int shards) =>
        await Eventually.EventuallyAsync(async () =>
        {
            var s = await SummaryAsync(stream);
            Assert.Equal("ACTIVE", s.GetProperty("StreamStatus").GetString());
            Assert.Equal(shards, s.GetProperty("OpenShardCount").GetInt32());
            return s;
        }, TimeSpan.FromSeconds(30));
}

/// <summary>The JavaScript SDK's warm throughput calls, on a server of its own (the script starts without a commitment).</summary>
public sealed class WarmThroughputJavaScriptSdkTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_warms_ON_DEMAND_streams()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();
        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["warm-throughput.mjs", endpoint], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"node warm-throughput.mjs {endpoint} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }
}

/// <summary>Warm throughput without the account's commitment, on a server of its own (where nobody turns it on).</summary>
public sealed class WarmThroughputWithoutCommitmentTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Without_the_minimum_throughput_billing_commitment_warm_throughput_is_an_InvalidArgumentException()
    {
        var stream = $"warm-{Guid.NewGuid():N}";
        await server.OkAsync("CreateStream", new { StreamName = stream, StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        var update = await server.CallAsync("UpdateStreamWarmThroughput", new { StreamName = stream, WarmThroughputMiBps = 10 });
        update.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.Equal("Warm throughput requires the MinimumThroughputBillingCommitment to be enabled for account 000000000000 (UpdateAccountSettings).",
            update.Message);
        (await server.CallAsync("CreateStream", new { StreamName = stream + "-x", StreamModeDetails = new { StreamMode = "ON_DEMAND" }, WarmThroughputMiBps = 5 }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        (await server.CallAsync("DescribeStreamSummary", new { StreamName = stream + "-x" })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        var summary = (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary");
        Assert.False(summary.GetProperty("WarmThroughput").TryGetProperty("TargetMiBps", out _));
        Assert.Equal(4, summary.GetProperty("WarmThroughput").GetProperty("CurrentMiBps").GetInt32());
    }
}
