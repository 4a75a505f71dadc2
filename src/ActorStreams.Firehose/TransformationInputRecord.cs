namespace ActorStreams.Firehose;

/// <summary>A record handed to a transformation.</summary>
public sealed record TransformationInputRecord(string RecordId, ReadOnlyMemory<byte> Data, DateTimeOffset ApproximateArrivalTimestamp);
