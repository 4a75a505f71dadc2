using System.Collections.Concurrent;
using System.Globalization;
using ActorStreams.Diagnostics;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Shards;

namespace ActorStreams.Kinesis.Internal;

/// <summary>
/// The one recorder of this node's stream traffic: every write, read and throttle of a StreamShard is counted here
/// once, and goes both to the OpenTelemetry instruments of <see cref="ActorStreamsMetrics"/> (the Prometheus
/// <c>/metrics</c> endpoint) and to the rolling window the web console reads: per StreamShard, records and bytes
/// written and read, and throttled writes and reads, as totals and as one bucket per second over the last
/// <see cref="WindowSeconds"/> seconds. Writes and write throttles are counted by the StreamShard entity (so every
/// front end counts: HTTP, sinks, the C# client), reads by the reader's node in <see cref="ActorStreamsClient"/>.
/// In a cluster each node counts what it saw: the web console of one node shows that node's share. Nothing here is
/// persisted; a restart starts from zero.
/// </summary>
/// <remarks>
/// The OpenTelemetry counters are observed from this registry at collection time (<see cref="ActorStreamsMetrics"/>),
/// so a shard forgotten here (its stream deleted, <see cref="ForgetShard"/>, <see cref="ForgetStream"/>, or idle past
/// <see cref="IdleExpiry"/>) leaves the scrape with it. Registered with the meter until disposed (the ActorSystem's
/// termination).
/// </remarks>
internal sealed class StreamMetrics : IDisposable
{
    /// <summary>How many one-second buckets each counter keeps.</summary>
    public const int WindowSeconds = RollingCounters.WindowSeconds;

    /// <summary>A shard's counters are dropped once nothing happened on it for this long.</summary>
    public static readonly TimeSpan IdleExpiry = TimeSpan.FromHours(1);

    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, ShardCounters> _shards = new(StringComparer.Ordinal);
    private long _lastPruneSecond;

    public StreamMetrics(TimeProvider clock)
    {
        _clock = clock;
        ActorStreamsMetrics.Observe(this);
    }

    /// <summary>How many shards this node keeps counters of (what a test of forgetting asserts on).</summary>
    public int ShardCount => _shards.Count;

    private long NowSecond => _clock.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>A group-commit event is durable: its records and bytes, and how long the journal took.</summary>
    public void Written(string entityId, int records, long bytes, TimeSpan journalWrite)
    {
        if (Counters(entityId) is not { } counters) return;
        ActorStreamsMetrics.RecordJournalWrite(journalWrite);
        if (records <= 0) return;
        counters.Window.Add(NowSecond, [records, bytes, 0, 0, 0, 0]);
    }

    /// <summary>A PutRecords (or sink write) had <paramref name="records"/> entries refused by the write throttle.</summary>
    public void WriteThrottled(string entityId, int records)
    {
        if (records <= 0 || Counters(entityId) is not { } counters) return;
        counters.Throttled(ThrottledOperation.PutRecords);
        counters.Window.Add(NowSecond, (int)Metric.WriteThrottled, records);
    }

    /// <summary>A read answered <paramref name="records"/> records at <paramref name="millisBehindLatest"/> behind the tip.</summary>
    public void Read(string entityId, int records, long bytes, long millisBehindLatest)
    {
        if (Counters(entityId) is not { } counters) return;
        ActorStreamsMetrics.RecordIteratorAge(millisBehindLatest);
        counters.Window.Add(NowSecond, [0, 0, records, bytes, 0, 0]);
        counters.ObserveLag(millisBehindLatest);
    }

    /// <summary>A read-side call was throttled: <paramref name="operation"/> is GetRecords or GetShardIterator.</summary>
    public void ReadThrottled(string entityId, string operation)
    {
        if (Counters(entityId) is not { } counters) return;
        counters.Throttled(operation == nameof(ThrottledOperation.GetShardIterator) ? ThrottledOperation.GetShardIterator : ThrottledOperation.GetRecords);
        counters.Window.Add(NowSecond, (int)Metric.ReadThrottled, 1);
    }

