using System.Collections.Concurrent;
using System.Globalization;

namespace ActorStreams.Internal;

/// <summary>
/// Throughput counters of this node, per StreamShard: records and bytes written and read, and throttled writes and
/// reads, as totals and as one bucket per second over the last <see cref="WindowSeconds"/> seconds. Writes and write
/// throttles are counted by the StreamShard entity (so every front end counts: HTTP, sinks, the C# client), reads by
/// the reader's node in <see cref="ActorStreamsClient"/>. In a cluster each node counts what it saw: the web console
/// of one node shows that node's share. Nothing here is persisted; a restart starts from zero.
/// </summary>
internal sealed class StreamMetrics
{
    /// <summary>How many one-second buckets each counter keeps.</summary>
    public const int WindowSeconds = 60;

    /// <summary>A shard's counters are dropped once nothing happened on it for this long.</summary>
    public static readonly TimeSpan IdleExpiry = TimeSpan.FromHours(1);

    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<ShardKey, ShardCounters> _shards = new();
    private long _lastPruneSecond;

    public StreamMetrics(TimeProvider clock) => _clock = clock;

    private long NowSecond => _clock.GetUtcNow().ToUnixTimeSeconds();

    public void Written(string entityId, int records, long bytes)
    {
        if (records > 0) Counters(entityId)?.Add(NowSecond, records, bytes, 0, 0, 0, 0);
    }

    public void WriteThrottled(string entityId, int records)
    {
        if (records > 0) Counters(entityId)?.Add(NowSecond, 0, 0, 0, 0, records, 0);
    }

    public void Read(string entityId, int records, long bytes, long millisBehindLatest)
    {
        var counters = Counters(entityId);
        if (counters is null) return;
        counters.Add(NowSecond, 0, 0, records, bytes, 0, 0);
        counters.ObserveLag(millisBehindLatest);
    }

    public void ReadThrottled(string entityId) => Counters(entityId)?.Add(NowSecond, 0, 0, 0, 0, 0, 1);

    /// <summary>The counters of the newest incarnation of every stream, or of one stream.</summary>
    public IReadOnlyList<ShardMetrics> Snapshot(string? streamName = null)
    {
        var now = NowSecond;
        Prune(now);
        var newest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in _shards.Keys)
        {
            if (streamName is not null && key.Stream != streamName) continue;
            if (!newest.TryGetValue(key.Stream, out var epoch) || key.Epoch > epoch) newest[key.Stream] = key.Epoch;
        }
        var result = new List<ShardMetrics>();
        foreach (var (key, counters) in _shards)
        {
            if (newest.TryGetValue(key.Stream, out var epoch) && epoch == key.Epoch)
                result.Add(counters.Snapshot(key.Stream, key.ShardIndex, now));
        }
        result.Sort((a, b) => a.StreamName != b.StreamName
            ? string.CompareOrdinal(a.StreamName, b.StreamName)
            : a.ShardIndex.CompareTo(b.ShardIndex));
        return result;
    }

    private ShardCounters? Counters(string entityId)
    {
        var parts = entityId.Split('/');
        if (parts.Length != 3
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return null;
        return _shards.GetOrAdd(new ShardKey(parts[0], epoch, index), static _ => new ShardCounters());
    }

    private void Prune(long now)
    {
        var last = Interlocked.Read(ref _lastPruneSecond);
        if (now - last < WindowSeconds || Interlocked.CompareExchange(ref _lastPruneSecond, now, last) != last) return;
        var expiry = (long)IdleExpiry.TotalSeconds;
        foreach (var (key, counters) in _shards)
        {
            if (now - counters.LastActivitySecond > expiry) _shards.TryRemove(key, out _);
        }
    }

    private readonly record struct ShardKey(string Stream, long Epoch, int ShardIndex);

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

    private sealed class ShardCounters
    {
        private readonly object _gate = new();
        private readonly long[] _totals = new long[MetricCount];
        private readonly long[,] _buckets = new long[WindowSeconds, MetricCount];
        private readonly long[] _bucketSecond = new long[WindowSeconds];
        private long _lastLagMs = -1;

        public long LastActivitySecond { get; private set; }

        public void Add(long second, long inRecords, long inBytes, long outRecords, long outBytes, long writeThrottled, long readThrottled)
        {
            lock (_gate)
            {
                var slot = (int)(second % WindowSeconds);
                if (_bucketSecond[slot] != second)
                {
                    _bucketSecond[slot] = second;
                    for (var m = 0; m < MetricCount; m++) _buckets[slot, m] = 0;
                }
                Span<long> values = [inRecords, inBytes, outRecords, outBytes, writeThrottled, readThrottled];
                for (var m = 0; m < MetricCount; m++)
                {
                    _buckets[slot, m] += values[m];
                    _totals[m] += values[m];
                }
                LastActivitySecond = second;
            }
        }

        public void ObserveLag(long millisBehindLatest)
        {
            lock (_gate) _lastLagMs = millisBehindLatest;
        }

        public ShardMetrics Snapshot(string stream, int shardIndex, long now)
        {
            lock (_gate)
            {
                var series = new long[MetricCount][];
                for (var m = 0; m < MetricCount; m++) series[m] = new long[WindowSeconds];
                // Oldest first; the last entry is the current, still filling second.
                for (var i = 0; i < WindowSeconds; i++)
                {
                    var second = now - (WindowSeconds - 1) + i;
                    if (second < 0) continue;
                    var slot = (int)(second % WindowSeconds);
                    if (_bucketSecond[slot] != second) continue;
                    for (var m = 0; m < MetricCount; m++) series[m][i] = _buckets[slot, m];
                }
                return new ShardMetrics(stream, shardIndex, (long[])_totals.Clone(), series, _lastLagMs < 0 ? null : _lastLagMs, now);
            }
        }
    }
}

/// <summary>One StreamShard's counters at <paramref name="AtSecond"/> (epoch seconds); series end at that second.</summary>
internal sealed record ShardMetrics(string StreamName, int ShardIndex, long[] Totals, long[][] PerSecond, long? LastMillisBehindLatest, long AtSecond);
