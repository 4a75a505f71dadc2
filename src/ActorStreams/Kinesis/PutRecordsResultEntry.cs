namespace ActorStreams.Kinesis;

/// <summary>
/// The outcome of one PutRecords entry: a sequence number and shard id, or an error code
/// (<c>ProvisionedThroughputExceededException</c> or <c>InternalFailure</c>) with a message.
/// </summary>
public sealed record PutRecordsResultEntry(string? SequenceNumber, StreamShardId? ShardId, string? ErrorCode, string? ErrorMessage)
{
    /// <summary>Whether this entry was written.</summary>
    public bool Succeeded => ErrorCode is null;
}
