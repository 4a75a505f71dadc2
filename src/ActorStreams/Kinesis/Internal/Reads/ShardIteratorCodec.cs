using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ActorStreams.Kinesis.Internal.Reads;

/// <summary>What a shard iterator says: which shard of which incarnation of a stream, where, since when.</summary>
internal readonly record struct ShardIteratorState(string StreamName, long Epoch, int ShardIndex, SequenceNumber Position, long MinTimestampMs, long IssuedAtMs);

/// <summary>
/// Shard iterators are opaque to clients: a binary layout, signed with HMAC-SHA256 (truncated to 16 bytes) under
/// the configured secret, in URL-safe base64. Tampered, truncated or foreign iterators are rejected.
/// </summary>
internal sealed class ShardIteratorCodec
{
    /// <summary>
    /// How far in the future an iterator's issue time may be: the clock differences between the nodes of a cluster
    /// (an iterator issued by one node is read on another). Later than that, it was not issued by this service.
    /// </summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(5);

    private const byte Version = 1;
    private const int MacLength = 16;
    private readonly byte[] _key;

    public ShardIteratorCodec(string secret) => _key = SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public string Encode(ShardIteratorState s)
    {
        var nameBytes = Encoding.UTF8.GetBytes(s.StreamName);
        var body = new byte[1 + 1 + nameBytes.Length + 8 + 4 + 8 + 4 + 8 + 8];
        var span = body.AsSpan();
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
        var mac = HMACSHA256.HashData(_key, body).AsSpan(0, MacLength);
        var all = new byte[body.Length + MacLength];
        body.CopyTo(all, 0);
        mac.CopyTo(all.AsSpan(body.Length));
        return Convert.ToBase64String(all).TrimEnd('=').Replace('+', '-').Replace('/', '_');
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
        if (all.Length < 2 + 8 + 4 + 8 + 4 + 8 + 8 + MacLength || all[0] != Version) throw Invalid();
        var body = all.AsSpan(0, all.Length - MacLength);
        var expected = HMACSHA256.HashData(_key, body).AsSpan(0, MacLength);
        if (!CryptographicOperations.FixedTimeEquals(expected, all.AsSpan(all.Length - MacLength))) throw Invalid();
        int nameLength = body[1];
        if (body.Length != 2 + nameLength + 40) throw Invalid();
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

    private static bool IsStreamName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    // AWS's wording; it says no more about why (truncated, altered, or issued by another deployment).
    private static InvalidArgumentException Invalid() => new("Invalid ShardIterator.");
}
