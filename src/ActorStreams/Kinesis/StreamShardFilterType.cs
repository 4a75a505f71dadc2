namespace ActorStreams.Kinesis;

/// <summary>Which shards ListShards returns (the Kinesis <c>ShardFilter.Type</c>).</summary>
public enum StreamShardFilterType
{
    /// <summary>The shards whose id follows <see cref="StreamShardFilter.ShardId"/> (like ExclusiveStartShardId).</summary>
    AfterShardId,
    /// <summary>The shards that were open at the trim horizon (now minus the retention period, or the stream's creation if later).</summary>
    AtTrimHorizon,
    /// <summary>Every shard that still holds data within the retention period: open shards and shards closed since the trim horizon.</summary>
    FromTrimHorizon,
    /// <summary>The shards open now.</summary>
    AtLatest,
    /// <summary>The shards open at <see cref="StreamShardFilter.Timestamp"/>: created at or before it, and still open or closed at or after it.</summary>
    AtTimestamp,
    /// <summary>The open shards and the shards closed at or after <see cref="StreamShardFilter.Timestamp"/> (a time before the trim horizon counts as the trim horizon).</summary>
    FromTimestamp,
}
