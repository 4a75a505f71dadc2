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
/// rolling per-second window the web console reads.
/// </remarks>
internal static class FirehoseMetrics
{
    private static readonly Meter Meter = ActorStreamsMetrics.Meter;

    private static readonly Counter<long> DeliveredRecords = Meter.CreateCounter<long>(
        "actorstreams.firehose.delivered.records", "{record}", "Records a Firehose delivery stream delivered to its destination.");

    private static readonly Counter<long> DeliveredBytes = Meter.CreateCounter<long>(
        "actorstreams.firehose.delivered.bytes", "By", "Bytes of records (after transformation, before compression) a Firehose delivery stream delivered.");

    private static readonly Counter<long> DeliveryFailures = Meter.CreateCounter<long>(
        "actorstreams.firehose.delivery.failures", "{attempt}", "Delivery attempts of a buffer that failed (each retry counts).");

    private static readonly Counter<long> ErrorOutputRecords = Meter.CreateCounter<long>(
        "actorstreams.firehose.error.output.records", "{record}", "Records written to the error output instead of the destination, by error output type.");

    private static readonly Counter<long> StoreRetries = Meter.CreateCounter<long>(
        "actorstreams.firehose.store.retries", "{attempt}",
        "Backup and error output writes that failed and are retried until the object store takes them (the store is down).");

    // The delivery streams this process hosts, read at collection time by the backlog and freshness gauges.
    private static readonly ConcurrentDictionary<DeliveryStreamCounters, byte> HostedDeliveryStreams = new();

    static FirehoseMetrics()
    {
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

    internal static void RecordDelivered(KeyValuePair<string, object?>[] destination, int records, long bytes)
    {
        DeliveredRecords.Add(records, destination);
        DeliveredBytes.Add(bytes, destination);
    }

    internal static void RecordDeliveryFailure(KeyValuePair<string, object?>[] destination, string errorCode)
    {
        var tags = new TagList(destination) { { "error_code", errorCode } };
        DeliveryFailures.Add(1, tags);
    }

    internal static void RecordStoreRetry(KeyValuePair<string, object?>[] destination, string errorCode)
    {
        var tags = new TagList(destination) { { "error_code", errorCode } };
        StoreRetries.Add(1, tags);
    }

    internal static void RecordErrorOutput(KeyValuePair<string, object?>[] destination, string errorOutputType, int records)
    {
        var tags = new TagList(destination) { { "error_output_type", errorOutputType } };
        ErrorOutputRecords.Add(records, tags);
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
