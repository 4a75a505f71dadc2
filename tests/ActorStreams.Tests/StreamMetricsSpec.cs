using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorStreams.Diagnostics;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>The one recorder of stream traffic: the web console's per-shard window and the OpenTelemetry instruments (no actors: the recorder alone, on a fake clock).</summary>
public sealed class StreamMetricsSpec
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    private static long Total(ShardMetrics m, StreamMetrics.Metric metric) => m.Totals[(int)metric];

    private static long[] Series(ShardMetrics m, StreamMetrics.Metric metric) => m.PerSecond[(int)metric];

    [Fact]
    public void StreamMetrics_must_keep_totals_and_one_bucket_per_second_for_the_last_minute()
    {
        using var metrics = new StreamMetrics(_clock);
        metrics.Written("orders/7/0", 10, 1000, TimeSpan.FromMilliseconds(3));
        _clock.Advance(TimeSpan.FromSeconds(1));
        metrics.Written("orders/7/0", 5, 500, TimeSpan.FromMilliseconds(3));
        metrics.WriteThrottled("orders/7/0", 3);
        metrics.Read("orders/7/0", 4, 400, 1234);
        metrics.ReadThrottled("orders/7/0", "GetRecords");

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
        metrics.Written("orders/7/0", 1, 100, TimeSpan.Zero);
        m = Assert.Single(metrics.Snapshot());
        Assert.Equal(1, Series(m, StreamMetrics.Metric.IncomingRecords).Sum());
        Assert.Equal(16, Total(m, StreamMetrics.Metric.IncomingRecords));
    }

    [Fact]
    public void StreamMetrics_must_show_only_the_newest_incarnation_of_a_recreated_stream_and_filter_by_stream()
    {
        using var metrics = new StreamMetrics(_clock);
        metrics.Written("orders/1/0", 100, 100, TimeSpan.Zero);
        metrics.Written("orders/2/0", 1, 1, TimeSpan.Zero);
        metrics.Written("orders/2/1", 2, 2, TimeSpan.Zero);
        metrics.Written("audit/5/0", 7, 7, TimeSpan.Zero);
        metrics.Written("not-an-entity-id", 7, 7, TimeSpan.Zero);

        var all = metrics.Snapshot();
        Assert.Equal([("audit", 0, 7L), ("orders", 0, 1L), ("orders", 1, 2L)],
            all.Select(m => (m.StreamName, m.ShardIndex, Total(m, StreamMetrics.Metric.IncomingRecords))));
        Assert.All(metrics.Snapshot("orders"), m => Assert.Equal("orders", m.StreamName));
        Assert.Empty(metrics.Snapshot("nothing"));
    }

    [Fact]
    public void StreamMetrics_must_drop_a_shard_idle_for_longer_than_the_expiry()
    {
        using var metrics = new StreamMetrics(_clock);
        metrics.Written("old/1/0", 1, 1, TimeSpan.Zero);
        _clock.Advance(StreamMetrics.IdleExpiry + TimeSpan.FromMinutes(2));
        metrics.Written("new/1/0", 1, 1, TimeSpan.Zero);
        Assert.Equal(["new"], metrics.Snapshot().Select(m => m.StreamName));
    }

    [Fact]
    public void StreamMetrics_must_count_each_event_once_for_both_the_console_window_and_the_meter()
    {
        var stream = $"unified-{Guid.NewGuid():N}";
        var measurements = new ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ActorStreamsMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, tags.ToArray())));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, tags.ToArray())));
        listener.Start();

        using var metrics = new StreamMetrics(_clock);
        var entity = $"{stream}/3/1";
        metrics.Written(entity, 10, 1000, TimeSpan.FromMilliseconds(4));
        metrics.WriteThrottled(entity, 2);
        metrics.Read(entity, 6, 600, 250);
        metrics.ReadThrottled(entity, "GetRecords");
        metrics.ReadThrottled(entity, "GetShardIterator");
        // The counters are observed from the recorder once per collection; the histograms are recorded as it happens.
        listener.RecordObservableInstruments();

        var m = Assert.Single(metrics.Snapshot(stream));
        double Sum(string instrument, string? operation = null) => measurements
            .Where(x => x.Instrument == instrument
                && x.Tags.Contains(new KeyValuePair<string, object?>("stream", stream))
                && x.Tags.Contains(new KeyValuePair<string, object?>("shard", "shardId-000000000001"))
                && (operation is null || x.Tags.Contains(new KeyValuePair<string, object?>("operation", operation))))
            .Sum(x => x.Value);
        Assert.Equal(Total(m, StreamMetrics.Metric.IncomingRecords), Sum("actorstreams.incoming.records"));
        Assert.Equal(Total(m, StreamMetrics.Metric.IncomingBytes), Sum("actorstreams.incoming.bytes"));
        Assert.Equal(Total(m, StreamMetrics.Metric.OutgoingRecords), Sum("actorstreams.outgoing.records"));
        Assert.Equal(Total(m, StreamMetrics.Metric.OutgoingBytes), Sum("actorstreams.outgoing.bytes"));
        Assert.Equal((10L, 1000L, 6L, 600L), (Total(m, StreamMetrics.Metric.IncomingRecords), Total(m, StreamMetrics.Metric.IncomingBytes),
            Total(m, StreamMetrics.Metric.OutgoingRecords), Total(m, StreamMetrics.Metric.OutgoingBytes)));
        // Writes count throttled records in the window and one throttled PutRecords request in the meter.
        Assert.Equal(2, Total(m, StreamMetrics.Metric.WriteThrottled));
        Assert.Equal(1, Sum("actorstreams.throttled.requests", "PutRecords"));
        Assert.Equal(2, Total(m, StreamMetrics.Metric.ReadThrottled));
        Assert.Equal(1, Sum("actorstreams.throttled.requests", "GetRecords"));
        Assert.Equal(1, Sum("actorstreams.throttled.requests", "GetShardIterator"));
        // The histograms are the node's, without stream tags (a histogram's series could never be taken back).
        Assert.Contains(measurements, x => x.Instrument == "actorstreams.iterator.age" && x.Value == 250 && x.Tags.Length == 0);
        Assert.Contains(measurements, x => x.Instrument == "actorstreams.journal.write.duration" && Math.Abs(x.Value - 0.004) < 1e-9 && x.Tags.Length == 0);
        Assert.Equal(250, m.LastMillisBehindLatest);
    }

    [Fact]
    public void StreamMetrics_must_take_the_series_of_a_forgotten_shard_or_stream_out_of_the_meter()
    {
        var stream = $"forgotten-{Guid.NewGuid():N}";
        using var metrics = new StreamMetrics(_clock);
        metrics.Written($"{stream}/1/0", 1, 10, TimeSpan.Zero);
        metrics.Written($"{stream}/1/1", 1, 10, TimeSpan.Zero);
        metrics.ReadThrottled($"{stream}/1/1", "GetRecords");
        Assert.Equal(2, Shards());

        metrics.ForgetShard($"{stream}/1/0");
        Assert.Equal(1, Shards());
        metrics.ForgetStream(stream);
        Assert.Equal(0, Shards());
        Assert.Equal(0, metrics.ShardCount);

        // The shards of the stream in the counters' measurements now.
        int Shards()
        {
            var shards = new HashSet<string>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ActorStreamsMetrics.MeterName) l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                var t = tags.ToArray();
                if (t.Contains(new KeyValuePair<string, object?>("stream", stream))) shards.Add((string)t.First(x => x.Key == "shard").Value!);
            });
            listener.Start();
            listener.RecordObservableInstruments();
            return shards.Count;
        }
    }
}
