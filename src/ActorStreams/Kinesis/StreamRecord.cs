namespace ActorStreams.Kinesis;

/// <summary>A record read from a shard.</summary>
public sealed record StreamRecord(
    StreamShardId ShardId,
    string SequenceNumber,
    DateTimeOffset ApproximateArrivalTimestamp,
    ReadOnlyMemory<byte> Data,
    string PartitionKey);
