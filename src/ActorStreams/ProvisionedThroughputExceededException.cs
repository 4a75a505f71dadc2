namespace ActorStreams;

/// <summary>The shard's throughput limit was reached; retry after a short back-off.</summary>
public sealed class ProvisionedThroughputExceededException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "ProvisionedThroughputExceededException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public ProvisionedThroughputExceededException(string message) : base(message) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
