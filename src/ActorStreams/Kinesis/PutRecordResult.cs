namespace ActorStreams.Kinesis;

/// <summary>Where PutRecord stored the record.</summary>
public sealed record PutRecordResult(StreamShardId ShardId, string SequenceNumber);
