namespace ActorStreams.Kinesis;

/// <summary>
/// The iterator age of one shard's polling readers (GetRecords, shard sources, consumer application members), which
/// Kinesis does not tell apart: the metric GetRecords.IteratorAgeMilliseconds.
/// </summary>
/// <param name="ShardId">The shard.</param>
/// <param name="MaxMillisBehindLatest">The largest MillisBehindLatest a read of the shard returned in the last minute.</param>
/// <param name="LastMillisBehindLatest">The MillisBehindLatest of the latest read.</param>
/// <param name="LastReadAt">When the latest read was.</param>
public sealed record ShardIteratorAge(StreamShardId ShardId, long MaxMillisBehindLatest, long LastMillisBehindLatest, DateTimeOffset LastReadAt);
