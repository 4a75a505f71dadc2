namespace ActorStreams.Kinesis;

/// <summary>One entry of ListStreams.</summary>
public sealed record StreamSummary(
    string StreamName,
    string StreamArn,
    StreamStatus StreamStatus,
    StreamMode StreamMode,
    DateTimeOffset StreamCreationTimestamp);
