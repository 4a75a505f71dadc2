using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>An unexpected failure inside ActorStreams (HTTP status 500).</summary>
public sealed class InternalFailureException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "InternalFailure";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public InternalFailureException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private InternalFailureException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
