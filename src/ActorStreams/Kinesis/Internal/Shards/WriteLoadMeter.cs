namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>
/// A shard's write load per second of the runtime's clock, kept for a bounded window: what ON_DEMAND scaling
/// decides on. In memory only: after a restart the shard measures afresh (and reports since when).
/// </summary>
internal sealed class WriteLoadMeter(TimeSpan window, long startMs)
{
    private sealed class Bucket(long second)
    {
        public long Second { get; } = second;
        public long Records;
        public long Bytes;
    }

    private readonly long _windowSeconds = Math.Max(1, (long)window.TotalSeconds);
    private readonly Queue<Bucket> _buckets = new();
    private Bucket? _last;
    private long _records;
    private long _bytes;

    /// <summary>When measuring began (runtime clock, epoch milliseconds).</summary>
    public long StartMs { get; } = startMs;

    public void Add(long nowMs, long records, long bytes)
    {
        var second = nowMs / 1000;
        if (_last is null || _last.Second != second)
        {
            _last = new Bucket(second);
            _buckets.Enqueue(_last);
        }
        _last.Records += records;
        _last.Bytes += bytes;
        _records += records;
        _bytes += bytes;
        Expire(nowMs);
    }

    /// <summary>Records and bytes per second, averaged over the whole window that ends now.</summary>
    public (double RecordsPerSecond, double BytesPerSecond) Rates(long nowMs)
    {
        Expire(nowMs);
        return (_records / (double)_windowSeconds, _bytes / (double)_windowSeconds);
    }

    private void Expire(long nowMs)
    {
        var oldest = nowMs / 1000 - _windowSeconds + 1;
        while (_buckets.Count > 0 && _buckets.Peek().Second < oldest)
        {
            var gone = _buckets.Dequeue();
            _records -= gone.Records;
            _bytes -= gone.Bytes;
            if (ReferenceEquals(gone, _last)) _last = null;
        }
    }
}
