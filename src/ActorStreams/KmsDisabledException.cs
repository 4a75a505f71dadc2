namespace ActorStreams;

/// <summary>The encryption key exists but is disabled (<c>actorstreams.encryption.disabled-keys</c>): it neither encrypts nor decrypts.</summary>
public sealed class KmsDisabledException : ActorStreamsException
{
    /// <summary>The Kinesis error code of this exception.</summary>
    public const string Code = "KMSDisabledException";

    /// <summary>Creates the exception with a message that names the key and what was wrong with it.</summary>
    public KmsDisabledException(string message) : base(message) { }

    /// <inheritdoc />
    public override string ErrorCode => Code;
}
