using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>The encryption key is not usable in its current state, for example key material that is not a 256-bit AES key.</summary>
public sealed class KmsInvalidStateException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "KMSInvalidStateException";

    /// <summary>Creates the exception with a message that names the key and what was wrong with it.</summary>
    public KmsInvalidStateException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private KmsInvalidStateException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
