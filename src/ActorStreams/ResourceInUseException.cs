using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>The resource is busy or already exists, for example a stream name that is taken or a stream that is not ACTIVE.</summary>
public sealed class ResourceInUseException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "ResourceInUseException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public ResourceInUseException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private ResourceInUseException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
