using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>A request parameter breaks a constraint of the API model: a length, a pattern or a range.</summary>
public sealed class ValidationException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "ValidationException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public ValidationException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private ValidationException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
