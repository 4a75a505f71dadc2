using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorStreams.Diagnostics;
using ActorStreams.Firehose.Internal;

namespace ActorStreams.Firehose.Diagnostics;

/// <summary>
/// The Firehose instruments, on the ActorStreams meter (<see cref="ActorStreamsMetrics.MeterName"/>). Per delivery
/// stream and destination (tags <c>delivery_stream</c>, <c>destination</c>: S3, Redshift, HttpEndpoint, Splunk,
/// AmazonOpenSearchService): records and bytes delivered, failed delivery attempts (tag <c>error_code</c>), records
/// sent to the error output (tag <c>error_output_type</c>), and as gauges of the delivery streams this node hosts,
/// the backlog (records and bytes acknowledged but not delivered) and the data freshness (age of the oldest
/// undelivered record).
/// </summary>
/// <remarks>
/// Each event is counted in one place, the delivery stream's counters, which feed both these instruments and the
/// rolling per-second window the web console reads. The counters are observed from them at collection time, so a
/// deleted delivery stream's series leave the scrape with its statistics.
/// </remarks>
internal static class FirehoseMetrics
{
    private static readonly Meter Meter = ActorStreamsMetrics.Meter;

    /// <summary>The counters, each a total a delivery stream keeps per destination kind (and error code or error output type).</summary>
    internal enum Total
    {
        DeliveredRecords,
        DeliveredBytes,
        DeliveryFailures,
        ErrorOutputRecords,
    }

    // The Firehose runtimes of every ActorSystem in this process, read by the counters.
    private static readonly ConcurrentDictionary<FirehoseRuntime, byte> Runtimes = new();

    private static readonly Counter<long> StoreRetries = Meter.CreateCounter<long>(
        "actorstreams.firehose.store.retries", "{attempt}",
        "Backup and error output writes that failed and are retried until the object store takes them (the store is down).");

    // The delivery streams this process hosts, read at collection time by the backlog and freshness gauges.
    private static readonly ConcurrentDictionary<DeliveryStreamCounters, byte> HostedDeliveryStreams = new();

    static FirehoseMetrics()
    {
        Meter.CreateObservableCounter("actorstreams.firehose.delivered.records", () => Totals(Total.DeliveredRecords, null), "{record}",
            "Records a Firehose delivery stream delivered to its destination.");
        Meter.CreateObservableCounter("actorstreams.firehose.delivered.bytes", () => Totals(Total.DeliveredBytes, null), "By",
            "Bytes of records (after transformation, before compression) a Firehose delivery stream delivered.");
        Meter.CreateObservableCounter("actorstreams.firehose.delivery.failures", () => Totals(Total.DeliveryFailures, "error_code"), "{attempt}",
            "Delivery attempts of a buffer that failed (each retry counts).");
        Meter.CreateObservableCounter("actorstreams.firehose.error.output.records", () => Totals(Total.ErrorOutputRecords, "error_output_type"), "{record}",
            "Records written to the error output instead of the destination, by error output type.");
        Meter.CreateObservableGauge("actorstreams.firehose.backlog.records", () => Backlog(b => b.Records), "{record}",
            "Records a DirectPut delivery stream acknowledged and has not delivered yet.");
        Meter.CreateObservableGauge("actorstreams.firehose.backlog.bytes", () => Backlog(b => b.Bytes), "By",
            "Bytes of records a DirectPut delivery stream acknowledged and has not delivered yet.");
        Meter.CreateObservableGauge("actorstreams.firehose.data.freshness", () => Freshness(), "s",
            "Age of the oldest record a DirectPut delivery stream has not delivered yet (0 when all are delivered), as Firehose's DataFreshness.");
    }

    /// <summary>The tags of one delivery stream and destination, built once per destination configuration.</summary>
    internal static KeyValuePair<string, object?>[] DeliveryTags(string deliveryStreamName, string destination) =>
        [new("delivery_stream", deliveryStreamName), new("destination", destination)];

    internal static void Observe(FirehoseRuntime runtime) => Runtimes.TryAdd(runtime, 0);

    internal static void StopObserving(FirehoseRuntime runtime) => Runtimes.TryRemove(runtime, out _);

    internal static void RecordStoreRetry(KeyValuePair<string, object?>[] destination, string errorCode)
    {
        var tags = new TagList(destination) { { "error_code", errorCode } };
        StoreRetries.Add(1, tags);
    }

    private static List<Measurement<long>> Totals(Total total, string? tagKey)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var runtime in Runtimes.Keys)
        {
            foreach (var counters in runtime.AllCounters)
            {
                foreach (var (destination, tag, value) in counters.MeterTotals(total))
                {
                    var tags = new TagList { { "delivery_stream", counters.DeliveryStreamName }, { "destination", destination } };
                    if (tagKey is not null) tags.Add(tagKey, tag);
                    measurements.Add(new Measurement<long>(value, tags));
                }
            }
        }
        return measurements;
    }

    /// <summary>From now on the backlog gauges report <paramref name="counters"/> (its delivery stream runs here).</summary>
    internal static void HostDeliveryStream(DeliveryStreamCounters counters) => HostedDeliveryStreams.TryAdd(counters, 0);

    /// <summary>The delivery stream stopped here (passivated, moved, deleted): its backlog is no longer this node's to report.</summary>
    internal static void ReleaseDeliveryStream(DeliveryStreamCounters counters) => HostedDeliveryStreams.TryRemove(counters, out _);

    private static IEnumerable<Measurement<long>> Backlog(Func<DeliveryBacklog, long> value)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var counters in HostedDeliveryStreams.Keys)
        {
            if (counters.Backlog is { } backlog) measurements.Add(new Measurement<long>(value(backlog), counters.CurrentTags));
        }
        return measurements;
    }

    private static IEnumerable<Measurement<double>> Freshness()
    {
        var measurements = new List<Measurement<double>>();
        foreach (var counters in HostedDeliveryStreams.Keys)
        {
            if (counters.DataFreshness is { } age) measurements.Add(new Measurement<double>(age.TotalSeconds, counters.CurrentTags));
        }
        return measurements;
    }
}
