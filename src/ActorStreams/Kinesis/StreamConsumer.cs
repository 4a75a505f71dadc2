namespace ActorStreams.Kinesis;

/// <summary>
/// An enhanced fan-out consumer registered on a stream. Its ARN is
/// <c>&lt;stream ARN&gt;/consumer/&lt;name&gt;:&lt;creation epoch seconds&gt;</c>, so a consumer registered again under
/// the same name gets a new ARN.
/// </summary>
public sealed record StreamConsumer(
    string ConsumerName,
    string ConsumerArn,
    ConsumerStatus ConsumerStatus,
    DateTimeOffset ConsumerCreationTimestamp,
    string StreamArn);
