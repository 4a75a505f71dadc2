using System.Globalization;
using System.Net;
using System.Text;

namespace ActorStreams.Server.Tests;

/// <summary>
/// GET /metrics: the OpenTelemetry metrics in the Prometheus text format, per stream and shard. The meter is
/// process-wide, so each test looks only at the series of its own stream.
/// </summary>
public sealed class MetricsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Shard0 = "shardId-000000000000";

    [Fact]
    public async Task The_scrape_endpoint_serves_records_bytes_throttling_iterator_age_journal_latency_and_membership()
    {
        var stream = await server.CreateStreamAsync("metrics");
        var records = new[] { "one", "two", "three" }.Select(d => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(d)), PartitionKey = "pk" }).ToArray();
        await server.OkAsync("PutRecords", new { StreamName = stream, Records = records });
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = Shard0, ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var read = await server.OkAsync("GetRecords", new { ShardIterator = iterator });
        Assert.Equal(3, read.GetProperty("Records").GetArrayLength());
        // GetShardIterator allows 5 calls per second per shard: the rest of 10 quick calls is throttled.
        var throttled = 0;
        for (var i = 0; i < 10; i++)
        {
            var reply = await server.CallAsync("GetShardIterator", new { StreamName = stream, ShardId = Shard0, ShardIteratorType = "LATEST" });
            if (reply.ErrorType == "ProvisionedThroughputExceededException") throttled++;
        }
        Assert.True(throttled > 0, "no GetShardIterator call was throttled");

        using var response = await server.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var shard = $"stream=\"{stream}\"";

        const long bytes = 3 + 3 + 5 + 3 * 2; // data plus the partition key "pk" of each record
        Assert.Equal(3, Value(text, "actorstreams_incoming_records_total", shard));
        Assert.Equal(bytes, Value(text, "actorstreams_incoming_bytes_total", shard));
        Assert.Equal(3, Value(text, "actorstreams_outgoing_records_total", shard));
        Assert.Equal(bytes, Value(text, "actorstreams_outgoing_bytes_total", shard));
        Assert.Equal(throttled, Value(text, "actorstreams_throttled_requests_total", shard, "operation=\"GetShardIterator\""));
        Assert.True(Value(text, "actorstreams_journal_write_duration_seconds_count", shard) >= 1);
        Assert.True(Value(text, "actorstreams_iterator_age_milliseconds_count", shard) >= 1);
        Assert.Contains(text.Split('\n'), l => l.StartsWith("actorstreams_cluster_members{", StringComparison.Ordinal) && l.Contains("status=\"up\""));
        Assert.Contains(text.Split('\n'), l => l.StartsWith("actorstreams_cluster_unreachable_members", StringComparison.Ordinal));
        Assert.Contains($"shard=\"{Shard0}\"", text);
    }

    /// <summary>The value of the one series of <paramref name="metric"/> whose labels contain every one of <paramref name="labels"/>.</summary>
    private static double Value(string text, string metric, params string[] labels)
    {
        var lines = text.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && labels.All(l.Contains))
            .ToList();
        Assert.True(lines.Count == 1, $"{lines.Count} series of {metric} with {string.Join(", ", labels)}:\n{string.Join('\n', text.Split('\n').Where(l => l.StartsWith(metric, StringComparison.Ordinal)).Take(10))}");
        var line = lines[0];
        var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
        return double.Parse(value, CultureInfo.InvariantCulture);
    }
}
