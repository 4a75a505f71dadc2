using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>The encryption key id names no key the key provider knows (no configured key under that id, alias or ARN).</summary>
public sealed class KmsNotFoundException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "KMSNotFoundException";

    /// <summary>Creates the exception with a message that names the key and what was wrong with it.</summary>
    public KmsNotFoundException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private KmsNotFoundException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
