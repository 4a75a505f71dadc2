namespace ActorStreams.Kinesis;

/// <summary>The sequence numbers a shard spans; <see cref="EndingSequenceNumber"/> is set once the shard is CLOSED.</summary>
public sealed record SequenceNumberRange(string StartingSequenceNumber, string? EndingSequenceNumber);
