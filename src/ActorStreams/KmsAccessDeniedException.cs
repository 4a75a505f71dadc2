using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>The stored ciphertext cannot be opened with the key its id names now: the key material under that id changed (a wrong key).</summary>
public sealed class KmsAccessDeniedException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "KMSAccessDeniedException";

    /// <summary>Creates the exception with a message that names the key and what was wrong with it.</summary>
    public KmsAccessDeniedException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private KmsAccessDeniedException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
