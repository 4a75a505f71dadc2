using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>An account or stream limit was reached, for example the total shard count.</summary>
public sealed class LimitExceededException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "LimitExceededException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public LimitExceededException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private LimitExceededException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
