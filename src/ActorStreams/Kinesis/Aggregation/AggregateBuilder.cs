using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace ActorStreams.Kinesis.Aggregation;

/// <summary>
/// Gathers user records into one KPL aggregate, knowing its exact size before each one is added (so a packer can stop
/// under the record limit) and writing it in one allocation at the end. Partition keys and explicit hash keys go into
/// the tables once, however many records share them.
/// </summary>
internal sealed class AggregateBuilder
{
    private readonly Dictionary<string, int> _keyIndexes = new(StringComparer.Ordinal);
    private readonly List<byte[]> _keys = [];
    private readonly Dictionary<string, int> _hashKeyIndexes = new(StringComparer.Ordinal);
    private readonly List<byte[]> _hashKeys = [];
    private readonly List<(int Key, int HashKey, ReadOnlyMemory<byte> Data)> _records = [];
    private int _bodyBytes;

    /// <summary>The user records added.</summary>
    public int Count => _records.Count;

    /// <summary>The size of the aggregate's data as it stands: magic bytes, protobuf and MD5.</summary>
    public int Bytes => KplAggregate.FrameBytes + _bodyBytes;

    /// <summary>The size of the aggregate's data once <paramref name="record"/> is added.</summary>
    public long BytesWith(PutRecordsEntry record)
    {
        long growth = 0;
        // An aggregated user record always has its key (KinesisAggregation.Aggregate checks it on the way in).
        var key = record.PartitionKey!;
        var keyIndex = _keyIndexes.TryGetValue(key, out var k) ? k : -1;
        if (keyIndex < 0)
        {
            keyIndex = _keys.Count;
            growth += FieldBytes(Encoding.UTF8.GetByteCount(key));
        }
        var hashKeyIndex = -1;
        if (record.ExplicitHashKey is { } hashKey)
        {
            hashKeyIndex = _hashKeyIndexes.TryGetValue(hashKey, out var h) ? h : _hashKeys.Count;
            if (!_hashKeyIndexes.ContainsKey(hashKey)) growth += FieldBytes(Encoding.UTF8.GetByteCount(hashKey));
        }
        growth += FieldBytes(RecordBytes(keyIndex, hashKeyIndex, record.Data.Length));
        return Bytes + growth;
    }

    public void Add(PutRecordsEntry record)
    {
        var partitionKey = record.PartitionKey!;
        if (!_keyIndexes.TryGetValue(partitionKey, out var keyIndex))
        {
            keyIndex = _keys.Count;
            var key = Encoding.UTF8.GetBytes(partitionKey);
            _keys.Add(key);
            _keyIndexes.Add(partitionKey, keyIndex);
            _bodyBytes = checked(_bodyBytes + FieldBytes(key.Length));
        }
        var hashKeyIndex = -1;
        if (record.ExplicitHashKey is { } hashKeyText && !_hashKeyIndexes.TryGetValue(hashKeyText, out hashKeyIndex))
        {
            hashKeyIndex = _hashKeys.Count;
            var hashKey = Encoding.UTF8.GetBytes(hashKeyText);
            _hashKeys.Add(hashKey);
            _hashKeyIndexes.Add(hashKeyText, hashKeyIndex);
            _bodyBytes = checked(_bodyBytes + FieldBytes(hashKey.Length));
        }
        _records.Add((keyIndex, hashKeyIndex, record.Data));
        _bodyBytes = checked(_bodyBytes + FieldBytes(RecordBytes(keyIndex, hashKeyIndex, record.Data.Length)));
    }

    /// <summary>The aggregate's data: magic bytes, <c>AggregatedRecord</c> (key tables, then records), MD5.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Bytes];
        KplAggregate.MagicBytes.CopyTo(bytes);
        var body = bytes.AsSpan(KplAggregate.MagicLength, _bodyBytes);
        var at = 0;
        foreach (var key in _keys) WriteBytesField(body, ref at, KplAggregate.PartitionKeyTableField, key);
        foreach (var hashKey in _hashKeys) WriteBytesField(body, ref at, KplAggregate.ExplicitHashKeyTableField, hashKey);
        foreach (var (key, hashKey, data) in _records)
        {
            WriteTag(body, ref at, KplAggregate.RecordsField, LengthDelimited);
            WriteVarint(body, ref at, (ulong)RecordBytes(key, hashKey, data.Length));
            WriteTag(body, ref at, KplAggregate.PartitionKeyIndexField, Varint);
            WriteVarint(body, ref at, (ulong)key);
            if (hashKey >= 0)
            {
                WriteTag(body, ref at, KplAggregate.ExplicitHashKeyIndexField, Varint);
                WriteVarint(body, ref at, (ulong)hashKey);
            }
            WriteBytesField(body, ref at, KplAggregate.DataField, data.Span);
        }
        Debug.Assert(at == _bodyBytes, "The aggregate's size was computed wrong.");
        MD5.HashData(body, bytes.AsSpan(KplAggregate.MagicLength + _bodyBytes));
        return bytes;
    }

    private const int Varint = 0;
    private const int LengthDelimited = 2;

    // Every field number of the schema is below 16: its tag is one byte.
    private const int TagBytes = 1;

    /// <summary>A length-delimited field holding <paramref name="length"/> bytes: tag, length, bytes.</summary>
    private static int FieldBytes(int length) => checked(TagBytes + VarintBytes((ulong)length) + length);

    /// <summary>The bytes of one <c>Record</c> message.</summary>
    private static int RecordBytes(int keyIndex, int hashKeyIndex, int dataLength) =>
        TagBytes + VarintBytes((ulong)keyIndex)
        + (hashKeyIndex >= 0 ? TagBytes + VarintBytes((ulong)hashKeyIndex) : 0)
        + FieldBytes(dataLength);

    private static int VarintBytes(ulong value)
    {
        var bytes = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            bytes++;
        }
        return bytes;
    }

    private static void WriteTag(Span<byte> buffer, ref int at, int field, int wireType) => buffer[at++] = (byte)((field << 3) | wireType);

    private static void WriteVarint(Span<byte> buffer, ref int at, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[at++] = (byte)value;
    }

    private static void WriteBytesField(Span<byte> buffer, ref int at, int field, ReadOnlySpan<byte> bytes)
    {
        WriteTag(buffer, ref at, field, LengthDelimited);
        WriteVarint(buffer, ref at, (ulong)bytes.Length);
        bytes.CopyTo(buffer[at..]);
        at += bytes.Length;
    }
}
