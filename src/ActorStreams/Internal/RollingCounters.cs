using ActorStreams.Kinesis.Internal;

namespace ActorStreams.Internal;

/// <summary>
/// A fixed set of counters kept as totals and as one bucket per second over the last <see cref="WindowSeconds"/>
/// seconds: the shape behind the web console's live rates (per StreamShard in <see cref="StreamMetrics"/>, per
/// delivery stream in the Firehose statistics). Thread-safe; nothing is persisted.
/// </summary>
internal sealed class RollingCounters
{
    /// <summary>How many one-second buckets each counter keeps.</summary>
    public const int WindowSeconds = 60;

    private readonly object _gate = new();
    private readonly int _count;
    private readonly long[] _totals;
    private readonly long[,] _buckets;
    private readonly long[] _bucketSecond = new long[WindowSeconds];
    private long _lastActivitySecond;

    public RollingCounters(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        _count = count;
        _totals = new long[count];
        _buckets = new long[WindowSeconds, count];
    }

    /// <summary>The epoch second of the last <see cref="Add(long, ReadOnlySpan{long})"/>.</summary>
    public long LastActivitySecond
    {
        get
        {
            lock (_gate) return _lastActivitySecond;
        }
    }

    /// <summary>Adds one value per counter (in counter order) at the epoch second <paramref name="second"/>.</summary>
    public void Add(long second, ReadOnlySpan<long> values)
    {
        lock (_gate)
        {
            var slot = Slot(second);
            for (var m = 0; m < _count && m < values.Length; m++)
            {
                _buckets[slot, m] += values[m];
                _totals[m] += values[m];
            }
            _lastActivitySecond = second;
        }
    }

    /// <summary>Adds <paramref name="value"/> to one counter.</summary>
    public void Add(long second, int counter, long value)
    {
        lock (_gate)
        {
            var slot = Slot(second);
            _buckets[slot, counter] += value;
            _totals[counter] += value;
            _lastActivitySecond = second;
        }
    }

    // Called under the gate: the bucket of this second, emptied when it last held an older second.
    private int Slot(long second)
    {
        var slot = (int)(second % WindowSeconds);
        if (_bucketSecond[slot] != second)
        {
            _bucketSecond[slot] = second;
            for (var m = 0; m < _count; m++) _buckets[slot, m] = 0;
        }
        return slot;
    }

    /// <summary>
    /// The totals, and per counter the last <see cref="WindowSeconds"/> seconds oldest first, ending with the current
    /// (still filling) second <paramref name="now"/>.
    /// </summary>
    public (long[] Totals, long[][] PerSecond) Snapshot(long now)
    {
        lock (_gate)
        {
            var series = new long[_count][];
            for (var m = 0; m < _count; m++) series[m] = new long[WindowSeconds];
            for (var i = 0; i < WindowSeconds; i++)
            {
                var second = now - (WindowSeconds - 1) + i;
                if (second < 0) continue;
                var slot = (int)(second % WindowSeconds);
                if (_bucketSecond[slot] != second) continue;
                for (var m = 0; m < _count; m++) series[m][i] = _buckets[slot, m];
            }
            return ((long[])_totals.Clone(), series);
        }
    }

    /// <summary>The totals alone (what the OpenTelemetry counters report).</summary>
    public long[] Totals()
    {
        lock (_gate) return (long[])_totals.Clone();
    }

    /// <summary>The totals, and per counter the sum over the last <see cref="WindowSeconds"/> seconds up to <paramref name="now"/>.</summary>
    public (long[] Totals, long[] InWindow) Sums(long now)
    {
        lock (_gate)
        {
            var window = new long[_count];
            for (var i = 0; i < WindowSeconds; i++)
            {
                var second = now - i;
                if (second < 0) break;
                var slot = (int)(second % WindowSeconds);
                if (_bucketSecond[slot] != second) continue;
                for (var m = 0; m < _count; m++) window[m] += _buckets[slot, m];
            }
            return ((long[])_totals.Clone(), window);
        }
    }
}
