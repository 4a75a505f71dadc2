using System.Runtime.Serialization;

namespace ActorStreams;

/// <summary>
/// The base of every error ActorStreams reports. <see cref="ErrorCode"/> is the Kinesis error code
/// (the <c>__type</c> of the wire protocol), so a caller can map it one to one.
/// </summary>
public abstract class ActorStreamsException : Exception
{
    /// <summary>Creates an exception with a message that names the argument and the limit it broke.</summary>
    protected ActorStreamsException(string message) : base(message) { }

    // The message of an exception that Akka.Remote serialized (Status.Failure across nodes); the error code is the type's.
    private protected static string SerializedMessage(SerializationInfo info) => info.GetString("Message") ?? "";

    /// <summary>The Kinesis error code, for example <c>ResourceNotFoundException</c>.</summary>
    public abstract string ErrorCode { get; }

    /// <summary>Creates the typed exception for a Kinesis error code; unknown codes become <see cref="InternalFailureException"/>.</summary>
    public static ActorStreamsException FromCode(string errorCode, string message) => errorCode switch
    {
        ResourceNotFoundException.Code => new ResourceNotFoundException(message),
        ResourceInUseException.Code => new ResourceInUseException(message),
        InvalidArgumentException.Code => new InvalidArgumentException(message),
        ValidationException.Code => new ValidationException(message),
        ExpiredIteratorException.Code => new ExpiredIteratorException(message),
        LimitExceededException.Code => new LimitExceededException(message),
        ProvisionedThroughputExceededException.Code => new ProvisionedThroughputExceededException(message),
        ServiceUnavailableException.Code => new ServiceUnavailableException(message),
        ConcurrentModificationException.Code => new ConcurrentModificationException(message),
        KmsNotFoundException.Code => new KmsNotFoundException(message),
        KmsAccessDeniedException.Code => new KmsAccessDeniedException(message),
        KmsDisabledException.Code => new KmsDisabledException(message),
        KmsInvalidStateException.Code => new KmsInvalidStateException(message),
        _ => new InternalFailureException(message),
    };
}
