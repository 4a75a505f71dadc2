using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>
/// A Firehose UpdateDestination named a version or destination id that is not the delivery stream's current one:
/// another update came first. Describe the delivery stream again and retry with its current version.
/// </summary>
public sealed class ConcurrentModificationException : ActorStreamsException
{
    /// <summary>The Firehose error code of this exception.</summary>
    public const string Code = "ConcurrentModificationException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public ConcurrentModificationException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private ConcurrentModificationException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
