using System.Diagnostics.Metrics;
using System.Globalization;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal;

namespace ActorStreams.Diagnostics;

/// <summary>
/// Consumer lag gauges on the <see cref="ActorStreamsMetrics.MeterName"/> meter, read from one node's
/// <see cref="ConsumerLagTracker"/> at collection time: <c>actorstreams.consumer.lag</c> (tags
/// <c>stream</c>, <c>shard</c>, <c>consumer</c>: the MillisBehindLatest of the last event each running enhanced
/// fan-out subscription on this node sent) and <c>actorstreams.iterator.age.max</c> (tags <c>stream</c>,
/// <c>shard</c>: the largest MillisBehindLatest of the polling reads this node made in the last minute, Kinesis'
/// GetRecords.IteratorAgeMilliseconds). One meter per ActorSystem, disposed when the system terminates.
/// </summary>
internal sealed class ConsumerLagMetrics : IDisposable
{
    private readonly Meter _meter = new(ActorStreamsMetrics.MeterName);

    public ConsumerLagMetrics(ConsumerLagTracker tracker)
    {
        _meter.CreateObservableGauge("actorstreams.consumer.lag", () => Subscriptions(tracker), "ms",
            "MillisBehindLatest of the last event sent to each enhanced fan-out consumer, per shard (subscriptions running on this node).");
        _meter.CreateObservableGauge("actorstreams.iterator.age.max", () => IteratorAges(tracker), "ms",
            "The largest MillisBehindLatest of GetRecords and other polling reads of each shard on this node over the last minute.");
    }

    private static IEnumerable<Measurement<long>> Subscriptions(ConsumerLagTracker tracker)
    {
        foreach (var (entityId, consumerArn, behind) in tracker.ActiveSubscriptions())
        {
            if (!TryShard(entityId, out var stream, out var shard)) continue;
            yield return new Measurement<long>(behind, new("stream", stream), new("shard", shard), new("consumer", ConsumerName(consumerArn)));
        }
    }

    private static IEnumerable<Measurement<long>> IteratorAges(ConsumerLagTracker tracker)
    {
        foreach (var (entityId, max) in tracker.IteratorAges())
        {
            if (!TryShard(entityId, out var stream, out var shard)) continue;
            yield return new Measurement<long>(max, new("stream", stream), new("shard", shard));
        }
    }

    /// <summary>The stream name and Kinesis shard id of a StreamShard entity id ("stream/epoch/index").</summary>
    private static bool TryShard(string entityId, out string stream, out string shard)
    {
        var parts = entityId.Split('/');
        stream = parts[0];
        shard = "";
        if (parts.Length != 3 || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return false;
        shard = new StreamShardId(index).ToString();
        return true;
    }

    /// <summary>The name in a consumer ARN (<c>.../consumer/name:creation-seconds</c>).</summary>
    internal static string ConsumerName(string consumerArn)
    {
        var start = consumerArn.LastIndexOf("/consumer/", StringComparison.Ordinal);
        if (start < 0) return consumerArn;
        start += "/consumer/".Length;
        var end = consumerArn.LastIndexOf(':');
        return end > start ? consumerArn[start..end] : consumerArn[start..];
    }

    public void Dispose() => _meter.Dispose();
}
