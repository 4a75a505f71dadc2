using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>
/// The service cannot take the request now, for example a Firehose delivery stream whose backlog of undelivered
/// records is full because its destination is slow or down. Retry after a back-off; nothing of the refused request
/// was stored.
/// </summary>
public sealed class ServiceUnavailableException : ActorStreamsException
{
    /// <summary>The Firehose error code of this exception.</summary>
    public const string Code = "ServiceUnavailableException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public ServiceUnavailableException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private ServiceUnavailableException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
