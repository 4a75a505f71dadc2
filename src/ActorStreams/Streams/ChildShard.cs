namespace ActorStreams.Streams;

/// <summary>
/// A shard created from a closed shard by a split or merge: what a consumer reads next once it has read its
/// parent to the end (reported by SubscribeToShard and GetRecords at the end of a closed shard).
/// </summary>
public sealed record ChildShard(StreamShardId ShardId, IReadOnlyList<StreamShardId> ParentShards, HashKeyRange HashKeyRange);
