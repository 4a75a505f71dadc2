using ActorStreams.Internal;

namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>
/// The newest RecordsAppended events of a shard, contiguous up to the tip, bounded in bytes (the newest event
/// always stays). Readers at or near the tip are served from here without touching the journal. The bytes held are
/// drawn from the node's memory budget: while it is spent, the tail evicts its oldest events (down to the newest) as
/// new ones arrive; the entity clears it when it stops.
/// </summary>
internal sealed class HotTail
{
    internal readonly record struct Entry(long EventNo, RecordsAppended Event, long Bytes);

    private readonly long _maxBytes;
    private readonly NodeMemoryBudget? _budget;
    private readonly List<Entry> _entries = new();
    private int _head;
    private long _bytes;

    public HotTail(long maxBytes, NodeMemoryBudget? budget = null)
    {
        _maxBytes = maxBytes;
        _budget = budget;
    }

    public int Count => _entries.Count - _head;

    public long Bytes => _bytes;

    public Entry this[int i] => _entries[_head + i];

    /// <summary>The first event number held, or null when empty.</summary>
    public long? FirstEventNo => Count == 0 ? null : _entries[_head].EventNo;

    public void Add(long eventNo, RecordsAppended e, long bytes)
    {
        _entries.Add(new Entry(eventNo, e, bytes));
        _bytes += bytes;
        _budget?.Adjust(bytes);
        while ((_bytes > _maxBytes || _budget is { Exceeded: true }) && Count > 1) RemoveFirst();
    }

    /// <summary>Drops every event up to and including <paramref name="eventNo"/> (retention trimming).</summary>
    public void RemoveUpTo(long eventNo)
    {
        while (Count > 0 && _entries[_head].EventNo <= eventNo) RemoveFirst();
    }

    public void Clear()
    {
        _budget?.Adjust(-_bytes);
        _entries.Clear();
        _head = 0;
        _bytes = 0;
    }

    /// <summary>Index of the first event with number at or after <paramref name="eventNo"/>; <see cref="Count"/> if none.</summary>
    public int FirstAtOrAfter(long eventNo)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (this[mid].EventNo < eventNo) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private void RemoveFirst()
    {
        _bytes -= _entries[_head].Bytes;
        _budget?.Adjust(-_entries[_head].Bytes);
        _entries[_head] = default;
        _head++;
        if (_head > 1024 && _head * 2 > _entries.Count)
        {
            _entries.RemoveRange(0, _head);
            _head = 0;
        }
    }
}
