using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Dsl;

/// <summary>
/// Decides, for a whole-stream source, which shards to read and when: a shard starts once every parent the
/// source reads (or will read) has reached its end. A parent is waited for when the source started it or started
/// one of its ancestors; a parent the source never reaches (older than where it began, or expired) is not.
/// </summary>
internal sealed class ShardLineage
{
    private readonly ActorStreamsExtension _streams;
    private readonly string _streamName;
    private readonly StartingPosition _childStart;
    private readonly List<StreamShardId> _initial;
    // Parents of every shard the source has heard of, from the catalog and from ChildShards.
    private readonly Dictionary<int, int[]> _parents = new();
    private readonly HashSet<int> _started = new();
    private readonly HashSet<int> _finished = new();
    private readonly Dictionary<int, ChildShard> _waiting = new();
    private readonly StartingPosition _start;

    public ShardLineage(ActorStreamsExtension streams, StreamEntry entry, StartingPosition start)
    {
        _streams = streams;
        _streamName = entry.Name;
        _start = start;
        _childStart = start.Type == ShardIteratorType.AtTimestamp ? start : StartingPosition.TrimHorizon;
        Learn(entry);
        var present = entry.Shards.Select(s => s.Index).ToHashSet();
        _initial = start.Type == ShardIteratorType.Latest
            ? entry.Shards.Where(s => s.IsOpen).Select(s => new StreamShardId(s.Index)).ToList()
            : entry.Shards.Where(s => !ParentsOf(s).Any(present.Contains)).Select(s => new StreamShardId(s.Index)).ToList();
    }

    public IEnumerable<(StreamShardId Shard, StartingPosition Start)> Initial()
    {
        foreach (var shard in _initial.OrderBy(s => s.Index))
        {
            _started.Add(shard.Index);
            yield return (shard, _start);
        }
    }

    /// <summary>Records that <paramref name="shard"/> was read to its end; returns the shards that may start now.</summary>
    public async Task<List<(StreamShardId Shard, StartingPosition Start)>> FinishedAsync(StreamShardId shard, IReadOnlyList<ChildShard> children)
    {
        _finished.Add(shard.Index);
        foreach (var child in children)
        {
            _parents[child.ShardId.Index] = child.ParentShards.Select(p => p.Index).ToArray();
            if (!_started.Contains(child.ShardId.Index)) _waiting[child.ShardId.Index] = child;
        }
        // A parent heard of for the first time: the catalog knows whether it descends from a shard being read.
        if (_waiting.Values.SelectMany(c => c.ParentShards).Any(p => !_parents.ContainsKey(p.Index)))
            Learn(await _streams.Router.GetEntryAsync(_streamName, CancellationToken.None).ConfigureAwait(false));

        var ready = new List<(StreamShardId, StartingPosition)>();
        foreach (var child in _waiting.Values.OrderBy(c => c.ShardId.Index).ToList())
        {
            if (!child.ParentShards.All(p => _finished.Contains(p.Index) || !WillBeRead(p.Index, 0))) continue;
            _waiting.Remove(child.ShardId.Index);
            _started.Add(child.ShardId.Index);
            ready.Add((child.ShardId, _childStart));
        }
        return ready;
    }

    private bool WillBeRead(int index, int depth)
    {
        if (_started.Contains(index)) return true;
        if (depth > 10_000 || !_parents.TryGetValue(index, out var parents)) return false;
        return parents.Any(p => WillBeRead(p, depth + 1));
    }

    private void Learn(StreamEntry entry)
    {
        foreach (var s in entry.Shards) _parents[s.Index] = ParentsOf(s).ToArray();
    }

    private static IEnumerable<int> ParentsOf(ShardEntry s)
    {
        if (s.ParentIndex is { } p) yield return p;
        if (s.AdjacentParentIndex is { } a) yield return a;
    }
}
