using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal;

namespace ActorStreams.Diagnostics;

/// <summary>
/// The metrics ActorStreams records through <see cref="System.Diagnostics.Metrics"/>: subscribe to
/// <see cref="MeterName"/> (OpenTelemetry: <c>AddMeter(ActorStreamsMetrics.MeterName)</c>). Per stream and shard
/// (tags <c>stream</c>, <c>shard</c>): incoming and outgoing records and bytes and throttled requests (tag
/// <c>operation</c>: PutRecords, GetRecords, GetShardIterator); for the node: iterator age and journal write latency.
/// ActorStreams.Firehose adds its delivery stream instruments (<c>actorstreams.firehose.*</c>) to the same meter, and
/// the server adds cluster membership.
/// </summary>
/// <remarks>
/// Each event is counted in one place, StreamMetrics, which feeds both the rolling per-second window the web console
/// reads and these counters: they are observed from its registry at collection time, so the series of a deleted
/// stream or shard leave the scrape when it is forgotten there. The histograms carry no stream tags, because a
/// histogram's series can never be taken back.
/// </remarks>
public static class ActorStreamsMetrics
{
    /// <summary>The name of the meter every ActorStreams instrument belongs to.</summary>
    public const string MeterName = "ActorStreams";

    internal static readonly Meter Meter = new(MeterName, typeof(ActorStreamsMetrics).Assembly.GetName().Version?.ToString());

    // The StreamMetrics and memory budgets of every ActorSystem in this process, read by the instruments below.
    private static readonly ConcurrentDictionary<StreamMetrics, byte> Registries = new();
    private static readonly ConcurrentDictionary<NodeMemoryBudget, byte> Budgets = new();

    private static readonly Histogram<long> IteratorAge = Meter.CreateHistogram<long>(
        "actorstreams.iterator.age", "ms", "MillisBehindLatest of each read on this node: how far readers are behind the tip of their shards.");

