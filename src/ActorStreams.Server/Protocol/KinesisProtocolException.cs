namespace ActorStreams.Server.Protocol;

/// <summary>An error the wire protocol itself raises (bad body, unknown operation), before the runtime is asked.</summary>
internal sealed class KinesisProtocolException(string errorCode, string message, int statusCode = StatusCodes.Status400BadRequest)
    : Exception(message)
{
    public const string Serialization = "SerializationException";
    public const string UnknownOperation = "UnknownOperationException";
    public const string ExpiredNextToken = "ExpiredNextTokenException";

    public string ErrorCode { get; } = errorCode;

    public int StatusCode { get; } = statusCode;

    public static KinesisProtocolException BadBody(string message) => new(Serialization, message);
}
