using ActorStreams.Internal;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>The per-shard throughput counters behind the web console (no actors: the registry alone, on a fake clock).</summary>
public sealed class StreamMetricsSpec
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    private static long Total(ShardMetrics m, StreamMetrics.Metric metric) => m.Totals[(int)metric];

    private static long[] Series(ShardMetrics m, StreamMetrics.Metric metric) => m.PerSecond[(int)metric];

    [Fact]
    public void StreamMetrics_must_keep_totals_and_one_bucket_per_second_for_the_last_minute()
    {
        var metrics = new StreamMetrics(_clock);
        metrics.Written("orders/7/0", 10, 1000);
        _clock.Advance(TimeSpan.FromSeconds(1));
        metrics.Written("orders/7/0", 5, 500);
        metrics.WriteThrottled("orders/7/0", 3);
        metrics.Read("orders/7/0", 4, 400, 1234);
        metrics.ReadThrottled("orders/7/0");

        var m = Assert.Single(metrics.Snapshot());
        Assert.Equal(("orders", 0), (m.StreamName, m.ShardIndex));
        Assert.Equal(15, Total(m, StreamMetrics.Metric.IncomingRecords));
        Assert.Equal(1500, Total(m, StreamMetrics.Metric.IncomingBytes));
        Assert.Equal(3, Total(m, StreamMetrics.Metric.WriteThrottled));
        Assert.Equal(4, Total(m, StreamMetrics.Metric.OutgoingRecords));
        Assert.Equal(400, Total(m, StreamMetrics.Metric.OutgoingBytes));
        Assert.Equal(1, Total(m, StreamMetrics.Metric.ReadThrottled));
        Assert.Equal(1234, m.LastMillisBehindLatest);
        var incoming = Series(m, StreamMetrics.Metric.IncomingRecords);
        Assert.Equal(StreamMetrics.WindowSeconds, incoming.Length);
        Assert.Equal([10L, 5L], incoming[^2..]);

        // A minute later the buckets have rolled out of the window; the totals stay.
        _clock.Advance(TimeSpan.FromSeconds(StreamMetrics.WindowSeconds));
        metrics.Written("orders/7/0", 1, 100);
        m = Assert.Single(metrics.Snapshot());
        Assert.Equal(1, Series(m, StreamMetrics.Metric.IncomingRecords).Sum());
        Assert.Equal(16, Total(m, StreamMetrics.Metric.IncomingRecords));
    }

    [Fact]
    public void StreamMetrics_must_show_only_the_newest_incarnation_of_a_recreated_stream_and_filter_by_stream()
    {
        var metrics = new StreamMetrics(_clock);
        metrics.Written("orders/1/0", 100, 100);
        metrics.Written("orders/2/0", 1, 1);
        metrics.Written("orders/2/1", 2, 2);
        metrics.Written("audit/5/0", 7, 7);
        metrics.Written("not-an-entity-id", 7, 7);

        var all = metrics.Snapshot();
        Assert.Equal([("audit", 0, 7L), ("orders", 0, 1L), ("orders", 1, 2L)],
            all.Select(m => (m.StreamName, m.ShardIndex, Total(m, StreamMetrics.Metric.IncomingRecords))));
        Assert.All(metrics.Snapshot("orders"), m => Assert.Equal("orders", m.StreamName));
        Assert.Empty(metrics.Snapshot("nothing"));
    }

    [Fact]
    public void StreamMetrics_must_drop_a_shard_idle_for_longer_than_the_expiry()
    {
        var metrics = new StreamMetrics(_clock);
        metrics.Written("old/1/0", 1, 1);
        _clock.Advance(StreamMetrics.IdleExpiry + TimeSpan.FromMinutes(2));
        metrics.Written("new/1/0", 1, 1);
        Assert.Equal(["new"], metrics.Snapshot().Select(m => m.StreamName));
    }
}
