using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using ActorStreams.Internal;
using ActorStreams.Streams;
using Akka.Actor;
using Akka.Serialization;

namespace ActorStreams.Serialization;

/// <summary>
/// The compact binary format of every ActorStreams event and snapshot. Record payloads are written as raw bytes
/// (never JSON) and read back as slices of the stored blob, so a journal read allocates once per event, not per record.
/// </summary>
public sealed class ActorStreamsSerializer : SerializerWithStringManifest
{
    internal const string RecordsAppendedManifest = "RA";
    private const string ShardInitializedManifest = "SI";
    private const string ShardRetentionChangedManifest = "SR";
    private const string ShardRetiredManifest = "SX";
    // "SS" snapshots were written before shards could be closed by resharding; they are still read.
    private const string StreamShardSnapshotWithoutClosedManifest = "SS";
    // "S2" snapshots were written before shards could be encrypted; they are still read.
    private const string StreamShardSnapshotWithoutKeyManifest = "S2";
    private const string StreamShardSnapshotManifest = "S3";
    internal const string EncryptedRecordsAppendedManifest = "RE";
    private const string ShardEncryptionChangedManifest = "SE";
    private const string StreamEncryptionChangedManifest = "CE";
    private const string ShardClosedManifest = "SC";
    private const string StreamCreatedManifest = "CC";
    private const string StreamActivatedManifest = "CA";
    private const string StreamDeletionStartedManifest = "CD";
    private const string StreamDeletedManifest = "CX";
    private const string StreamRetentionChangedManifest = "CR";
    private const string StreamTagsAddedManifest = "CT";
    private const string StreamTagsRemovedManifest = "CU";
    private const string ConsumerRegisteredManifest = "CG";
    private const string ConsumerDeregisteredManifest = "CN";
    private const string ConsumerTagsAddedManifest = "CV";
    private const string ConsumerTagsRemovedManifest = "CW";
    // Older catalog snapshots are still read: "CS" was written before streams had consumers, "C2" before consumers
    // had tags and shards their opening and closing times.
    private const string CatalogSnapshotWithoutConsumersManifest = "CS";
    private const string CatalogSnapshotWithoutConsumerTagsManifest = "C2";
    // "C3": consumer tags, shard opening/closing times, a resharding under way and recent UpdateShardCount times;
    // still read. "C4" adds each stream's encryption key id.
    private const string CatalogSnapshotWithoutEncryptionManifest = "C3";
    private const string CatalogSnapshotManifest = "C4";
    private const string ReshardStartedManifest = "CP";
    private const string ReshardStepCompletedManifest = "CQ";
    private const string ClosedShardRemovedManifest = "CY";
    private const string StreamModeChangedManifest = "CO";

