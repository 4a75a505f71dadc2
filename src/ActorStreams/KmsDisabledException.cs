using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>The encryption key exists but is disabled (<c>actorstreams.encryption.disabled-keys</c>): it neither encrypts nor decrypts.</summary>
public sealed class KmsDisabledException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "KMSDisabledException";

    /// <summary>Creates the exception with a message that names the key and what was wrong with it.</summary>
    public KmsDisabledException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private KmsDisabledException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
