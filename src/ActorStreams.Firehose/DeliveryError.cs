namespace ActorStreams.Firehose;

/// <summary>One failed attempt of a delivery stream: a delivery, a transformation, a backup or an error-output write.</summary>
/// <param name="Timestamp">When the attempt failed.</param>
/// <param name="Destination">What failed: the destination kind (S3, HttpEndpoint, ...), <c>Lambda</c> for the transformation, <c>S3</c> for backup and error output writes.</param>
/// <param name="ErrorCode">The error code, as in the error output (<c>HttpEndpoint.ConnectionFailed</c>, <c>Lambda.FunctionError</c>, ...).</param>
/// <param name="Message">What happened.</param>
public sealed record DeliveryError(DateTimeOffset Timestamp, string Destination, string ErrorCode, string Message);
