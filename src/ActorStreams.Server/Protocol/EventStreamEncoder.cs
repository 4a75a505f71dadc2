using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// Writes messages of the AWS event stream encoding (<c>application/vnd.amazon.eventstream</c>), the response body of
/// SubscribeToShard. A message is a 12-byte prelude (total length, headers length, both u32 big-endian, then the
/// CRC-32 of those 8 bytes), the headers, the payload, and the CRC-32 (IEEE 802.3, the platform's
/// <see cref="Crc32"/>) of everything before it. Each header is a
/// name (u8 length, UTF-8), a type byte and a value; only string values (type 7, u16 big-endian length) are written.
/// </summary>
internal static class EventStreamEncoder
{
    public const string ContentType = "application/vnd.amazon.eventstream";

    /// <summary>The largest message the encoding allows (16 MiB), and the largest headers section (128 KiB).</summary>
    public const int MaxMessageBytes = 16 * 1024 * 1024;

    /// <inheritdoc cref="MaxMessageBytes"/>
    public const int MaxHeadersBytes = 128 * 1024;

    private const int PreludeBytes = 12;
    private const int CrcBytes = 4;
    private const byte StringType = 7;

    /// <summary>An event: <c>:message-type event</c> with its <c>:event-type</c> and <c>:content-type</c>.</summary>
    public static void WriteEvent(IBufferWriter<byte> output, string eventType, string contentType, ReadOnlySpan<byte> payload) =>
        Write(output, [(":message-type", "event"), (":event-type", eventType), (":content-type", contentType)], payload);

    /// <summary>A modeled error that ends the stream: <c>:message-type exception</c> with its <c>:exception-type</c>.</summary>
    public static void WriteException(IBufferWriter<byte> output, string exceptionType, string contentType, ReadOnlySpan<byte> payload) =>
        Write(output, [(":message-type", "exception"), (":exception-type", exceptionType), (":content-type", contentType)], payload);

    /// <summary>One message with string headers, in the order given.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<(string Name, string Value)> headers, ReadOnlySpan<byte> payload)
    {
        var headersLength = 0;
        foreach (var (name, value) in headers)
        {
            var nameBytes = Encoding.UTF8.GetByteCount(name);
            var valueBytes = Encoding.UTF8.GetByteCount(value);
            if (nameBytes is 0 or > byte.MaxValue) throw new ArgumentException($"Header name '{name}' must be 1 to 255 bytes.", nameof(headers));
            if (valueBytes > ushort.MaxValue) throw new ArgumentException($"Header {name} is longer than {ushort.MaxValue} bytes.", nameof(headers));
            headersLength += 1 + nameBytes + 1 + 2 + valueBytes;
        }
        if (headersLength > MaxHeadersBytes) throw new ArgumentException($"Headers of {headersLength} bytes exceed {MaxHeadersBytes}.", nameof(headers));
        var total = (long)PreludeBytes + headersLength + payload.Length + CrcBytes;
        if (total > MaxMessageBytes)
            throw new ArgumentException($"An event stream message of {total} bytes exceeds the {MaxMessageBytes}-byte limit.", nameof(payload));

        var span = output.GetSpan((int)total)[..(int)total];
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)headersLength);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], Crc32.HashToUInt32(span[..8]));
        var at = PreludeBytes;
        foreach (var (name, value) in headers)
        {
            var nameLength = Encoding.UTF8.GetBytes(name, span[(at + 1)..]);
            span[at] = (byte)nameLength;
            at += 1 + nameLength;
            span[at++] = StringType;
            var valueLength = Encoding.UTF8.GetBytes(value, span[(at + 2)..]);
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)valueLength);
            at += 2 + valueLength;
        }
        payload.CopyTo(span[at..]);
        at += payload.Length;
        BinaryPrimitives.WriteUInt32BigEndian(span[at..], Crc32.HashToUInt32(span[..at]));
        output.Advance((int)total);
    }
}
