using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>The shard iterator is older than five minutes; get a new one with GetShardIterator.</summary>
public sealed class ExpiredIteratorException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "ExpiredIteratorException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public ExpiredIteratorException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private ExpiredIteratorException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
