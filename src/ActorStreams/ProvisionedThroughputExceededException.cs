using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>The shard's throughput limit was reached; retry after a short back-off.</summary>
public sealed class ProvisionedThroughputExceededException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "ProvisionedThroughputExceededException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public ProvisionedThroughputExceededException(string message) : base(message) { }

    // Akka.Remote rebuilds the exception of a Status.Failure that crossed nodes through this constructor.
    private ProvisionedThroughputExceededException(SerializationInfo info, StreamingContext context) : base(SerializedMessage(info)) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
