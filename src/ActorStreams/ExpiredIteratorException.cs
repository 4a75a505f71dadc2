namespace ActorStreams;

/// <summary>The shard iterator is older than five minutes; get a new one with GetShardIterator.</summary>
public sealed class ExpiredIteratorException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "ExpiredIteratorException";

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public ExpiredIteratorException(string message) : base(message) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
