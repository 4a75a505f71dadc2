using System.Text;

namespace ActorStreams.TestSupport;

/// <summary>One decoded <c>application/vnd.amazon.eventstream</c> message.</summary>
public sealed record EventStreamMessage(IReadOnlyDictionary<string, string> Headers, byte[] Payload)
{
    public string MessageType => Headers[":message-type"];

    public string? EventType => Headers.GetValueOrDefault(":event-type");

    public string? ExceptionType => Headers.GetValueOrDefault(":exception-type");

    public string PayloadText => Encoding.UTF8.GetString(Payload);
}
