namespace ActorStreams.Kinesis;

/// <summary>One Kinesis shard of a stream, as DescribeStream and ListShards report it.</summary>
public sealed record StreamShardDescription(
    StreamShardId ShardId,
    StreamShardId? ParentShardId,
    StreamShardId? AdjacentParentShardId,
    HashKeyRange HashKeyRange,
    SequenceNumberRange SequenceNumberRange)
{
    /// <summary>Whether the shard still takes writes.</summary>
    public bool IsOpen => SequenceNumberRange.EndingSequenceNumber is null;

    /// <summary>When the shard opened: with its stream, or when the resharding that created it completed (not in Kinesis' ListShards output).</summary>
    public DateTimeOffset? OpenedAt { get; init; }

    /// <summary>When resharding closed the shard; null while it is open (not in Kinesis' ListShards output).</summary>
    public DateTimeOffset? ClosedAt { get; init; }
}
