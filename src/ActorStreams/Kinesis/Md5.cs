using System.Buffers.Binary;
using System.Numerics;

namespace ActorStreams.Kinesis;

/// <summary>
/// MD5 (RFC 1321) of a short input, in managed code, for <see cref="HashKey.OfPartitionKey"/>: every record put pays
/// one, and a partition key is at most 256 characters. <c>System.Security.Cryptography.MD5.HashData</c> goes through
/// OpenSSL's EVP interface on Linux, whose per-call set-up and error-queue bookkeeping cost several times the hash of
/// a one-block input (7 % of the HTTP server's CPU under PutRecords in a perf profile). Not for security: it is the
/// partition-key hash Kinesis specifies. <c>Md5Spec</c> checks it against the platform's MD5.
/// </summary>
internal static class Md5
{
    // K[i] = floor(|sin(i + 1)| * 2^32), as RFC 1321 defines the table.
    private static readonly uint[] K = BuildK();

    // Per-step shift amounts and message-word indexes of the four rounds.
    private static readonly int[] Shift =
    [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];

    private static readonly int[] Word = BuildWordIndexes();

    private static uint[] BuildK()
    {
        var k = new uint[64];
        for (var i = 0; i < 64; i++) k[i] = (uint)(long)Math.Floor(Math.Abs(Math.Sin(i + 1)) * 4294967296.0);
        return k;
    }

    private static int[] BuildWordIndexes()
    {
        var g = new int[64];
        for (var i = 0; i < 64; i++)
            g[i] = (i / 16) switch
            {
                0 => i,
                1 => (5 * i + 1) % 16,
                2 => (3 * i + 5) % 16,
                _ => 7 * i % 16,
            };
        return g;
    }

    /// <summary>The 16-byte digest of <paramref name="data"/>, written to <paramref name="digest"/>.</summary>
    public static void HashData(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        if (digest.Length < 16) throw new ArgumentException("The digest needs 16 bytes.", nameof(digest));
        uint a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
        var full = data.Length & ~63;
        for (var offset = 0; offset < full; offset += 64) Compress(data.Slice(offset, 64), ref a, ref b, ref c, ref d);

        // The tail, the 0x80 marker, zero padding and the length in bits (little-endian): one block or two.
        Span<byte> tail = stackalloc byte[128];
        tail.Clear();
        var rest = data[full..];
        rest.CopyTo(tail);
        tail[rest.Length] = 0x80;
        var tailLength = rest.Length < 56 ? 64 : 128;
        BinaryPrimitives.WriteUInt64LittleEndian(tail[(tailLength - 8)..], (ulong)data.Length * 8);
        Compress(tail[..64], ref a, ref b, ref c, ref d);
        if (tailLength == 128) Compress(tail[64..], ref a, ref b, ref c, ref d);

        BinaryPrimitives.WriteUInt32LittleEndian(digest, a);
        BinaryPrimitives.WriteUInt32LittleEndian(digest[4..], b);
        BinaryPrimitives.WriteUInt32LittleEndian(digest[8..], c);
        BinaryPrimitives.WriteUInt32LittleEndian(digest[12..], d);
    }

    private static void Compress(ReadOnlySpan<byte> block, ref uint a0, ref uint b0, ref uint c0, ref uint d0)
    {
        Span<uint> m = stackalloc uint[16];
        for (var i = 0; i < 16; i++) m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        uint a = a0, b = b0, c = c0, d = d0;
        var k = K;
        var shift = Shift;
        var word = Word;
        for (var i = 0; i < 64; i++)
        {
            uint f = (i >> 4) switch
            {
                0 => (b & c) | (~b & d),
                1 => (d & b) | (~d & c),
                2 => b ^ c ^ d,
                _ => c ^ (b | ~d),
            };
            f += a + k[i] + m[word[i]];
            a = d;
            d = c;
            c = b;
            b += BitOperations.RotateLeft(f, shift[i]);
        }
        a0 += a;
        b0 += b;
        c0 += c;
        d0 += d;
    }
}
