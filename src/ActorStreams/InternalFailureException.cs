namespace ActorStreams;

/// <summary>An unexpected failure inside ActorStreams (HTTP status 500).</summary>
public sealed class InternalFailureException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "InternalFailure";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public InternalFailureException(string message) : base(message) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
