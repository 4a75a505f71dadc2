using System.Security.Cryptography;
using System.Text;

namespace ActorStreams.Kinesis.Aggregation;

/// <summary>
/// The aggregated-record format of the Kinesis Producer Library (KPL), which the KCL, Firehose and the aggregation
/// libraries (<c>aws-kinesis-agg</c>) read: the magic bytes <c>F3 89 9A C2</c>, a protobuf <c>AggregatedRecord</c>
/// (a table of partition keys, a table of explicit hash keys, and the user records, each naming its keys by index),
/// then the MD5 of the protobuf bytes. One Kinesis record carries many small user records this way.
/// </summary>
/// <remarks>
/// Reading is as lenient as the KCL's: a record without the magic bytes, or with them but a wrong MD5, a protobuf that
/// does not parse, a key index out of its table or no records at all, is one user record, unchanged. Nothing read from the record sizes
/// an allocation: every count and length is bounded by the record's own bytes.
/// </remarks>
public static class KplAggregate
{
    internal const int MagicLength = 4;
    internal const int DigestLength = 16;

    /// <summary>The bytes around the protobuf: the magic bytes before it and the MD5 after it.</summary>
    internal const int FrameBytes = MagicLength + DigestLength;

    // Field numbers of the protobuf messages (AggregatedRecord, Record, Tag).
    internal const int PartitionKeyTableField = 1;
    internal const int ExplicitHashKeyTableField = 2;
    internal const int RecordsField = 3;
    internal const int PartitionKeyIndexField = 1;
    internal const int ExplicitHashKeyIndexField = 2;
    internal const int DataField = 3;
    internal const int TagsField = 4;
    private const int TagKeyField = 1;

    /// <summary>The four bytes an aggregated record starts with: <c>F3 89 9A C2</c>.</summary>
    public static ReadOnlySpan<byte> MagicBytes => [0xF3, 0x89, 0x9A, 0xC2];

    /// <summary>
    /// Whether <paramref name="data"/> starts with the magic bytes and is long enough to hold the MD5: it claims to be
    /// an aggregate (whether it is one shows when it is read).
    /// </summary>
    public static bool HasMagicBytes(ReadOnlySpan<byte> data) => data.Length >= FrameBytes && data.StartsWith(MagicBytes);

