namespace ActorStreams.Streams;

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
}
