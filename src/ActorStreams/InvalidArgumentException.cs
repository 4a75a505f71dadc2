using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>An argument is well formed but not acceptable in the current state, for example a hash key outside the shard's range.</summary>
public sealed class InvalidArgumentException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "InvalidArgumentException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public InvalidArgumentException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private InvalidArgumentException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
