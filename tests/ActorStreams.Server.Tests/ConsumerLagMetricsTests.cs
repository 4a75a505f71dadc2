using System.Net;
using System.Text;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>The consumer lag gauges in the Prometheus scrape: GetRecords iterator age per shard, MillisBehindLatest per fan-out consumer.</summary>
public sealed class ConsumerLagMetricsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Shard0 = "shardId-000000000000";

    [Fact]
    public async Task The_scrape_shows_the_largest_GetRecords_iterator_age_and_each_fan_out_consumers_last_lag()
    {
        var stream = await server.CreateStreamAsync("lag-metrics");
        var records = Enumerable.Range(0, 3).Select(i => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes($"r{i}")), PartitionKey = "pk" }).ToArray();
        await server.OkAsync("PutRecords", new { StreamName = stream, Records = records });
        server.Clock.Advance(TimeSpan.FromMilliseconds(1100)); // the records are then more than a second old
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = Shard0, ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var first = await server.OkAsync("GetRecords", new { ShardIterator = iterator, Limit = 1 });
        var behind = first.GetProperty("MillisBehindLatest").GetInt64();
        Assert.True(behind >= 1000, $"{behind} ms");
        var rest = await server.OkAsync("GetRecords", new { ShardIterator = first.GetProperty("NextShardIterator").GetString() });
        Assert.Equal(0, rest.GetProperty("MillisBehindLatest").GetInt64());

        var client = server.Services.GetRequiredService<ActorStreamsClient>();
        var consumer = await client.RegisterStreamConsumerAsync(stream, "gauge-reader");
        await using var subscription = await client.SubscribeToShardAsync(consumer.ConsumerArn, Shard0, StartingPosition.TrimHorizon);
        await using var events = subscription.GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(3, events.Current.Records.Count);
        var told = events.Current.MillisBehindLatest;

        var labels = $"stream=\"{stream}\"";
        var text = await server.ScrapeMetricsAsync(t => t.Contains("consumer=\"gauge-reader\"") && t.Contains(labels));
        // The largest of the two reads in the last minute, not the last one (0).
        Assert.Equal(behind, Value(text, "actorstreams_iterator_age_max_milliseconds", labels, $"shard=\"{Shard0}\""));
        Assert.Equal(told, Value(text, "actorstreams_consumer_lag_milliseconds", labels, $"shard=\"{Shard0}\"", "consumer=\"gauge-reader\""));
    }

    private static long Value(string text, string metric, params string[] labels) => (long)PrometheusScrape.Value(text, metric, labels);
}
