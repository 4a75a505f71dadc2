namespace ActorStreams.Firehose;

/// <summary>The ActorStreams (Kinesis) stream a <see cref="DeliveryStreamType.KinesisStreamAsSource"/> delivery stream reads.</summary>
public sealed record KinesisStreamSourceConfiguration
{
    /// <summary><c>arn:aws:kinesis:REGION:ACCOUNT:stream/NAME</c>.</summary>
    public string KinesisStreamArn { get; init; } = "";

    /// <summary>The IAM role AWS would assume; kept and reported.</summary>
    public string? RoleArn { get; init; }
}
