using System.Net;
using System.Text;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>The server with 2-second subscriptions, so a client that reads a subscription to its end finishes quickly.</summary>
public sealed class ShortSubscriptionServerFixture : ServerFixture
{
    protected override string[] ExtraArgs()
    {
        var config = Path.Combine(DataDir, "short-efo.conf");
        File.WriteAllText(config, "actorstreams.enhanced-fan-out.subscription-lifetime = 2s\n");
        return ["--config", config];
    }
}

/// <summary>
/// botocore, the AWS SDK for Python under the AWS CLI, reading SubscribeToShard over HTTP/1.1 with its own event
/// stream parser (tests/python/subscribe_to_shard.py). Skipped, saying why, where no python3 has botocore.
/// </summary>
public sealed class BotocoreTests(ShortSubscriptionServerFixture server) : IClassFixture<ShortSubscriptionServerFixture>
{
    [BotocoreFact]
    public async Task Botocore_reads_a_subscription_to_its_end_and_resumes_after_the_continuation()
    {
        var stream = await server.CreateStreamAsync("boto");
        var arn = $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}";
        var consumer = (await server.OkAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = "boto" }))
            .GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!;
        var put = await server.OkAsync("PutRecords", new
        {
            StreamName = stream,
            Records = new[] { "p0", "p1", "p2" }.Select(t => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(t)), PartitionKey = "pk-" + t }).ToArray(),
        });
        var sequenceNumbers = put.GetProperty("Records").EnumerateArray().Select(r => r.GetProperty("SequenceNumber").GetString()!).ToList();

        var first = await RunAsync(consumer, "TRIM_HORIZON");
        var records = first.SelectMany(e => e.GetProperty("records").EnumerateArray()).ToList();
        Assert.Equal(["p0", "p1", "p2"], records.Select(r => Encoding.UTF8.GetString(Convert.FromBase64String(r.GetProperty("data").GetString()!))));
        Assert.Equal(sequenceNumbers, records.Select(r => r.GetProperty("seq").GetString()));
        Assert.Equal(["pk-p0", "pk-p1", "pk-p2"], records.Select(r => r.GetProperty("key").GetString()));
        Assert.All(records, r => Assert.InRange(r.GetProperty("arrival").GetDouble(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(),
            DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds()));
        var withRecords = first.Last(e => e.GetProperty("records").GetArrayLength() > 0);
        Assert.Equal(sequenceNumbers[^1], withRecords.GetProperty("continuation").GetString());
        Assert.Equal(0, withRecords.GetProperty("behind").GetInt64());
        Assert.All(first, e => Assert.Equal(0, e.GetProperty("children").GetInt32()));

        // The 5 s resubscribe interval (of the runtime clock) runs from the start of the first subscription, which lasted
        // 2 s: move the clock past the rest.
        server.Clock.Advance(TimeSpan.FromSeconds(3.5));
        var second = await RunAsync(consumer, "AFTER_SEQUENCE_NUMBER", sequenceNumbers[0]);
        Assert.Equal(sequenceNumbers[1..], second.SelectMany(e => e.GetProperty("records").EnumerateArray()).Select(r => r.GetProperty("seq").GetString()));
    }

    private async Task<List<JsonElement>> RunAsync(string consumerArn, string type, string? sequenceNumber = null)
    {
        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        string[] args = [Botocore.Script, endpoint, consumerArn, "shardId-000000000000", type, .. sequenceNumber is null ? [] : new[] { sequenceNumber }];
        var (code, stdout, stderr) = await ChildProcess.RunAsync(Botocore.Python!, args, TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"python3 subscribe_to_shard.py exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.True(lines[^1].TryGetProperty("end", out _), $"the event stream did not end cleanly:\n{stdout}");
        return lines[..^1];
    }
}

/// <summary>A python3 on PATH (or /usr/bin/python3) that can import botocore, and the script.</summary>
public static class Botocore
{
    public static string? Python { get; } = Find();

    public static string Script { get; } = Path.Combine(JavaScriptSdk.Directory, "..", "python", "subscribe_to_shard.py");

    private static string? Find()
    {
        foreach (var candidate in new[] { JavaScriptSdk.FindOnPath("python3"), "/usr/bin/python3" })
        {
            if (candidate is null || !File.Exists(candidate)) continue;
            try
            {
                var (code, _, _) = ChildProcess.RunAsync(candidate, ["-c", "import botocore.session"], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
                if (code == 0) return candidate;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
            {
                // not runnable: try the next one
            }
        }
        return null;
    }
}

/// <summary>A fact that needs python3 with botocore (the AWS CLI v1's own Python has it).</summary>
public sealed class BotocoreFactAttribute : FactAttribute
{
    public BotocoreFactAttribute()
    {
        if (Botocore.Python is null) Skip = "No python3 with botocore on PATH (the AWS CLI v1 brings it; pip install botocore).";
    }
}
