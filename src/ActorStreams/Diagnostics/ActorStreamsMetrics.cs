using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorStreams.Firehose.Internal;

namespace ActorStreams.Diagnostics;

/// <summary>
/// The metrics ActorStreams records through <see cref="System.Diagnostics.Metrics"/>: subscribe to
/// <see cref="MeterName"/> (OpenTelemetry: <c>AddMeter(ActorStreamsMetrics.MeterName)</c>). Per stream and shard
/// (tags <c>stream</c>, <c>shard</c>): incoming and outgoing records and bytes, throttled requests (tag
/// <c>operation</c>: PutRecords, GetRecords, GetShardIterator), iterator age and journal write latency. Per Firehose
/// delivery stream and destination (tags <c>delivery_stream</c>, <c>destination</c>: S3, Redshift, HttpEndpoint,
/// Splunk, AmazonOpenSearchService): records and bytes delivered, failed delivery attempts (tag <c>error_code</c>),
/// records sent to the error output (tag <c>error_output_type</c>), and as gauges of the delivery streams this node
/// hosts, the backlog (records and bytes acknowledged but not delivered) and the data freshness (age of the oldest
/// undelivered record). The server adds cluster membership.
/// </summary>
/// <remarks>
/// Each event is counted in one place, which feeds both these instruments and the rolling per-second window the web
/// console reads: StreamMetrics for streams, the delivery stream's counters for Firehose.
/// </remarks>
public static class ActorStreamsMetrics
{
    /// <summary>The name of the meter every ActorStreams instrument belongs to.</summary>
    public const string MeterName = "ActorStreams";

    internal static readonly Meter Meter = new(MeterName, typeof(ActorStreamsMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> IncomingRecords = Meter.CreateCounter<long>(
        "actorstreams.incoming.records", "{record}", "Records written to a shard and acknowledged (durable in the journal).");

    private static readonly Counter<long> IncomingBytes = Meter.CreateCounter<long>(
        "actorstreams.incoming.bytes", "By", "Bytes (data and partition key) written to a shard and acknowledged.");

    private static readonly Counter<long> OutgoingRecords = Meter.CreateCounter<long>(
        "actorstreams.outgoing.records", "{record}", "Records returned by GetRecords and the shard sources.");

    private static readonly Counter<long> OutgoingBytes = Meter.CreateCounter<long>(
        "actorstreams.outgoing.bytes", "By", "Bytes (data and partition key) returned by GetRecords and the shard sources.");

    private static readonly Counter<long> Throttled = Meter.CreateCounter<long>(
        "actorstreams.throttled.requests", "{request}", "Requests a shard throttled (ProvisionedThroughputExceeded, or backpressure in the sink and sources).");

    private static readonly Histogram<long> IteratorAge = Meter.CreateHistogram<long>(
        "actorstreams.iterator.age", "ms", "MillisBehindLatest of each read: how far the reader is behind the tip of the shard.");

    private static readonly Histogram<double> JournalWrite = Meter.CreateHistogram<double>(
        "actorstreams.journal.write.duration", "s", "Time from handing a group-commit event to the journal to its confirmation.");

    private static readonly Counter<long> DeliveredRecords = Meter.CreateCounter<long>(
        "actorstreams.firehose.delivered.records", "{record}", "Records a Firehose delivery stream delivered to its destination.");

    private static readonly Counter<long> DeliveredBytes = Meter.CreateCounter<long>(
        "actorstreams.firehose.delivered.bytes", "By", "Bytes of records (after transformation, before compression) a Firehose delivery stream delivered.");

    private static readonly Counter<long> DeliveryFailures = Meter.CreateCounter<long>(
        "actorstreams.firehose.delivery.failures", "{attempt}", "Delivery attempts of a buffer that failed (each retry counts).");

    private static readonly Counter<long> ErrorOutputRecords = Meter.CreateCounter<long>(
        "actorstreams.firehose.error.output.records", "{record}", "Records written to the error output instead of the destination, by error output type.");

    // The delivery streams this process hosts, read at collection time by the backlog and freshness gauges.
    private static readonly ConcurrentDictionary<DeliveryStreamCounters, byte> HostedDeliveryStreams = new();

    static ActorStreamsMetrics()
    {
        Meter.CreateObservableGauge("actorstreams.firehose.backlog.records", () => Backlog(b => b.Records), "{record}",
            "Records a DirectPut delivery stream acknowledged and has not delivered yet.");
        Meter.CreateObservableGauge("actorstreams.firehose.backlog.bytes", () => Backlog(b => b.Bytes), "By",
            "Bytes of records a DirectPut delivery stream acknowledged and has not delivered yet.");
        Meter.CreateObservableGauge("actorstreams.firehose.data.freshness", () => Freshness(), "s",
            "Age of the oldest record a DirectPut delivery stream has not delivered yet (0 when all are delivered), as Firehose's DataFreshness.");
    }

    /// <summary>The tags of one shard, built once per shard and passed to every recording.</summary>
    internal static KeyValuePair<string, object?>[] ShardTags(string streamName, string shardId) =>
        [new("stream", streamName), new("shard", shardId)];

    internal static void RecordIncoming(KeyValuePair<string, object?>[] shard, int records, long bytes)
    {
        IncomingRecords.Add(records, shard);
        IncomingBytes.Add(bytes, shard);
    }

    internal static void RecordOutgoing(KeyValuePair<string, object?>[] shard, int records, long bytes, long millisBehindLatest)
    {
        if (records > 0)
        {
            OutgoingRecords.Add(records, shard);
            OutgoingBytes.Add(bytes, shard);
        }
        IteratorAge.Record(millisBehindLatest, shard);
    }

    internal static void RecordThrottled(KeyValuePair<string, object?>[] shard, string operation)
    {
        var tags = new TagList(shard) { { "operation", operation } };
        Throttled.Add(1, tags);
    }

    internal static void RecordJournalWrite(KeyValuePair<string, object?>[] shard, TimeSpan elapsed) =>
        JournalWrite.Record(elapsed.TotalSeconds, shard);

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
