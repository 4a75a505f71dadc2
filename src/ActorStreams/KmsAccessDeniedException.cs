namespace ActorStreams;

/// <summary>The stored ciphertext cannot be opened with the key its id names now: the key material under that id changed (a wrong key).</summary>
public sealed class KmsAccessDeniedException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "KMSAccessDeniedException";

    /// <summary>Creates the exception with a message that names the key and what was wrong with it.</summary>
    public KmsAccessDeniedException(string message) : base(message) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
