namespace ActorStreams.Kinesis;

/// <summary>
/// A page of GetRecords. <see cref="NextShardIterator"/> continues after the last record (null at the end of a
/// closed shard); <see cref="MillisBehindLatest"/> is how far the page is from the tip of the shard (0 when caught up).
/// </summary>
public sealed record GetRecordsResult(IReadOnlyList<StreamRecord> Records, string? NextShardIterator, long MillisBehindLatest)
{
    /// <summary>
    /// Set when this page reached the end of a shard closed by resharding: the shards that continue its hash keys
    /// (read them next; a merge's child after both its parents). Null otherwise.
    /// </summary>
    public IReadOnlyList<ChildShard>? ChildShards { get; init; }
}
