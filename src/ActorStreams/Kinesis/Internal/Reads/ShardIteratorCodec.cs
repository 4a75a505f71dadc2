using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ActorStreams.Kinesis.Internal.Reads;

/// <summary>What a shard iterator says: which shard of which incarnation of a stream, where, since when.</summary>
internal readonly record struct ShardIteratorState(string StreamName, long Epoch, int ShardIndex, SequenceNumber Position, long MinTimestampMs, long IssuedAtMs);

/// <summary>
/// Shard iterators are opaque to clients, shaped as AWS's are outwardly: standard base64 of 8 bytes
/// <c>00 00 00 00 00 00 00 01</c>, then blocks of 16 bytes holding a binary layout (version 2), zero padding and an
/// HMAC-SHA256 (truncated to 16 bytes) under the configured secret over everything before it. Tampered, truncated or
/// foreign iterators are rejected; the URL-safe form of earlier builds (version 1) is still read.
/// </summary>
internal sealed class ShardIteratorCodec
{
    /// <summary>
    /// How far in the future an iterator's issue time may be: the clock differences between the nodes of a cluster
    /// (an iterator issued by one node is read on another). Later than that, it was not issued by this service.
    /// </summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(5);

    private const byte LegacyVersion = 1;
    private const byte Version = 2;
    private const int MacLength = 16;
    private const int HeaderLength = 8;
    private const int Block = 16;
    private const int FixedFields = 8 + 4 + 8 + 4 + 8 + 8;
    private static ReadOnlySpan<byte> Header => [0, 0, 0, 0, 0, 0, 0, 1];
    private readonly byte[] _key;

    public ShardIteratorCodec(string secret) => _key = SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public string Encode(ShardIteratorState s)
    {
        var nameBytes = Encoding.UTF8.GetBytes(s.StreamName);
        var bodyLength = 2 + nameBytes.Length + FixedFields;
        // Header, then body, zero padding and the MAC in whole blocks.
        var blocks = (bodyLength + MacLength + Block - 1) / Block;
        var all = new byte[HeaderLength + blocks * Block];
        Header.CopyTo(all);
        var span = all.AsSpan(HeaderLength);
        span[0] = Version;
        span[1] = (byte)nameBytes.Length;
        nameBytes.CopyTo(span[2..]);
        var p = 2 + nameBytes.Length;
        BinaryPrimitives.WriteInt64BigEndian(span[p..], s.Epoch); p += 8;
        BinaryPrimitives.WriteInt32BigEndian(span[p..], s.ShardIndex); p += 4;
        BinaryPrimitives.WriteInt64BigEndian(span[p..], s.Position.EventNo); p += 8;
        BinaryPrimitives.WriteInt32BigEndian(span[p..], s.Position.Index); p += 4;
        BinaryPrimitives.WriteInt64BigEndian(span[p..], s.MinTimestampMs); p += 8;
        BinaryPrimitives.WriteInt64BigEndian(span[p..], s.IssuedAtMs);
        HMACSHA256.HashData(_key, all.AsSpan(0, all.Length - MacLength)).AsSpan(0, MacLength).CopyTo(all.AsSpan(all.Length - MacLength));
        return Convert.ToBase64String(all);
    }

    public ShardIteratorState Decode(string? iterator)
    {
        if (string.IsNullOrEmpty(iterator) || iterator.Length > 512)
            throw Invalid();
        byte[] all;
        try
        {
            var b64 = iterator.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            all = Convert.FromBase64String(b64);
        }
        catch (FormatException)
        {
            throw Invalid();
        }
        ReadOnlySpan<byte> body;
        if (all.Length > HeaderLength && all.AsSpan(0, HeaderLength).SequenceEqual(Header))
        {
            if ((all.Length - HeaderLength) % Block != 0 || all.Length < HeaderLength + 2 + FixedFields + MacLength || all[HeaderLength] != Version)
                throw Invalid();
            if (!MacHolds(all)) throw Invalid();
            var bodyLength = 2 + all[HeaderLength + 1] + FixedFields;
            var padding = all.Length - HeaderLength - MacLength - bodyLength;
            if (padding is < 0 or >= Block) throw Invalid();
            body = all.AsSpan(HeaderLength, bodyLength);
        }
        else
        {
            // Version 1: body and MAC, URL-safe base64 without padding.
            if (all.Length < 2 + FixedFields + MacLength || all[0] != LegacyVersion || !MacHolds(all)) throw Invalid();
            body = all.AsSpan(0, all.Length - MacLength);
            if (body.Length != 2 + body[1] + FixedFields) throw Invalid();
        }
        int nameLength = body[1];
        var name = Encoding.UTF8.GetString(body.Slice(2, nameLength));
        // Signed by us, so this holds unless the secret leaked; then it keeps a forged name out of entity ids.
        if (nameLength > KinesisLimits.MaxStreamNameLength || !IsStreamName(name)) throw Invalid();
        var p = 2 + nameLength;
        var epoch = BinaryPrimitives.ReadInt64BigEndian(body[p..]); p += 8;
        var shard = BinaryPrimitives.ReadInt32BigEndian(body[p..]); p += 4;
        var eventNo = BinaryPrimitives.ReadInt64BigEndian(body[p..]); p += 8;
        var index = BinaryPrimitives.ReadInt32BigEndian(body[p..]); p += 4;
        var minTs = BinaryPrimitives.ReadInt64BigEndian(body[p..]); p += 8;
        var issued = BinaryPrimitives.ReadInt64BigEndian(body[p..]);
        return new ShardIteratorState(name, epoch, shard, new SequenceNumber(eventNo, index), minTs, issued);
    }

    private bool MacHolds(byte[] all)
    {
        var expected = HMACSHA256.HashData(_key, all.AsSpan(0, all.Length - MacLength)).AsSpan(0, MacLength);
        return CryptographicOperations.FixedTimeEquals(expected, all.AsSpan(all.Length - MacLength));
    }

    private static bool IsStreamName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    // AWS's wording; it says no more about why (truncated, altered, or issued by another deployment).
    private static InvalidArgumentException Invalid() => new("Invalid ShardIterator.");
}
