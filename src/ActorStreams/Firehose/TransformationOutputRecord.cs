namespace ActorStreams.Firehose;

/// <summary>A transformation's answer for one record, matched to its input by <see cref="RecordId"/>.</summary>
public sealed record TransformationOutputRecord(string RecordId, TransformationResult Result, ReadOnlyMemory<byte> Data);
