namespace ActorStreams.Kinesis;

/// <summary>
/// How far one consumer is behind the newest record of one shard.
/// </summary>
/// <param name="ShardId">The shard.</param>
/// <param name="MillisBehindLatest">
/// Milliseconds behind the shard's newest record: for an enhanced fan-out consumer what its last event said; for a
/// consumer application now minus the arrival time of the first record it has not checkpointed (0 when caught up).
/// </param>
/// <param name="ObservedAt">When the value was measured (the event was sent, or the checkpoint compared).</param>
/// <param name="SequenceNumber">
/// The last event's continuation sequence number (enhanced fan-out), or the checkpoint (consumer application:
/// the next record to process, or <c>SHARD_END</c> once a closed shard was processed to its end); null when none.
/// </param>
/// <param name="Active">A subscription to the shard is running, or a member of the application holds the shard's lease.</param>
/// <param name="Approximate">
/// The checkpoint is older than the shard's in-memory tail, so the arrival time comes from the shard's time index
/// (<c>actorstreams.stream-shard.time-index-interval</c>): the start of the interval the checkpoint's event arrived in.
/// The lag is then an upper bound (never less than the true one).
/// </param>
public sealed record ShardLag(StreamShardId ShardId, long MillisBehindLatest, DateTimeOffset ObservedAt, string? SequenceNumber, bool Active,
    bool Approximate = false);
