using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace ActorStreams.TestSupport;

/// <summary>
/// Reads event stream messages off a response body, checking what a client checks: the prelude's CRC-32, the
/// lengths, and the message CRC-32. Its CRC-32 is computed bit by bit, independent of the server's table.
/// </summary>
public sealed class EventStreamReader(Stream body)
{
    /// <summary>The next message, or null at the end of the body (only at a message boundary).</summary>
    public async Task<EventStreamMessage?> ReadAsync(CancellationToken cancellationToken = default)
    {
        var prelude = new byte[12];
        var first = await body.ReadAtLeastAsync(prelude, prelude.Length, throwOnEndOfStream: false, cancellationToken);
        if (first == 0) return null;
        Assert.True(first == prelude.Length, $"the body ended inside a prelude ({first} bytes)");
        var total = BinaryPrimitives.ReadUInt32BigEndian(prelude);
        var headersLength = BinaryPrimitives.ReadUInt32BigEndian(prelude.AsSpan(4));
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(prelude.AsSpan(8)), Crc32(prelude.AsSpan(0, 8)));
        Assert.InRange(total, 16u, 16u * 1024 * 1024);
        Assert.InRange(headersLength, 0u, total - 16);

        var message = new byte[total];
        prelude.CopyTo(message, 0);
        await body.ReadExactlyAsync(message.AsMemory(12), cancellationToken);
        var crcAt = (int)total - 4;
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(crcAt)), Crc32(message.AsSpan(0, crcAt)));

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        var at = 12;
        var end = 12 + (int)headersLength;
        while (at < end)
        {
            var nameLength = message[at++];
            var name = Encoding.UTF8.GetString(message, at, nameLength);
            at += nameLength;
            var type = message[at++];
            Assert.True(type == 7, $"header {name} has value type {type}, expected 7 (string)");
            var valueLength = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(at));
            at += 2;
            headers.Add(name, Encoding.UTF8.GetString(message, at, valueLength));
            at += valueLength;
        }
        Assert.Equal(end, at);
        return new EventStreamMessage(headers, message[end..crcAt]);
    }

    /// <summary>CRC-32 (IEEE 802.3), bit by bit.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }
}
