using ActorStreams.Streams;

namespace ActorStreams.Internal;

/// <summary>A stream's open shards ordered by starting hash key, cached by the client to route writes.</summary>
internal sealed class StreamRoute
{
    private readonly UInt128[] _starts;
    private readonly int[] _indexes;

    public StreamRoute(StreamEntry entry)
    {
        Name = entry.Name;
        Epoch = entry.Epoch;
        var open = entry.Shards.Where(s => s.IsOpen).OrderBy(s => s.HashKeyRange.StartingHashKey).ToArray();
        _starts = open.Select(s => s.HashKeyRange.StartingHashKey).ToArray();
        _indexes = open.Select(s => s.Index).ToArray();
        EntityIds = entry.Shards.ToDictionary(s => s.Index, s => StreamShardEntity.EntityId(entry.Name, entry.Epoch, s.Index));
    }

    public string Name { get; }

    public long Epoch { get; }

    public IReadOnlyDictionary<int, string> EntityIds { get; }

    public int OpenShardCount => _indexes.Length;

    /// <summary>The open shard whose range holds <paramref name="hashKey"/>: the last one starting at or below it.</summary>
    public int ShardFor(UInt128 hashKey)
    {
        var i = Array.BinarySearch(_starts, hashKey);
        if (i < 0) i = ~i - 1;
        return _indexes[i];
    }

    public string EntityId(int shardIndex) =>
        EntityIds.TryGetValue(shardIndex, out var id) ? id : throw new ResourceNotFoundException($"Shard {new StreamShardId(shardIndex)} in stream {Name} does not exist.");
}
