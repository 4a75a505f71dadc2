using System.Collections.Immutable;

namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>
/// The sparse time index of a shard, for AT_TIMESTAMP iterators and retention: the first record event of every time
/// bucket (<c>time-index-interval</c>) with its arrival time. Arrival times never go backwards within a shard, so
/// both lists stay sorted. Journaled in the shard's snapshot.
/// </summary>
internal sealed class ShardTimeIndex
{
    private readonly long _intervalMs;
    private readonly List<long> _eventNos = new();
    private readonly List<long> _timestamps = new();

    public ShardTimeIndex(TimeSpan interval)
    {
        _intervalMs = (long)interval.TotalMilliseconds;
    }

    /// <summary>Buckets held.</summary>
    public int Count => _eventNos.Count;

    /// <summary>The oldest indexed record event (the oldest one retained), if any.</summary>
    public long? FirstEventNo => _eventNos.Count > 0 ? _eventNos[0] : null;

    /// <summary>Notes a record event: it starts a bucket when its time falls in a later bucket than the last one.</summary>
    public void Add(long eventNo, long timestampMs)
    {
        if (_timestamps.Count == 0 || timestampMs / _intervalMs != _timestamps[^1] / _intervalMs)
        {
            _eventNos.Add(eventNo);
            _timestamps.Add(timestampMs);
        }
    }

    /// <summary>The first event of the last bucket that starts at or before <paramref name="timestampMs"/>; null when every bucket starts later.</summary>
    public long? BucketAt(long timestampMs)
    {
        var k = _timestamps.BinarySearch(timestampMs);
        if (k < 0) k = ~k - 1;
        return k >= 0 ? _eventNos[k] : null;
    }

    /// <summary>
    /// When the bucket holding <paramref name="eventNo"/> began (the oldest bucket's time for an event before it):
    /// an upper bound on how long ago the event arrived. Null when the index is empty.
    /// </summary>
    public long? ArrivalOf(long eventNo)
    {
        if (_eventNos.Count == 0) return null;
        var k = _eventNos.BinarySearch(eventNo);
        if (k < 0) k = Math.Max(0, ~k - 1);
        return _timestamps[k];
    }

    /// <summary>
    /// The last event retention may delete when records older than <paramref name="cutoffMs"/> expire and the newest
    /// record is at least that new: every event before the first bucket of the cutoff's interval or later. All events
    /// of a bucket lie in one interval, so every bucket of an earlier interval is older than the cutoff (comparing with
    /// the bucket start instead would keep an old bucket followed by a gap in the writes). Null: nothing expired.
    /// </summary>
    public long? ExpiredUpTo(long cutoffMs, long lastRecordEventNo)
    {
        var k = _timestamps.BinarySearch(cutoffMs / _intervalMs * _intervalMs);
        if (k < 0) k = ~k;
        if (k == 0) return null;
        return k < _eventNos.Count ? _eventNos[k] - 1 : lastRecordEventNo;
    }

    /// <summary>Drops the buckets that start at or before <paramref name="eventNo"/> (their events were deleted).</summary>
    public void RemoveUpTo(long eventNo)
    {
        var keep = _eventNos.FindIndex(n => n > eventNo);
        if (keep < 0) keep = _eventNos.Count;
        _eventNos.RemoveRange(0, keep);
        _timestamps.RemoveRange(0, keep);
    }

    /// <summary>Replaces the index with a snapshot's.</summary>
    public void Restore(ImmutableArray<long> eventNos, ImmutableArray<long> timestampsMs)
    {
        _eventNos.Clear();
        _eventNos.AddRange(eventNos);
        _timestamps.Clear();
        _timestamps.AddRange(timestampsMs);
    }

    /// <summary>The first event of each bucket, for a snapshot.</summary>
    public ImmutableArray<long> EventNos => _eventNos.ToImmutableArray();

    /// <summary>The arrival time of each bucket's first event, for a snapshot.</summary>
    public ImmutableArray<long> TimestampsMs => _timestamps.ToImmutableArray();
}
