using ActorStreams.Kinesis.Internal.Shards;

namespace ActorStreams.Kinesis.Internal.Reads;

/// <summary>
/// One read of a shard: records, where to continue, lag, or how long to wait when throttled. <see cref="ChildShards"/>
/// is set when the page reached the end of a closed shard.
/// </summary>
internal sealed record ShardPage(IReadOnlyList<StreamRecord> Records, SequenceNumber Next, long MillisBehindLatest, TimeSpan? ThrottledFor,
    string? ThrottleMessage, IReadOnlyList<ChildShard>? ChildShards = null)
{
    public bool EndOfShard => ChildShards is not null;

    /// <summary>Bytes of the records (data and partition keys), as the read throttle and the metrics count them.</summary>
    public long Bytes { get; init; }

    public static IReadOnlyList<ChildShard> ToChildShards(ShardClosed closed) =>
        closed.Children.Select(c => new ChildShard(new StreamShardId(c.Index),
            c.AdjacentParentIndex is { } adjacent ? [new StreamShardId(c.ParentIndex), new StreamShardId(adjacent)] : [new StreamShardId(c.ParentIndex)],
            c.HashKeyRange)).ToList();
}
