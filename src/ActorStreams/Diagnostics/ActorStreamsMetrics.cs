using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorStreams.Kinesis.Internal;

namespace ActorStreams.Diagnostics;

/// <summary>
/// The metrics ActorStreams records through <see cref="System.Diagnostics.Metrics"/>: subscribe to
/// <see cref="MeterName"/> (OpenTelemetry: <c>AddMeter(ActorStreamsMetrics.MeterName)</c>). Per stream and shard
/// (tags <c>stream</c>, <c>shard</c>): incoming and outgoing records and bytes, throttled requests (tag
/// <c>operation</c>: PutRecords, GetRecords, GetShardIterator), iterator age and journal write latency. ActorStreams.Firehose
/// adds its delivery stream instruments (<c>actorstreams.firehose.*</c>) to the same meter, and the server adds cluster
/// membership.
/// </summary>
/// <remarks>
/// Each event is counted in one place, which feeds both these instruments and the rolling per-second window the web
/// console reads (StreamMetrics).
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
}
