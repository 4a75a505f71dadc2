using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>The stream, shard or consumer does not exist, or is not ACTIVE yet.</summary>
public sealed class ResourceNotFoundException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "ResourceNotFoundException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public ResourceNotFoundException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private ResourceNotFoundException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
