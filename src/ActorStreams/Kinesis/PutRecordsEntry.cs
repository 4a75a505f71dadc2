namespace ActorStreams.Kinesis;

/// <summary>
/// One record to write: its data, the partition key that routes it (null only for a stream of the AUTO record
/// distribution strategy, which ignores keys), and optionally an explicit hash key.
/// </summary>
public sealed record PutRecordsEntry(ReadOnlyMemory<byte> Data, string? PartitionKey, string? ExplicitHashKey = null);
