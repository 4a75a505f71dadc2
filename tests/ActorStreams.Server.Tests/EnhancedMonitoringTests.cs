using System.Net;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// EnableEnhancedMonitoring and DisableEnhancedMonitoring over HTTP: the replies, DescribeStream's EnhancedMonitoring,
/// the shard-level series on /metrics (only for streams that enabled them), AWS's errors, and the JavaScript SDK.
/// </summary>
public sealed class EnhancedMonitoringTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Shard0 = "shardId-000000000000";

    [Fact]
    public async Task Enabled_shard_level_metrics_appear_on_metrics_for_that_stream_only_and_leave_when_disabled()
    {
        var monitored = await server.CreateStreamAsync("mon");
        var plain = await server.CreateStreamAsync("plain");
        var enabled = await server.OkAsync("EnableEnhancedMonitoring",
            new { StreamName = monitored, ShardLevelMetrics = new[] { "IncomingRecords", "IncomingBytes", "IteratorAgeMilliseconds" } });
        Assert.Equal(monitored, enabled.GetProperty("StreamName").GetString());
        Assert.EndsWith($":stream/{monitored}", enabled.GetProperty("StreamARN").GetString());
        Assert.Empty(enabled.GetProperty("CurrentShardLevelMetrics").EnumerateArray());
        Assert.Equal(["IncomingBytes", "IncomingRecords", "IteratorAgeMilliseconds"], Names(enabled.GetProperty("DesiredShardLevelMetrics")));

        foreach (var stream in new[] { monitored, plain })
        {
            await server.OkAsync("PutRecords", new
            {
                StreamName = stream,
                Records = new[] { "one", "two" }.Select(d => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(d)), PartitionKey = "pk" }),
            });
            var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = Shard0, ShardIteratorType = "TRIM_HORIZON" }))
                .GetProperty("ShardIterator").GetString();
            Assert.Equal(2, (await server.OkAsync("GetRecords", new { ShardIterator = iterator })).GetProperty("Records").GetArrayLength());
        }

        var mine = $"stream=\"{monitored}\"";
        var other = $"stream=\"{plain}\"";
        var text = await server.ScrapeMetricsAsync(t => t.Contains($"actorstreams_shard_incoming_records_total{{") && t.Contains(mine)
                                                        && Lines(t, "actorstreams_incoming_records_total", other).Any());
        Assert.Equal(2, PrometheusScrape.Value(text, "actorstreams_shard_incoming_records_total", mine, $"shard=\"{Shard0}\""));
        Assert.Equal(3 + 3 + 2 * 2, PrometheusScrape.Value(text, "actorstreams_shard_incoming_bytes_total", mine));
        Assert.InRange(PrometheusScrape.Value(text, "actorstreams_shard_iterator_age_milliseconds", mine), 0, 60_000);
        // Not enabled on this stream: OutgoingRecords; nothing at all on the other one, whose runtime counters are there.
        Assert.Empty(Lines(text, "actorstreams_shard_outgoing_records_total", mine));
        Assert.Empty(text.Split('\n').Where(l => l.StartsWith("actorstreams_shard_", StringComparison.Ordinal) && l.Contains(other)));
        Assert.Single(Lines(text, "actorstreams_incoming_records_total", other));

        var disabled = await server.OkAsync("DisableEnhancedMonitoring", new { StreamName = monitored, ShardLevelMetrics = new[] { "ALL" } });
        Assert.Equal(["IncomingBytes", "IncomingRecords", "IteratorAgeMilliseconds"], Names(disabled.GetProperty("CurrentShardLevelMetrics")));
        Assert.Empty(disabled.GetProperty("DesiredShardLevelMetrics").EnumerateArray());
        await server.ScrapeMetricsAsync(t => !t.Split('\n').Any(l => l.StartsWith("actorstreams_shard_", StringComparison.Ordinal) && l.Contains(mine)));
    }

    [Fact]
    public async Task DescribeStream_and_DescribeStreamSummary_report_the_metrics_enabled_and_ALL_names_every_metric()
    {
        var stream = await server.CreateStreamAsync("mon-describe");
        Assert.Empty(Reported((await server.OkAsync("DescribeStream", new { StreamName = stream })).GetProperty("StreamDescription")));

        await server.OkAsync("EnableEnhancedMonitoring", new { StreamName = stream, ShardLevelMetrics = new[] { "ALL" } });
        var disabled = await server.OkAsync("DisableEnhancedMonitoring",
            new { StreamName = stream, ShardLevelMetrics = new[] { "OutgoingBytes", "WriteProvisionedThroughputExceeded" } });
        string[] expected = ["IncomingBytes", "IncomingRecords", "OutgoingRecords", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds"];
        Assert.Equal(expected, Names(disabled.GetProperty("DesiredShardLevelMetrics")));
        Assert.Equal(7, disabled.GetProperty("CurrentShardLevelMetrics").GetArrayLength());
        Assert.Equal(expected, Reported((await server.OkAsync("DescribeStream", new { StreamName = stream })).GetProperty("StreamDescription")));
        Assert.Equal(expected, Reported((await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary")));

        // Enabling what is on already changes nothing and says so.
        var again = await server.OkAsync("EnableEnhancedMonitoring", new { StreamName = stream, ShardLevelMetrics = new[] { "IncomingBytes" } });
        Assert.Equal(expected, Names(again.GetProperty("CurrentShardLevelMetrics")));
        Assert.Equal(expected, Names(again.GetProperty("DesiredShardLevelMetrics")));
    }

    [Fact]
    public async Task Bad_requests_are_answered_as_AWS_does()
    {
        var stream = await server.CreateStreamAsync("mon-errors");
        var unknown = await server.CallAsync("EnableEnhancedMonitoring", new { StreamName = stream, ShardLevelMetrics = new[] { "IncomingMessages" } });
        unknown.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("Member must satisfy enum value set", unknown.Message);

        (await server.CallAsync("EnableEnhancedMonitoring", new { StreamName = stream, ShardLevelMetrics = Array.Empty<string>() }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("DisableEnhancedMonitoring", new { StreamName = stream }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("EnableEnhancedMonitoring", new { ShardLevelMetrics = new[] { "ALL" } }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        var nullMember = await server.CallAsync("EnableEnhancedMonitoring", $"{{\"StreamName\": \"{stream}\", \"ShardLevelMetrics\": [\"ALL\", null]}}");
        nullMember.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("'shardLevelMetrics.2.member' failed to satisfy constraint: Member must not be null", nullMember.Message);
        (await server.CallAsync("EnableEnhancedMonitoring", new { StreamName = stream, ShardLevelMetrics = "ALL" }))
            .AssertError(HttpStatusCode.BadRequest, "SerializationException");
        var missing = await server.CallAsync("DisableEnhancedMonitoring", new { StreamName = stream + "-gone", ShardLevelMetrics = new[] { "ALL" } });
        missing.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        Assert.Equal($"Stream {stream}-gone under account 000000000000 not found.", missing.Message);
    }

    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_enables_and_disables_enhanced_monitoring()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();
        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["enhanced-monitoring.mjs", endpoint], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"node enhanced-monitoring.mjs {endpoint} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }

    private static string[] Names(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static string[] Reported(JsonElement description) =>
        Names(Assert.Single(description.GetProperty("EnhancedMonitoring").EnumerateArray()).GetProperty("ShardLevelMetrics"));

    private static IEnumerable<string> Lines(string text, string metric, string label) =>
        text.Split('\n').Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && l.Contains(label));
}

/// <summary>Enhanced monitoring with state delays on: the stream is UPDATING for the update delay, as after other updates.</summary>
public sealed class EnhancedMonitoringStateTests(StateDelayServerFixture server) : IClassFixture<StateDelayServerFixture>
{
    [Fact]
    public async Task Enabling_enhanced_monitoring_makes_the_stream_UPDATING_and_a_change_meanwhile_is_ResourceInUse()
    {
        var stream = await server.CreateStreamAsync("mon-state");
        server.Clock.Advance(StateDelayServerFixture.Delay);
        await Eventually.EventuallyAsync(async () => Assert.Equal("ACTIVE", await StatusAsync(stream)), TimeSpan.FromSeconds(15));

        await server.OkAsync("EnableEnhancedMonitoring", new { StreamName = stream, ShardLevelMetrics = new[] { "IncomingBytes" } });
        Assert.Equal("UPDATING", await StatusAsync(stream));
        var busy = await server.CallAsync("DisableEnhancedMonitoring", new { StreamName = stream, ShardLevelMetrics = new[] { "IncomingBytes" } });
        busy.AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");
        Assert.Equal($"Stream {stream} under account 000000000000 not ACTIVE, instead in state UPDATING", busy.Message);

        server.Clock.Advance(StateDelayServerFixture.Delay);
        Assert.Equal("ACTIVE", await StatusAsync(stream));
        await server.OkAsync("DisableEnhancedMonitoring", new { StreamName = stream, ShardLevelMetrics = new[] { "IncomingBytes" } });
    }

    private async Task<string?> StatusAsync(string stream) =>
        (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString();
}