    /// <summary>
    /// The user records of a Kinesis record, in the order they were aggregated, each with its own partition key,
    /// explicit hash key and sub-sequence number; a record that is not a well-formed aggregate is one user record,
    /// unchanged (sub-sequence number 0, not <see cref="UserRecord.Aggregated"/>); so is an aggregate of no records.
    /// </summary>
    public static IReadOnlyList<UserRecord> Deaggregate(StreamRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!HasMagicBytes(record.Data.Span))
            return [AsUserRecord(record)];
        var decoded = new List<DecodedUserRecord>();
        if (!TryDecode(record.Data, decoded))
            return [AsUserRecord(record)];
        var users = new UserRecord[decoded.Count];
        for (var i = 0; i < users.Length; i++)
        {
            var d = decoded[i];
            users[i] = new UserRecord(record.ShardId, record.SequenceNumber, i, record.ApproximateArrivalTimestamp, d.Data, d.PartitionKey,
                d.ExplicitHashKey, Aggregated: true);
        }
        return users;
    }

    /// <summary>
    /// The data of one aggregated record holding <paramref name="records"/> in their order: put it with a partition key
    /// (by convention the first user record's) and, to choose its shard, an explicit hash key. It is at most
    /// <see cref="KinesisLimits.DefaultMaxRecordSizeBytes"/> with its partition key only when the user records are
    /// small enough: <see cref="Dsl.KinesisAggregation.Aggregate"/> packs a stream of them under the limit.
    /// </summary>
    public static byte[] Encode(IReadOnlyList<PutRecordsEntry> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var builder = new AggregateBuilder();
        foreach (var record in records)
        {
            ArgumentNullException.ThrowIfNull(record, nameof(records));
            builder.Add(record);
        }
        return builder.ToArray();
    }

    private static UserRecord AsUserRecord(StreamRecord record) =>
        new(record.ShardId, record.SequenceNumber, 0, record.ApproximateArrivalTimestamp, record.Data, record.PartitionKey, null, Aggregated: false);

    /// <summary>
    /// Reads an aggregate into <paramref name="records"/> (their data are slices of <paramref name="data"/>); false, with
    /// <paramref name="records"/> empty, when <paramref name="data"/> is not a well-formed aggregate.
    /// </summary>
    internal static bool TryDecode(ReadOnlyMemory<byte> data, List<DecodedUserRecord> records)
    {
        records.Clear();
        var span = data.Span;
        if (!HasMagicBytes(span)) return false;
        var body = data[MagicLength..^DigestLength];
        Span<byte> digest = stackalloc byte[DigestLength];
        MD5.HashData(body.Span, digest);
        if (!digest.SequenceEqual(span[^DigestLength..])) return false;
        if (TryParse(body, records)) return true;
        records.Clear();
        return false;
    }

    private static bool TryParse(ReadOnlyMemory<byte> body, List<DecodedUserRecord> records)
    {
        // Lists grow with what was read, never with a count the input declares: each entry costs at least two bytes.
        var keys = new List<string>();
        var hashKeys = new List<string>();
        var entries = new List<Entry>();
        var reader = new WireReader(body.Span);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wireType)) return false;
            switch (field, wireType)
            {
                case (PartitionKeyTableField, WireReader.LengthDelimited):
                    if (!reader.TryReadLengthDelimited(out var key, out _)) return false;
                    keys.Add(Encoding.UTF8.GetString(key));
                    break;
                case (ExplicitHashKeyTableField, WireReader.LengthDelimited):
                    if (!reader.TryReadLengthDelimited(out var hashKey, out _)) return false;
                    hashKeys.Add(Encoding.UTF8.GetString(hashKey));
                    break;
                case (RecordsField, WireReader.LengthDelimited):
                    if (!reader.TryReadLengthDelimited(out var record, out var offset) || !TryParseRecord(record, offset, out var entry)) return false;
                    entries.Add(entry);
                    break;
                default:
                    if (!reader.TrySkip(wireType)) return false;
                    break;
            }
        }
        // No producer writes an aggregate of nothing; read as one, it would leave its record without a user record to
        // commit (a consumer application could never finish its shard).
        if (entries.Count == 0) return false;
        foreach (var entry in entries)
        {
            if (entry.KeyIndex >= (ulong)keys.Count) return false;
            string? hashKey = null;
            if (entry.HashKeyIndex is { } h)
            {
                if (h >= (ulong)hashKeys.Count) return false;
                hashKey = hashKeys[(int)h];
            }
            records.Add(new DecodedUserRecord(keys[(int)entry.KeyIndex], hashKey, body.Slice(entry.DataOffset, entry.DataLength)));
        }
        return true;
    }

    /// <summary>One <c>Record</c> message; <paramref name="start"/> is where it begins in the body, to slice its data.</summary>
    private static bool TryParseRecord(ReadOnlySpan<byte> message, int start, out Entry entry)
    {
        entry = default;
        ulong? keyIndex = null, hashKeyIndex = null;
        int dataOffset = -1, dataLength = 0;
        var reader = new WireReader(message);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wireType)) return false;
            switch (field, wireType)
            {
                case (PartitionKeyIndexField, WireReader.Varint):
                    if (!reader.TryReadVarint(out var k)) return false;
                    keyIndex = k;
                    break;
                case (ExplicitHashKeyIndexField, WireReader.Varint):
                    if (!reader.TryReadVarint(out var h)) return false;
                    hashKeyIndex = h;
                    break;
                case (DataField, WireReader.LengthDelimited):
                    if (!reader.TryReadLengthDelimited(out var data, out var offset)) return false;
                    dataOffset = start + offset;
                    dataLength = data.Length;
                    break;
                case (TagsField, WireReader.LengthDelimited):
                    if (!reader.TryReadLengthDelimited(out var tag, out _) || !IsTag(tag)) return false;
                    break;
                default:
                    if (!reader.TrySkip(wireType)) return false;
                    break;
            }
        }
        // partition_key_index and data are required.
        if (keyIndex is not { } key || dataOffset < 0) return false;
        entry = new Entry(key, hashKeyIndex, dataOffset, dataLength);
        return true;
    }

    /// <summary>A <c>Tag</c> message is well formed and has its required key. Tags are read past, not kept.</summary>
    private static bool IsTag(ReadOnlySpan<byte> message)
    {
        var hasKey = false;
        var reader = new WireReader(message);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wireType)) return false;
            if (field == TagKeyField && wireType == WireReader.LengthDelimited) hasKey = true;
            if (!reader.TrySkip(wireType)) return false;
        }
        return hasKey;
    }

    private readonly record struct Entry(ulong KeyIndex, ulong? HashKeyIndex, int DataOffset, int DataLength);

    /// <summary>
    /// A reader of protobuf's wire format over a span: every length is checked against the bytes left before it is used.
    /// Groups (wire types 3 and 4, not in this schema) are refused.
    /// </summary>
    private ref struct WireReader(ReadOnlySpan<byte> buffer)
    {
        public const int Varint = 0;
        public const int Fixed64 = 1;
        public const int LengthDelimited = 2;
        public const int Fixed32 = 5;
        private const int MaxVarintBytes = 10;

        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _position;

        public readonly bool AtEnd => _position >= _buffer.Length;

        public bool TryReadTag(out int field, out int wireType)
        {
            field = 0;
            wireType = 0;
            if (!TryReadVarint(out var tag) || tag > int.MaxValue) return false;
            field = (int)(tag >> 3);
            wireType = (int)(tag & 7);
            return field > 0;
        }

        public bool TryReadVarint(out ulong value)
        {
            value = 0;
            for (var i = 0; i < MaxVarintBytes; i++)
            {
                if (_position >= _buffer.Length) return false;
                var b = _buffer[_position++];
                // The tenth byte holds only the 64th bit.
                if (i == MaxVarintBytes - 1 && b > 1) return false;
                value |= (ulong)(b & 0x7F) << (7 * i);
                if (b < 0x80) return true;
            }
            return false;
        }

        /// <summary>A length-prefixed field: its bytes and where they start in the buffer.</summary>
        public bool TryReadLengthDelimited(out ReadOnlySpan<byte> bytes, out int offset)
        {
            bytes = default;
            offset = 0;
            if (!TryReadVarint(out var length) || length > (ulong)(_buffer.Length - _position)) return false;
            offset = _position;
            bytes = _buffer.Slice(_position, (int)length);
            _position += (int)length;
            return true;
        }

        public bool TrySkip(int wireType)
        {
            switch (wireType)
            {
                case Varint:
                    return TryReadVarint(out _);
                case LengthDelimited:
                    return TryReadLengthDelimited(out _, out _);
                case Fixed64:
                case Fixed32:
                    var width = wireType == Fixed64 ? 8 : 4;
                    if (_buffer.Length - _position < width) return false;
                    _position += width;
                    return true;
                default:
                    return false;
            }
        }
    }
}