    /// <summary>Created by Akka's serialization extension.</summary>
    public ActorStreamsSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 7117;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        RecordsAppended => RecordsAppendedManifest,
        EncryptedRecordsAppended => EncryptedRecordsAppendedManifest,
        ShardEncryptionChanged => ShardEncryptionChangedManifest,
        StreamEncryptionChanged => StreamEncryptionChangedManifest,
        ShardInitialized => ShardInitializedManifest,
        ShardRetentionChanged => ShardRetentionChangedManifest,
        ShardRetired => ShardRetiredManifest,
        StreamShardSnapshot => StreamShardSnapshotManifest,
        ShardClosed => ShardClosedManifest,
        ReshardStarted => ReshardStartedManifest,
        ReshardStepCompleted => ReshardStepCompletedManifest,
        ClosedShardRemoved => ClosedShardRemovedManifest,
        StreamModeChanged => StreamModeChangedManifest,
        StreamCreated => StreamCreatedManifest,
        StreamActivated => StreamActivatedManifest,
        StreamDeletionStarted => StreamDeletionStartedManifest,
        StreamDeleted => StreamDeletedManifest,
        StreamRetentionChanged => StreamRetentionChangedManifest,
        StreamTagsAdded => StreamTagsAddedManifest,
        StreamTagsRemoved => StreamTagsRemovedManifest,
        ConsumerRegistered => ConsumerRegisteredManifest,
        ConsumerDeregistered => ConsumerDeregisteredManifest,
        ConsumerTagsAdded => ConsumerTagsAddedManifest,
        ConsumerTagsRemoved => ConsumerTagsRemovedManifest,
        CatalogSnapshot => CatalogSnapshotManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not serialized by {nameof(ActorStreamsSerializer)}"),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        if (obj is RecordsAppended appended) return WriteRecordsAppended(appended);
        if (obj is EncryptedRecordsAppended sealedBatch) return WriteEncryptedRecordsAppended(sealedBatch);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case ShardInitialized e: Write(w, e); break;
                case ShardRetentionChanged e: w.Write(e.RetentionHours); break;
                case ShardRetired e: w.Write(e.RetiredAtMs); break;
                case StreamShardSnapshot s:
                    Write(w, s.Init);
                    w.Write(s.RetentionHours);
                    w.Write(s.TrimHorizonEventNo);
                    w.Write(s.Retired);
                    w.Write(s.LastTimestampMs);
                    w.Write(s.LastRecordEventNo);
                    w.Write(s.IndexEventNos.Length);
                    for (var i = 0; i < s.IndexEventNos.Length; i++)
                    {
                        w.Write(s.IndexEventNos[i]);
                        w.Write(s.IndexTimestampsMs[i]);
                    }
                    w.Write(s.Closed is not null);
                    if (s.Closed is not null) Write(w, s.Closed);
                    WriteOptional(w, s.KeyId);
                    break;
                case ShardEncryptionChanged e: WriteOptional(w, e.KeyId); break;
                case StreamEncryptionChanged e: w.Write(e.Name); WriteOptional(w, e.KeyId); break;
                case ShardClosed e: Write(w, e); break;
                case ReshardStarted e:
                    w.Write(e.Name);
                    WriteOps(w, e.Ops);
                    w.Write(e.ScaledAtMs ?? -1);
                    break;
                case ReshardStepCompleted e:
                    w.Write(e.Name); w.Write(e.ParentEndingEventNo); w.Write(e.AdjacentParentEndingEventNo ?? -1); w.Write(e.CompletedAtMs);
                    break;
                case ClosedShardRemoved e: w.Write(e.Name); w.Write(e.ShardIndex); break;
                case StreamModeChanged e: w.Write(e.Name); w.Write((byte)e.Mode); w.Write(e.AtMs); break;
                case StreamCreated e:
                    w.Write(e.Name); w.Write(e.Epoch); w.Write(e.ShardCount); w.Write((byte)e.Mode); w.Write(e.RetentionHours); w.Write(e.CreatedAtMs);
                    break;
                case StreamActivated e: w.Write(e.Name); break;
                case StreamDeletionStarted e: w.Write(e.Name); break;
                case StreamDeleted e: w.Write(e.Name); break;
                case StreamRetentionChanged e: w.Write(e.Name); w.Write(e.RetentionHours); break;
                case StreamTagsAdded e: w.Write(e.Name); WriteTags(w, e.Tags); break;
                case StreamTagsRemoved e: w.Write(e.Name); WriteKeys(w, e.Keys); break;
                case ConsumerRegistered e: w.Write(e.StreamName); w.Write(e.ConsumerName); w.Write(e.CreatedAtMs); break;
                case ConsumerDeregistered e: w.Write(e.StreamName); w.Write(e.ConsumerName); break;
                case ConsumerTagsAdded e: w.Write(e.StreamName); w.Write(e.ConsumerName); WriteTags(w, e.Tags); break;
                case ConsumerTagsRemoved e: w.Write(e.StreamName); w.Write(e.ConsumerName); WriteKeys(w, e.Keys); break;
                case CatalogSnapshot s:
                    w.Write(s.LastEpoch);
                    w.Write(s.Streams.Length);
                    foreach (var entry in s.Streams) Write(w, entry);
                    break;
                default:
                    throw new ArgumentException($"{obj.GetType()} is not serialized by {nameof(ActorStreamsSerializer)}");
            }
        }
        return stream.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest == RecordsAppendedManifest) return ReadRecordsAppended(bytes);
        if (manifest == EncryptedRecordsAppendedManifest) return ReadEncryptedRecordsAppended(bytes);
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        switch (manifest)
        {
            case ShardInitializedManifest: return ReadShardInitialized(r);
            case ShardRetentionChangedManifest: return new ShardRetentionChanged(r.ReadInt32());
            case ShardRetiredManifest: return new ShardRetired(r.ReadInt64());
            case ShardEncryptionChangedManifest: return new ShardEncryptionChanged(ReadOptional(r));
            case StreamEncryptionChangedManifest: return new StreamEncryptionChanged(r.ReadString(), ReadOptional(r));
            case StreamShardSnapshotManifest or StreamShardSnapshotWithoutKeyManifest or StreamShardSnapshotWithoutClosedManifest:
            {
                var init = ReadShardInitialized(r);
                var retention = r.ReadInt32();
                var trim = r.ReadInt64();
                var retired = r.ReadBoolean();
                var lastTs = r.ReadInt64();
                var lastRecord = r.ReadInt64();
                var n = r.ReadInt32();
                var eventNos = ImmutableArray.CreateBuilder<long>(n);
                var timestamps = ImmutableArray.CreateBuilder<long>(n);
                for (var i = 0; i < n; i++)
                {
                    eventNos.Add(r.ReadInt64());
                    timestamps.Add(r.ReadInt64());
                }
                var closed = manifest != StreamShardSnapshotWithoutClosedManifest && r.ReadBoolean() ? ReadShardClosed(r) : null;
                var key = manifest == StreamShardSnapshotManifest ? ReadOptional(r) : null;
                return new StreamShardSnapshot(init, retention, trim, retired, lastTs, lastRecord, eventNos.MoveToImmutable(), timestamps.MoveToImmutable(),
                    closed, key);
            }
            case ShardClosedManifest: return ReadShardClosed(r);
            case ReshardStartedManifest:
            {
                var name = r.ReadString();
                var ops = ReadOps(r);
                var scaledAt = r.ReadInt64();
                return new ReshardStarted(name, ops, scaledAt < 0 ? null : scaledAt);
            }
            case ReshardStepCompletedManifest:
            {
                var name = r.ReadString();
                var parentEnd = r.ReadInt64();
                var adjacentEnd = r.ReadInt64();
                return new ReshardStepCompleted(name, parentEnd, adjacentEnd < 0 ? null : adjacentEnd, r.ReadInt64());
            }
            case ClosedShardRemovedManifest: return new ClosedShardRemoved(r.ReadString(), r.ReadInt32());
            case StreamModeChangedManifest: return new StreamModeChanged(r.ReadString(), (StreamMode)r.ReadByte(), r.ReadInt64());
            case StreamCreatedManifest:
                return new StreamCreated(r.ReadString(), r.ReadInt64(), r.ReadInt32(), (StreamMode)r.ReadByte(), r.ReadInt32(), r.ReadInt64());
            case StreamActivatedManifest: return new StreamActivated(r.ReadString());
            case StreamDeletionStartedManifest: return new StreamDeletionStarted(r.ReadString());
            case StreamDeletedManifest: return new StreamDeleted(r.ReadString());
            case StreamRetentionChangedManifest: return new StreamRetentionChanged(r.ReadString(), r.ReadInt32());
            case StreamTagsAddedManifest: return new StreamTagsAdded(r.ReadString(), ReadTags(r));
            case StreamTagsRemovedManifest: return new StreamTagsRemoved(r.ReadString(), ReadKeys(r));
            case ConsumerRegisteredManifest: return new ConsumerRegistered(r.ReadString(), r.ReadString(), r.ReadInt64());
            case ConsumerDeregisteredManifest: return new ConsumerDeregistered(r.ReadString(), r.ReadString());
            case ConsumerTagsAddedManifest: return new ConsumerTagsAdded(r.ReadString(), r.ReadString(), ReadTags(r));
            case ConsumerTagsRemovedManifest: return new ConsumerTagsRemoved(r.ReadString(), r.ReadString(), ReadKeys(r));
            case CatalogSnapshotManifest or CatalogSnapshotWithoutEncryptionManifest or CatalogSnapshotWithoutConsumerTagsManifest
                or CatalogSnapshotWithoutConsumersManifest:
            {
                var version = manifest switch
                {
                    CatalogSnapshotWithoutConsumersManifest => 1,
                    CatalogSnapshotWithoutConsumerTagsManifest => 2,
                    CatalogSnapshotWithoutEncryptionManifest => 3,
                    _ => StreamEntryLayout,
                };
                var lastEpoch = r.ReadInt64();
                var n = r.ReadInt32();
                var streams = ImmutableArray.CreateBuilder<StreamEntry>(n);
                for (var i = 0; i < n; i++) streams.Add(ReadStreamEntry(r, version));
                return new CatalogSnapshot(lastEpoch, streams.MoveToImmutable());
            }
            default:
                throw new System.Runtime.Serialization.SerializationException($"Unknown manifest '{manifest}' for {nameof(ActorStreamsSerializer)}");
        }
    }

    // Layout: timestamp (i64 LE), count (i32 LE), then per record: key length (u16 LE) + UTF-8 key,
    // data length (i32 LE) + data.
    internal static byte[] WriteRecordsAppended(RecordsAppended e)
    {
        var buffer = new byte[RecordsAppendedSize(e)];
        WriteRecordsAppended(e, buffer);
        return buffer;
    }

    internal static int RecordsAppendedSize(RecordsAppended e)
    {
        var size = 12;
        foreach (var rec in e.Records) size += 2 + Encoding.UTF8.GetByteCount(rec.PartitionKey) + 4 + rec.Data.Length;
        return size;
    }

    /// <summary>Writes the layout into <paramref name="span"/>, which holds at least <see cref="RecordsAppendedSize"/> bytes.</summary>
    internal static void WriteRecordsAppended(RecordsAppended e, Span<byte> span)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span, e.TimestampMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], e.Records.Length);
        var pos = 12;
        foreach (var rec in e.Records)
        {
            var keyLength = Encoding.UTF8.GetBytes(rec.PartitionKey, span[(pos + 2)..]);
            BinaryPrimitives.WriteUInt16LittleEndian(span[pos..], (ushort)keyLength);
            pos += 2 + keyLength;
            BinaryPrimitives.WriteInt32LittleEndian(span[pos..], rec.Data.Length);
            pos += 4;
            rec.Data.Span.CopyTo(span[pos..]);
            pos += rec.Data.Length;
        }
    }

    // Layout: timestamp (i64 LE), count (i32 LE), plaintext bytes (i64 LE), key id length (u16 LE) + UTF-8 key id,
    // then the sealed batch (nonce, tag, ciphertext) to the end. One copy of the payload, as for RecordsAppended.
    private static byte[] WriteEncryptedRecordsAppended(EncryptedRecordsAppended e)
    {
        var keyLength = Encoding.UTF8.GetByteCount(e.KeyId);
        var buffer = new byte[22 + keyLength + e.Sealed.Length];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(span, e.TimestampMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], e.Count);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], e.Bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(span[20..], (ushort)keyLength);
        Encoding.UTF8.GetBytes(e.KeyId, span[22..]);
        e.Sealed.CopyTo(span[(22 + keyLength)..]);
        return buffer;
    }

    internal static EncryptedRecordsAppended ReadEncryptedRecordsAppended(byte[] bytes)
    {
        var span = bytes.AsSpan();
        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(span[20..]);
        return new EncryptedRecordsAppended(
            BinaryPrimitives.ReadInt64LittleEndian(span),
            BinaryPrimitives.ReadInt32LittleEndian(span[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[12..]),
            Encoding.UTF8.GetString(span.Slice(22, keyLength)),
            span[(22 + keyLength)..].ToArray());
    }

    /// <summary>The arrival time of a RecordsAppended layout, read from its header alone.</summary>
    internal static long RecordsAppendedTimestamp(byte[] bytes) => new RecordsAppendedReader(bytes).TimestampMs;

    internal static RecordsAppended ReadRecordsAppended(byte[] bytes)
    {
        var reader = new RecordsAppendedReader(bytes);
        var records = new StoredRecord[reader.Count];
        for (var i = 0; reader.MoveNext(); i++) records[i] = reader.Record;
        return new RecordsAppended(reader.TimestampMs, records);
    }

    /// <summary>
    /// Walks the records of a RecordsAppended layout in place: a reader that needs only some of them (a page that starts
    /// inside the event or fills up in it) decodes only those, and each record's data is a slice of <c>bytes</c>.
    /// </summary>
    internal struct RecordsAppendedReader
    {
        private readonly byte[] _bytes;
        private int _next;
        private int _pos;
        private int _keyStart;
        private int _keyLength;
        private int _dataStart;
        private int _dataLength;

        public RecordsAppendedReader(byte[] bytes)
        {
            if (bytes.Length < 12) throw new System.Runtime.Serialization.SerializationException("A RecordsAppended event shorter than its header.");
            _bytes = bytes;
            TimestampMs = BinaryPrimitives.ReadInt64LittleEndian(bytes);
            Count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
            _pos = 12;
            Index = -1;
        }

        public long TimestampMs { get; }

        public int Count { get; }

        /// <summary>The index of the current record in the event.</summary>
        public int Index { get; private set; }

        /// <summary>Stored size of the current record (key bytes + data bytes), as <see cref="StoredRecord.Size"/> counts it.</summary>
        public readonly int Size => _keyLength + _dataLength;

        /// <summary>The current record, its key decoded now.</summary>
        public readonly StoredRecord Record =>
            new(Encoding.UTF8.GetString(_bytes, _keyStart, _keyLength), new ReadOnlyMemory<byte>(_bytes, _dataStart, _dataLength));

        /// <summary>Moves to the next record without decoding it; false after the last.</summary>
        public bool MoveNext()
        {
            if (_next >= Count) return false;
            var span = _bytes.AsSpan();
            _keyLength = BinaryPrimitives.ReadUInt16LittleEndian(span[_pos..]);
            _keyStart = _pos + 2;
            _dataLength = BinaryPrimitives.ReadInt32LittleEndian(span[(_keyStart + _keyLength)..]);
            _dataStart = _keyStart + _keyLength + 4;
            if (_dataLength < 0 || _dataStart + _dataLength > _bytes.Length)
                throw new System.Runtime.Serialization.SerializationException($"Record {_next} of a RecordsAppended event runs past the event's end.");
            _pos = _dataStart + _dataLength;
            Index = _next++;
            return true;
        }
    }

    internal static void Write(BinaryWriter w, ShardInitialized e)
    {
        w.Write(e.StreamName); w.Write(e.Epoch); w.Write(e.ShardIndex);
        Write(w, e.HashStart); Write(w, e.HashEnd);
        w.Write(e.RetentionHours); w.Write(e.CreatedAtMs);
    }

    internal static ShardInitialized ReadShardInitialized(BinaryReader r) =>
        new(r.ReadString(), r.ReadInt64(), r.ReadInt32(), ReadUInt128(r), ReadUInt128(r), r.ReadInt32(), r.ReadInt64());

    internal static void Write(BinaryWriter w, UInt128 value)
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, value);
        w.Write(b);
    }

    internal static UInt128 ReadUInt128(BinaryReader r) => BinaryPrimitives.ReadUInt128BigEndian(r.ReadBytes(16));

    internal static void WriteTags(BinaryWriter w, ImmutableSortedDictionary<string, string> tags)
    {
        w.Write(tags.Count);
        foreach (var (k, v) in tags) { w.Write(k); w.Write(v); }
    }

    internal static ImmutableSortedDictionary<string, string> ReadTags(BinaryReader r)
    {
        var n = r.ReadInt32();
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++) b[r.ReadString()] = r.ReadString();
        return b.ToImmutable();
    }

    /// <summary>A count, then each string (also the message serializer's layout for string lists).</summary>
    internal static void WriteKeys(BinaryWriter w, ImmutableArray<string> keys)
    {
        w.Write(keys.Length);
        foreach (var k in keys) w.Write(k);
    }

    /// <summary>Reads what <see cref="WriteKeys"/> wrote.</summary>
    internal static ImmutableArray<string> ReadKeys(BinaryReader r)
    {
        var n = r.ReadInt32();
        var keys = ImmutableArray.CreateBuilder<string>(n);
        for (var i = 0; i < n; i++) keys.Add(r.ReadString());
        return keys.MoveToImmutable();
    }

    // Optional longs (shard opening and closing times) as -1 when unset; no real time is negative here.
    private static long? ReadOptionalTime(BinaryReader r)
    {
        var value = r.ReadInt64();
        return value < 0 ? null : value;
    }

    internal static void Write(BinaryWriter w, StreamEntry s)
    {
        w.Write(s.Name); w.Write(s.Epoch); w.Write((byte)s.Status); w.Write((byte)s.Mode); w.Write(s.RetentionHours); w.Write(s.CreatedAtMs);
        w.Write(s.Shards.Length);
        foreach (var shard in s.Shards)
        {
            w.Write(shard.Index);
            Write(w, shard.HashKeyRange.StartingHashKey);
            Write(w, shard.HashKeyRange.EndingHashKey);
            w.Write(shard.ParentIndex ?? -1);
            w.Write(shard.AdjacentParentIndex ?? -1);
            w.Write(shard.EndingEventNo ?? -1);
            w.Write(shard.CreatedAtMs ?? -1);
            w.Write(shard.ClosedAtMs ?? -1);
        }
        WriteTags(w, s.Tags);
        w.Write(s.Consumers.Length);
        foreach (var c in s.Consumers) { w.Write(c.Name); w.Write(c.CreatedAtMs); WriteTags(w, c.Tags); }
        WriteOps(w, s.PendingReshard);
        w.Write(s.ScalingTimesMs.Length);
        foreach (var t in s.ScalingTimesMs) w.Write(t);
        w.Write(s.ModeChangeTimesMs.Length);
        foreach (var t in s.ModeChangeTimesMs) w.Write(t);
        WriteOptional(w, s.EncryptionKeyId);
    }

    private static void WriteOptional(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    private static string? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void WriteOps(BinaryWriter w, ImmutableArray<ReshardOp> ops)
    {
        w.Write(ops.Length);
        foreach (var op in ops)
        {
            w.Write((byte)op.Kind);
            Write(w, op.Key);
            w.Write(op.UpperIsParent);
        }
    }

    private static ImmutableArray<ReshardOp> ReadOps(BinaryReader r)
    {
        var n = r.ReadInt32();
        var ops = ImmutableArray.CreateBuilder<ReshardOp>(n);
        for (var i = 0; i < n; i++) ops.Add(new ReshardOp((ReshardOpKind)r.ReadByte(), ReadUInt128(r), r.ReadBoolean()));
        return ops.MoveToImmutable();
    }

    internal static void Write(BinaryWriter w, ShardClosed e)
    {
        w.Write(e.EndingEventNo);
        w.Write(e.ClosedAtMs);
        WriteChildren(w, e.Children);
    }

    internal static void WriteChildren(BinaryWriter w, ImmutableArray<ChildShardEntry> children)
    {
        w.Write(children.Length);
        foreach (var c in children)
        {
            w.Write(c.Index);
            w.Write(c.ParentIndex);
            w.Write(c.AdjacentParentIndex ?? -1);
            Write(w, c.HashKeyRange.StartingHashKey);
            Write(w, c.HashKeyRange.EndingHashKey);
        }
    }

    internal static ShardClosed ReadShardClosed(BinaryReader r)
    {
        var ending = r.ReadInt64();
        var closedAt = r.ReadInt64();
        return new ShardClosed(ending, closedAt, ReadChildren(r));
    }

    internal static ImmutableArray<ChildShardEntry> ReadChildren(BinaryReader r)
    {
        var n = r.ReadInt32();
        var children = ImmutableArray.CreateBuilder<ChildShardEntry>(n);
        for (var i = 0; i < n; i++)
        {
            var index = r.ReadInt32();
            var parent = r.ReadInt32();
            var adjacent = r.ReadInt32();
            children.Add(new ChildShardEntry(index, parent, adjacent < 0 ? null : adjacent, new HashKeyRange(ReadUInt128(r), ReadUInt128(r))));
        }
        return children.MoveToImmutable();
    }

    /// <summary>The layout <see cref="Write(BinaryWriter, StreamEntry)"/> writes (the C4 snapshot's): the version to read it back with.</summary>
    internal const int StreamEntryLayout = 4;

    /// <summary>A stream of a catalog snapshot; <paramref name="version"/> 1 ("CS") has no consumers, 2 ("C2") no consumer tags, shard times or resharding state, 3 ("C3") no encryption key id.</summary>
    internal static StreamEntry ReadStreamEntry(BinaryReader r, int version)
    {
        var name = r.ReadString();
        var epoch = r.ReadInt64();
        var status = (StreamStatus)r.ReadByte();
        var mode = (StreamMode)r.ReadByte();
        var retention = r.ReadInt32();
        var created = r.ReadInt64();
        var n = r.ReadInt32();
        var shards = ImmutableArray.CreateBuilder<ShardEntry>(n);
        for (var i = 0; i < n; i++)
        {
            var index = r.ReadInt32();
            var range = new HashKeyRange(ReadUInt128(r), ReadUInt128(r));
            var parent = r.ReadInt32();
            var adjacent = r.ReadInt32();
            var ending = r.ReadInt64();
            var createdAt = version >= 3 ? ReadOptionalTime(r) : null;
            var closedAt = version >= 3 ? ReadOptionalTime(r) : null;
            shards.Add(new ShardEntry(index, range, parent < 0 ? null : parent, adjacent < 0 ? null : adjacent, ending < 0 ? null : ending,
                createdAt, closedAt));
        }
        var tags = ReadTags(r);
        var m = version >= 2 ? r.ReadInt32() : 0;
        var consumers = ImmutableArray.CreateBuilder<ConsumerEntry>(m);
        for (var i = 0; i < m; i++)
        {
            var consumer = new ConsumerEntry(r.ReadString(), r.ReadInt64());
            consumers.Add(version >= 3 ? consumer with { Tags = ReadTags(r) } : consumer);
        }
        var pending = version >= 3 ? ReadOps(r) : [];
        var k = version >= 3 ? r.ReadInt32() : 0;
        var scalings = ImmutableArray.CreateBuilder<long>(k);
        for (var i = 0; i < k; i++) scalings.Add(r.ReadInt64());
        var c = version >= 3 ? r.ReadInt32() : 0;
        var modeChanges = ImmutableArray.CreateBuilder<long>(c);
        for (var i = 0; i < c; i++) modeChanges.Add(r.ReadInt64());
        var keyId = version >= 4 ? ReadOptional(r) : null;
        return new StreamEntry(name, epoch, status, mode, retention, created, shards.MoveToImmutable(), tags, consumers.MoveToImmutable(),
            pending, scalings.MoveToImmutable(), modeChanges.MoveToImmutable()) { EncryptionKeyId = keyId };
    }
}
