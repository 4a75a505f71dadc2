namespace ActorStreams.Kinesis;

/// <summary>
/// A shard that continues a closed shard's hash keys: one of the two children of a split, or the child of a merge
/// (then with both parents). GetRecords and SubscribeToShard report them once a reader reaches the end of a closed
/// shard; a consumer reads them next.
/// </summary>
public sealed record ChildShard(StreamShardId ShardId, IReadOnlyList<StreamShardId> ParentShards, HashKeyRange HashKeyRange);
