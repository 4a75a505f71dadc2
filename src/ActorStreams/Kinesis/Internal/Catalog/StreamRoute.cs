using System.Collections.Immutable;
using ActorStreams.Kinesis.Internal.Shards;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// Where a stream's writes go: the hash-key space cut into segments, each owned by an open shard, cached by the
/// client. A shard closed by resharding refuses appends and names its children; <see cref="WithClosed"/> then hands
/// its segments to them, so a writer re-routes without waiting for the catalog. (Segments need not be whole shard
/// ranges: while a merge closes its two parents one after the other, one parent's keys already go to the child.)
/// </summary>
internal sealed class StreamRoute
{
    private readonly UInt128[] _starts;
    private readonly int[] _indexes;

    public StreamRoute(StreamEntry entry)
        : this(entry.Name, entry.Epoch,
            entry.Shards.Where(s => s.IsOpen).OrderBy(s => s.HashKeyRange.StartingHashKey).Select(s => (s.HashKeyRange.StartingHashKey, s.Index)).ToArray(),
            entry.Shards.ToImmutableDictionary(s => s.Index, s => StreamShardEntity.EntityId(entry.Name, entry.Epoch, s.Index)),
            // A route read from the catalog holds every completed step: it is newer than any patch made at the same index.
            (long)entry.NextShardIndex * 4 + 3,
            entry.Mode == StreamMode.OnDemand,
            entry.MaxRecordSizeBytes,
            entry.DistributesAutomatically)
    {
    }

    private StreamRoute(string name, long epoch, (UInt128 Start, int Index)[] segments, ImmutableDictionary<int, string> entityIds, long version,
        bool onDemand, int maxRecordSizeBytes, bool distributesAutomatically)
    {
        OnDemand = onDemand;
        DistributesAutomatically = distributesAutomatically;
        MaxRecordSizeBytes = maxRecordSizeBytes;
        Name = name;
        Epoch = epoch;
        _starts = segments.Select(s => s.Start).ToArray();
        _indexes = segments.Select(s => s.Index).ToArray();
        EntityIds = entityIds;
        Version = version;
    }

    public string Name { get; }

    public long Epoch { get; }

    public ImmutableDictionary<int, string> EntityIds { get; }

    /// <summary>Grows with every resharding step the route knows of: of two routes of one epoch, the higher is the newer.</summary>
    public long Version { get; }

    /// <summary>The stream is ON_DEMAND: its writes are not held to a shard's write limit.</summary>
    public bool OnDemand { get; }

    /// <summary>The largest record (data plus partition key) the stream takes (UpdateMaxRecordSize).</summary>
    public int MaxRecordSizeBytes { get; }

    /// <summary>
    /// The stream places records itself (AUTO on an ON_DEMAND stream): each write takes <see cref="NextAutoHashKey"/>
    /// instead of the hash of its key.
    /// </summary>
    public bool DistributesAutomatically { get; }

    /// <summary>
    /// The hash key of the next record of an AUTO stream: the start of the open segments in turn. Round robin rather
    /// than a random key: one writer's records land on the open shards evenly to within one record, whatever their
    /// sizes and however few there are, and the route stays deterministic for tests; writers on several nodes each go
    /// round on their own, which stays even. A segment start always routes to the segment's shard, also after
    /// <see cref="WithClosed"/> hands it to a child (while a merge is under way its child holds two segments, and so
    /// takes two turns, until the route is read afresh).
    /// </summary>
    public UInt128 NextAutoHashKey()
    {
        var turn = (uint)Interlocked.Increment(ref _autoTurn);
        return _starts[(int)(turn % (uint)_starts.Length)];
    }

    private int _autoTurn = -1;

    public int OpenShardCount => _indexes.Distinct().Count();

    /// <summary>Whether <paramref name="shardIndex"/> takes writes in this route.</summary>
    public bool IsOpen(int shardIndex) => Array.IndexOf(_indexes, shardIndex) >= 0;

    /// <summary>The open shard whose segment holds <paramref name="hashKey"/>: the last one starting at or below it.</summary>
    public int ShardFor(UInt128 hashKey)
    {
        var i = Array.BinarySearch(_starts, hashKey);
        if (i < 0) i = ~i - 1;
        return _indexes[i];
    }

    /// <summary>The entity of a shard of this stream, or ResourceNotFoundException in AWS's words.</summary>
    public string EntityId(int shardIndex, string accountId) =>
        EntityIds.TryGetValue(shardIndex, out var id)
            ? id
            : throw new ResourceNotFoundException($"Shard {new StreamShardId(shardIndex)} in stream {Name} under account {accountId} does not exist");

    /// <summary>This route with <paramref name="shardIndex"/> closed: its segments go to the children that cover them.</summary>
    public StreamRoute WithClosed(int shardIndex, ShardClosed closed)
    {
        if (!IsOpen(shardIndex)) return this;
        var segments = new List<(UInt128 Start, int Index)>(_starts.Length + closed.Children.Length);
        for (var i = 0; i < _starts.Length; i++)
        {
            if (_indexes[i] != shardIndex)
            {
                segments.Add((_starts[i], _indexes[i]));
                continue;
            }
            var start = _starts[i];
            var end = i + 1 < _starts.Length ? _starts[i + 1] - 1 : UInt128.MaxValue;
            foreach (var child in closed.Children.OrderBy(c => c.HashKeyRange.StartingHashKey))
            {
                var from = UInt128.Max(start, child.HashKeyRange.StartingHashKey);
                var to = UInt128.Min(end, child.HashKeyRange.EndingHashKey);
                if (from <= to) segments.Add((from, child.Index));
            }
        }
        var ids = EntityIds;
        foreach (var child in closed.Children) ids = ids.SetItem(child.Index, StreamShardEntity.EntityId(Name, Epoch, child.Index));
        var next = Math.Max(EntityIds.Keys.DefaultIfEmpty(-1).Max(), closed.Children.Max(c => c.Index)) + 1;
        var version = Math.Max(Version + 1, (long)next * 4);
        return new StreamRoute(Name, Epoch, segments.OrderBy(s => s.Start).ToArray(), ids, version, OnDemand, MaxRecordSizeBytes, DistributesAutomatically);
    }
}
