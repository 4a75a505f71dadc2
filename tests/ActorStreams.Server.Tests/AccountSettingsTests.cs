using System.Net;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// DescribeAccountSettings and UpdateAccountSettings over HTTP: the minimum throughput billing commitment, what it
/// changes (50 enhanced fan-out consumers per stream instead of 20), its minimum period on the server's clock, and
/// AWS's errors. The settings are the whole server's, so this class has a server of its own.
/// </summary>
public sealed class AccountSettingsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const long DaySeconds = 24 * 60 * 60;

    [Fact]
    public async Task The_commitment_raises_the_consumer_limit_from_20_to_50_until_it_ends_after_its_minimum_period()
    {
        var fresh = Commitment(await server.OkAsync("DescribeAccountSettings", new { }));
        Assert.Equal("DISABLED", fresh.GetProperty("Status").GetString());
        Assert.False(fresh.TryGetProperty("StartedAt", out _));

        var stream = await server.CreateStreamAsync("account");
        var arn = (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary")
            .GetProperty("StreamARN").GetString()!;
        for (var i = 0; i < 20; i++) await server.OkAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = $"c{i}" });
        var twentyFirst = await server.CallAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = "c20" });
        twentyFirst.AssertError(HttpStatusCode.BadRequest, "LimitExceededException");
        Assert.Equal($"Stream {arn} already has 20 registered consumers; at most 20 are allowed.", twentyFirst.Message);

        var on = Commitment(await server.OkAsync("UpdateAccountSettings", new { MinimumThroughputBillingCommitment = new { Status = "ENABLED" } }));
        Assert.Equal("ENABLED", on.GetProperty("Status").GetString());
        var started = on.GetProperty("StartedAt").GetDouble();
        Assert.InRange(started, server.Clock.GetUtcNow().ToUnixTimeSeconds() - 60, server.Clock.GetUtcNow().ToUnixTimeSeconds() + 1);
        Assert.Equal(started + DaySeconds, on.GetProperty("EarliestAllowedEndAt").GetDouble(), 3);
        Assert.False(on.TryGetProperty("EndedAt", out _));

        for (var i = 20; i < 50; i++) await server.OkAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = $"c{i}" });
        var fiftyFirst = await server.CallAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = "c50" });
        fiftyFirst.AssertError(HttpStatusCode.BadRequest, "LimitExceededException");
        Assert.Equal($"Stream {arn} already has 50 registered consumers; at most 50 are allowed.", fiftyFirst.Message);

        // Turned off within its first day, the commitment stays in effect until its earliest end.
        var ending = Commitment(await server.OkAsync("UpdateAccountSettings", new { MinimumThroughputBillingCommitment = new { Status = "DISABLED" } }));
        Assert.Equal("ENABLED_UNTIL_EARLIEST_ALLOWED_END", ending.GetProperty("Status").GetString());
        Assert.Equal(started + DaySeconds, ending.GetProperty("EndedAt").GetDouble(), 3);
        await server.OkAsync("DeregisterStreamConsumer", new { StreamARN = arn, ConsumerName = "c49" });
        await server.OkAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = "c49" });

        server.Clock.Advance(TimeSpan.FromSeconds(DaySeconds + 1));
        var ended = Commitment(await server.OkAsync("DescribeAccountSettings", new { }));
        Assert.Equal("DISABLED", ended.GetProperty("Status").GetString());
        Assert.Equal(started, ended.GetProperty("StartedAt").GetDouble(), 3);
        Assert.Equal(started + DaySeconds, ended.GetProperty("EndedAt").GetDouble(), 3);
        await server.OkAsync("DeregisterStreamConsumer", new { StreamARN = arn, ConsumerName = "c49" });
        var overTwenty = await server.CallAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = "c49" });
        overTwenty.AssertError(HttpStatusCode.BadRequest, "LimitExceededException");
        Assert.Equal($"Stream {arn} already has 49 registered consumers; at most 20 are allowed.", overTwenty.Message);

        // Turned off after its minimum period it ends at once; turned on again it starts a new period.
        var again = Commitment(await server.OkAsync("UpdateAccountSettings", new { MinimumThroughputBillingCommitment = new { Status = "ENABLED" } }));
        Assert.Equal("ENABLED", again.GetProperty("Status").GetString());
        Assert.True(again.GetProperty("StartedAt").GetDouble() >= started + DaySeconds);
        server.Clock.Advance(TimeSpan.FromSeconds(DaySeconds));
        var off = Commitment(await server.OkAsync("UpdateAccountSettings", new { MinimumThroughputBillingCommitment = new { Status = "DISABLED" } }));
        Assert.Equal("DISABLED", off.GetProperty("Status").GetString());
        Assert.InRange(off.GetProperty("EndedAt").GetDouble(), server.Clock.GetUtcNow().ToUnixTimeSeconds() - 60, server.Clock.GetUtcNow().ToUnixTimeSeconds() + 1);
    }

    [Fact]
    public async Task Bad_requests_are_answered_as_AWS_does()
    {
        var missing = await server.CallAsync("UpdateAccountSettings", new { });
        missing.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("'minimumThroughputBillingCommitment' failed to satisfy constraint: Member must not be null", missing.Message);
        var status = await server.CallAsync("UpdateAccountSettings", new { MinimumThroughputBillingCommitment = new { Status = "ENABLED_UNTIL_EARLIEST_ALLOWED_END" } });
        status.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("Member must satisfy enum value set: [ENABLED, DISABLED]", status.Message);
        (await server.CallAsync("UpdateAccountSettings", new { MinimumThroughputBillingCommitment = new { } }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UpdateAccountSettings", new { MinimumThroughputBillingCommitment = "ENABLED" }))
            .AssertError(HttpStatusCode.BadRequest, "SerializationException");
    }

    private static JsonElement Commitment(JsonElement reply) => reply.GetProperty("MinimumThroughputBillingCommitment");
}

/// <summary>The JavaScript SDK's DescribeAccountSettings and UpdateAccountSettings, on a server of its own (the script expects no commitment).</summary>
public sealed class AccountSettingsJavaScriptSdkTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_describes_and_updates_the_account_settings()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();
        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["account-settings.mjs", endpoint], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"node account-settings.mjs {endpoint} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }
}