    // In seconds: the SDK's default boundaries (0 to 10,000) are made for milliseconds and would put every write in one bucket.
    private static readonly Histogram<double> JournalWrite = Meter.CreateHistogram<double>(
        "actorstreams.journal.write.duration", "s", "Time from handing a group-commit event to the journal to its confirmation, on this node.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    static ActorStreamsMetrics()
    {
        Meter.CreateObservableCounter("actorstreams.incoming.records", () => Totals(StreamMetrics.Metric.IncomingRecords), "{record}",
            "Records written to a shard and acknowledged (durable in the journal).");
        Meter.CreateObservableCounter("actorstreams.incoming.bytes", () => Totals(StreamMetrics.Metric.IncomingBytes), "By",
            "Bytes (data and partition key) written to a shard and acknowledged.");
        Meter.CreateObservableCounter("actorstreams.outgoing.records", () => Totals(StreamMetrics.Metric.OutgoingRecords), "{record}",
            "Records returned by GetRecords and the shard sources.");
        Meter.CreateObservableCounter("actorstreams.outgoing.bytes", () => Totals(StreamMetrics.Metric.OutgoingBytes), "By",
            "Bytes (data and partition key) returned by GetRecords and the shard sources.");
        Meter.CreateObservableCounter("actorstreams.throttled.requests", ThrottledRequests, "{request}",
            "Requests a shard throttled (ProvisionedThroughputExceeded, or backpressure in the sink and sources).");
        // Enhanced monitoring: Kinesis' shard-level metrics, exported only for the streams that enabled each one.
        Meter.CreateObservableCounter("actorstreams.shard.incoming.bytes",
            () => ShardLevel(ShardLevelMetrics.IncomingBytes, StreamMetrics.Metric.IncomingBytes), "By",
            "IncomingBytes of enhanced monitoring: bytes written to the shard (streams that enabled it).");
        Meter.CreateObservableCounter("actorstreams.shard.incoming.records",
            () => ShardLevel(ShardLevelMetrics.IncomingRecords, StreamMetrics.Metric.IncomingRecords), "{record}",
            "IncomingRecords of enhanced monitoring: records written to the shard (streams that enabled it).");
        Meter.CreateObservableCounter("actorstreams.shard.outgoing.bytes",
            () => ShardLevel(ShardLevelMetrics.OutgoingBytes, StreamMetrics.Metric.OutgoingBytes), "By",
            "OutgoingBytes of enhanced monitoring: bytes read from the shard (streams that enabled it).");
        Meter.CreateObservableCounter("actorstreams.shard.outgoing.records",
            () => ShardLevel(ShardLevelMetrics.OutgoingRecords, StreamMetrics.Metric.OutgoingRecords), "{record}",
            "OutgoingRecords of enhanced monitoring: records read from the shard (streams that enabled it).");
        Meter.CreateObservableCounter("actorstreams.shard.write.provisioned_throughput_exceeded",
            () => ShardLevel(ShardLevelMetrics.WriteProvisionedThroughputExceeded, StreamMetrics.Metric.WriteThrottled), "{record}",
            "WriteProvisionedThroughputExceeded of enhanced monitoring: records the shard's write limit refused (streams that enabled it).");
        Meter.CreateObservableCounter("actorstreams.shard.read.provisioned_throughput_exceeded",
            () => ShardLevel(ShardLevelMetrics.ReadProvisionedThroughputExceeded, StreamMetrics.Metric.ReadThrottled), "{request}",
            "ReadProvisionedThroughputExceeded of enhanced monitoring: read calls the shard's read limit refused (streams that enabled it).");
        Meter.CreateObservableGauge("actorstreams.shard.iterator_age", ShardIteratorAges, "ms",
            "IteratorAgeMilliseconds of enhanced monitoring: MillisBehindLatest of the shard's last read on this node (streams that enabled it).");
        Meter.CreateObservableGauge("actorstreams.memory.budget.used", () => Budgets.Keys.Sum(b => b.UsedBytes), "By",
            "Bytes held of the node's memory budget (actorstreams.memory-budget): Firehose backlogs and hot tails.");
        Meter.CreateObservableGauge("actorstreams.memory.budget.limit", () => Budgets.Keys.Sum(b => b.LimitBytes), "By",
            "The node's memory budget (actorstreams.memory-budget) in bytes.");
    }

    internal static void Observe(NodeMemoryBudget budget) => Budgets.TryAdd(budget, 0);

    internal static void StopObserving(NodeMemoryBudget budget) => Budgets.TryRemove(budget, out _);

    internal static void Observe(StreamMetrics registry) => Registries.TryAdd(registry, 0);

    internal static void StopObserving(StreamMetrics registry) => Registries.TryRemove(registry, out _);

    /// <summary>The tags of one shard, built once per shard.</summary>
    internal static KeyValuePair<string, object?>[] ShardTags(string streamName, string shardId) =>
        [new("stream", streamName), new("shard", shardId)];

    internal static void RecordIteratorAge(long millisBehindLatest) => IteratorAge.Record(millisBehindLatest);

    internal static void RecordJournalWrite(TimeSpan elapsed) => JournalWrite.Record(elapsed.TotalSeconds);

    private static List<Measurement<long>> Totals(StreamMetrics.Metric metric)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var registry in Registries.Keys)
        {
            foreach (var (tags, totals, _) in registry.Observe())
                measurements.Add(new Measurement<long>(totals[(int)metric], tags));
        }
        return measurements;
    }

    private static List<Measurement<long>> ShardLevel(ShardLevelMetrics wanted, StreamMetrics.Metric metric)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var registry in Registries.Keys)
        {
            foreach (var (tags, enabled, totals, _) in registry.ObserveShardLevel())
            {
                if ((enabled & wanted) != 0) measurements.Add(new Measurement<long>(totals[(int)metric], tags));
            }
        }
        return measurements;
    }

    private static List<Measurement<long>> ShardIteratorAges()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var registry in Registries.Keys)
        {
            foreach (var (tags, enabled, _, age) in registry.ObserveShardLevel())
            {
                if ((enabled & ShardLevelMetrics.IteratorAgeMilliseconds) != 0 && age is { } ms) measurements.Add(new Measurement<long>(ms, tags));
            }
        }
        return measurements;
    }

    private static List<Measurement<long>> ThrottledRequests()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var registry in Registries.Keys)
        {
            foreach (var (tags, _, throttled) in registry.Observe())
            {
                for (var op = 0; op < throttled.Length; op++)
                {
                    if (throttled[op] == 0) continue;
                    var tagged = new TagList(tags) { { "operation", ((StreamMetrics.ThrottledOperation)op).ToString() } };
                    measurements.Add(new Measurement<long>(throttled[op], tagged));
                }
            }
        }
        return measurements;
    }
}