    /// <summary>The counters of the newest incarnation of every stream, or of one stream.</summary>
    public IReadOnlyList<ShardMetrics> Snapshot(string? streamName = null)
    {
        var now = NowSecond;
        Prune(now);
        var newest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var counters in _shards.Values)
        {
            if (streamName is not null && counters.Stream != streamName) continue;
            if (!newest.TryGetValue(counters.Stream, out var epoch) || counters.Epoch > epoch) newest[counters.Stream] = counters.Epoch;
        }
        var result = new List<ShardMetrics>();
        foreach (var counters in _shards.Values)
        {
            if (newest.TryGetValue(counters.Stream, out var epoch) && epoch == counters.Epoch)
                result.Add(counters.Snapshot(now));
        }
        result.Sort((a, b) => a.StreamName != b.StreamName
            ? string.CompareOrdinal(a.StreamName, b.StreamName)
            : a.ShardIndex.CompareTo(b.ShardIndex));
        return result;
    }

    /// <summary>Forgets the counters of one StreamShard entity (deleted: its stream, or itself after expiring closed).</summary>
    public void ForgetShard(string entityId) => _shards.TryRemove(entityId, out _);

    /// <summary>Forgets the counters of every incarnation of a deleted stream.</summary>
    public void ForgetStream(string streamName)
    {
        foreach (var (key, counters) in _shards)
        {
            if (counters.Stream == streamName) _shards.TryRemove(key, out _);
        }
    }

    /// <summary>Every shard's totals and throttled requests, read by the OpenTelemetry counters at collection time.</summary>
    internal IEnumerable<(KeyValuePair<string, object?>[] Tags, long[] Totals, long[] ThrottledRequests)> Observe()
    {
        Prune(NowSecond);
        var result = new List<(KeyValuePair<string, object?>[], long[], long[])>(_shards.Count);
        foreach (var counters in _shards.Values)
            result.Add((counters.Tags, counters.Window.Totals(), counters.ThrottledRequests()));
        return result;
    }

    /// <summary>No longer observed by the meter.</summary>
    public void Dispose() => ActorStreamsMetrics.StopObserving(this);

    /// <summary>The counters of an entity id <c>stream/epoch/index</c>; null (nothing counted) for anything else.</summary>
    private ShardCounters? Counters(string entityId)
    {
        if (_shards.TryGetValue(entityId, out var counters)) return counters;
        var parts = entityId.Split('/');
        if (parts.Length != 3
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return null;
        return _shards.GetOrAdd(entityId, new ShardCounters(parts[0], epoch, index));
    }

    private void Prune(long now)
    {
        var last = Interlocked.Read(ref _lastPruneSecond);
        if (now - last < WindowSeconds || Interlocked.CompareExchange(ref _lastPruneSecond, now, last) != last) return;
        var expiry = (long)IdleExpiry.TotalSeconds;
        foreach (var (key, counters) in _shards)
        {
            if (now - counters.Window.LastActivitySecond > expiry) _shards.TryRemove(key, out _);
        }
    }

    /// <summary>The counters in <see cref="Metric"/> order.</summary>
    public const int MetricCount = 6;

    /// <summary>The order of the counters in <see cref="ShardMetrics.Totals"/> and <see cref="ShardMetrics.PerSecond"/>.</summary>
    public enum Metric
    {
        IncomingRecords,
        IncomingBytes,
        OutgoingRecords,
        OutgoingBytes,
        WriteThrottled,
        ReadThrottled,
    }

    /// <summary>The operations of the <c>actorstreams.throttled.requests</c> counter, in the order of <see cref="ShardCounters.ThrottledRequests"/>.</summary>
    internal enum ThrottledOperation
    {
        PutRecords,
        GetRecords,
        GetShardIterator,
    }

    private sealed class ShardCounters(string stream, long epoch, int shardIndex)
    {
        private readonly long[] _throttledRequests = new long[3];
        private long _lastLagMs = -1;

        public string Stream { get; } = stream;

        public long Epoch { get; } = epoch;

        public int ShardIndex { get; } = shardIndex;

        /// <summary>The OpenTelemetry tags of this shard, built once.</summary>
        public KeyValuePair<string, object?>[] Tags { get; } = ActorStreamsMetrics.ShardTags(stream, new StreamShardId(shardIndex).ToString());

        public RollingCounters Window { get; } = new(MetricCount);

        public void Throttled(ThrottledOperation operation) => Interlocked.Increment(ref _throttledRequests[(int)operation]);

        public long[] ThrottledRequests() =>
            [Interlocked.Read(ref _throttledRequests[0]), Interlocked.Read(ref _throttledRequests[1]), Interlocked.Read(ref _throttledRequests[2])];

        public void ObserveLag(long millisBehindLatest) => Interlocked.Exchange(ref _lastLagMs, millisBehindLatest);

        public ShardMetrics Snapshot(long now)
        {
            var (totals, series) = Window.Snapshot(now);
            var lag = Interlocked.Read(ref _lastLagMs);
            return new ShardMetrics(Stream, ShardIndex, totals, series, lag < 0 ? null : lag, now);
        }
    }
}

/// <summary>One StreamShard's counters at <paramref name="AtSecond"/> (epoch seconds); series end at that second.</summary>
internal sealed record ShardMetrics(string StreamName, int ShardIndex, long[] Totals, long[][] PerSecond, long? LastMillisBehindLatest, long AtSecond);
