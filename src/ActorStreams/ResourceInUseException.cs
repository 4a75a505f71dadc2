namespace ActorStreams;

/// <summary>The resource is busy or already exists, for example a stream name that is taken or a stream that is not ACTIVE.</summary>
public sealed class ResourceInUseException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "ResourceInUseException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public ResourceInUseException(string message) : base(message) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
