namespace ActorStreams.Kinesis.Aggregation;

/// <summary>One user record read from an aggregate, before it is tied to the Kinesis record that carried it.</summary>
internal readonly record struct DecodedUserRecord(string PartitionKey, string? ExplicitHashKey, ReadOnlyMemory<byte> Data);
