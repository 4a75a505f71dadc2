using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Internal;
using ActorStreams.Internal;
using ActorStreams.Streams;
using Akka.Actor;
using Akka.Serialization;
using P = ActorStreams.Serialization.Proto;

namespace ActorStreams.Serialization;

// What a journal holds outlives the code that wrote it. A persisted format changes only with a test that reads the
// previous one: the Kinesis events and snapshots are protobuf messages (Proto/kinesis_events.proto) that gain fields
// under new numbers, one manifest per type; the golden files in tests/ActorStreams.Tests/Serialization/golden hold
// each manifest as this serializer writes it today, and GoldenFormatSpec must keep reading them.

/// <summary>
/// The binary format of every ActorStreams event and snapshot. Kinesis events and snapshots are the protobuf
/// messages of <c>Proto/kinesis_events.proto</c>; record batches keep a hand-written layout whose payloads are raw
/// bytes (never JSON) read back as slices of the stored blob, so a journal read allocates once per event, not per record.
/// </summary>
public sealed class ActorStreamsSerializer : SerializerWithStringManifest
{
    // RecordsAppended and EncryptedRecordsAppended: the span layouts below, benchmarked (JournalCodecBenchmarks and the
    // ingest benchmark); direct journal reads walk them in place (RecordsAppendedReader).
    internal const string RecordsAppendedManifest = "RA";
    internal const string EncryptedRecordsAppendedManifest = "RE";

    /// <summary>The Kinesis events and snapshots: manifest, schema message, mapping.</summary>
    private static readonly ProtoFormats KinesisFormats = new ProtoFormats()
        // ---- StreamShard ----
        .Add<ShardInitialized, P.ShardInitialized>("SI", KinesisProto.Init, P.ShardInitialized.Parser, KinesisProto.Init)
        .Add<ShardRetentionChanged, P.ShardRetentionChanged>("SR", e => new() { RetentionHours = e.RetentionHours }, P.ShardRetentionChanged.Parser,
            p => new ShardRetentionChanged(p.RetentionHours))
        .Add<ShardRetired, P.ShardRetired>("SX", e => new() { RetiredAtMs = e.RetiredAtMs }, P.ShardRetired.Parser, p => new ShardRetired(p.RetiredAtMs))
        .Add<ShardEncryptionChanged, P.ShardEncryptionChanged>("SE", e =>
            {
                var p = new P.ShardEncryptionChanged();
                if (e.KeyId is not null) p.KeyId = e.KeyId;
                return p;
            },
            P.ShardEncryptionChanged.Parser, p => new ShardEncryptionChanged(p.HasKeyId ? p.KeyId : null))
        .Add<ShardClosed, P.ShardClosed>("SC", KinesisProto.Closed, P.ShardClosed.Parser, KinesisProto.Closed)
        .Add<StreamShardSnapshot, P.StreamShardSnapshot>("SS", s =>
            {
                var p = new P.StreamShardSnapshot
                {
                    Init = KinesisProto.Init(s.Init), RetentionHours = s.RetentionHours, TrimHorizonEventNo = s.TrimHorizonEventNo, Retired = s.Retired,
                    LastTimestampMs = s.LastTimestampMs, LastRecordEventNo = s.LastRecordEventNo,
                    IndexEventNos = { s.IndexEventNos }, IndexTimestampsMs = { s.IndexTimestampsMs }, Closed = KinesisProto.OptionalClosed(s.Closed),
                };
                if (s.KeyId is not null) p.KeyId = s.KeyId;
                return p;
            },
            P.StreamShardSnapshot.Parser,
            p => new StreamShardSnapshot(KinesisProto.Init(p.Init), p.RetentionHours, p.TrimHorizonEventNo, p.Retired, p.LastTimestampMs,
                p.LastRecordEventNo, [.. p.IndexEventNos], [.. p.IndexTimestampsMs], KinesisProto.OptionalClosed(p.Closed), p.HasKeyId ? p.KeyId : null))
        // ---- stream catalog ----
        .Add<StreamCreated, P.StreamCreated>("CC", e => new()
            {
                Name = e.Name, Epoch = e.Epoch, ShardCount = e.ShardCount, Mode = KinesisProto.Mode(e.Mode), RetentionHours = e.RetentionHours,
                CreatedAtMs = e.CreatedAtMs,
            },
            P.StreamCreated.Parser, p => new StreamCreated(p.Name, p.Epoch, p.ShardCount, KinesisProto.Mode(p.Mode), p.RetentionHours, p.CreatedAtMs))
        .Add<StreamActivated, P.StreamNamed>("CA", e => new() { Name = e.Name }, P.StreamNamed.Parser, p => new StreamActivated(p.Name))
        .Add<StreamDeletionStarted, P.StreamNamed>("CD", e => new() { Name = e.Name }, P.StreamNamed.Parser, p => new StreamDeletionStarted(p.Name))
        .Add<StreamDeleted, P.StreamNamed>("CX", e => new() { Name = e.Name }, P.StreamNamed.Parser, p => new StreamDeleted(p.Name))
        .Add<StreamRetentionChanged, P.StreamRetentionChanged>("CR", e => new() { Name = e.Name, RetentionHours = e.RetentionHours },
            P.StreamRetentionChanged.Parser, p => new StreamRetentionChanged(p.Name, p.RetentionHours))
        .Add<StreamTagsAdded, P.StreamTagsAdded>("CT", e =>
            {
                var p = new P.StreamTagsAdded { Name = e.Name };
                KinesisProto.AddTags(p.Tags, e.Tags);
                return p;
            },
            P.StreamTagsAdded.Parser, p => new StreamTagsAdded(p.Name, KinesisProto.Tags(p.Tags)))
        .Add<StreamTagsRemoved, P.StreamTagsRemoved>("CU", e => new() { Name = e.Name, Keys = { e.Keys } }, P.StreamTagsRemoved.Parser,
            p => new StreamTagsRemoved(p.Name, [.. p.Keys]))
        .Add<StreamEncryptionChanged, P.StreamEncryptionChanged>("CE", e =>
            {
                var p = new P.StreamEncryptionChanged { Name = e.Name };
                if (e.KeyId is not null) p.KeyId = e.KeyId;
                return p;
            },
            P.StreamEncryptionChanged.Parser, p => new StreamEncryptionChanged(p.Name, p.HasKeyId ? p.KeyId : null))
        .Add<StreamModeChanged, P.StreamModeChanged>("CO", e => new() { Name = e.Name, Mode = KinesisProto.Mode(e.Mode), AtMs = e.AtMs },
            P.StreamModeChanged.Parser, p => new StreamModeChanged(p.Name, KinesisProto.Mode(p.Mode), p.AtMs))
        .Add<ConsumerRegistered, P.ConsumerRegistered>("CG", e => new() { StreamName = e.StreamName, ConsumerName = e.ConsumerName, CreatedAtMs = e.CreatedAtMs },
            P.ConsumerRegistered.Parser, p => new ConsumerRegistered(p.StreamName, p.ConsumerName, p.CreatedAtMs))
        .Add<ConsumerDeregistered, P.ConsumerDeregistered>("CN", e => new() { StreamName = e.StreamName, ConsumerName = e.ConsumerName },
            P.ConsumerDeregistered.Parser, p => new ConsumerDeregistered(p.StreamName, p.ConsumerName))
        .Add<ConsumerTagsAdded, P.ConsumerTagsAdded>("CV", e =>
            {
                var p = new P.ConsumerTagsAdded { StreamName = e.StreamName, ConsumerName = e.ConsumerName };
                KinesisProto.AddTags(p.Tags, e.Tags);
                return p;
            },
            P.ConsumerTagsAdded.Parser, p => new ConsumerTagsAdded(p.StreamName, p.ConsumerName, KinesisProto.Tags(p.Tags)))
        .Add<ConsumerTagsRemoved, P.ConsumerTagsRemoved>("CW", e => new() { StreamName = e.StreamName, ConsumerName = e.ConsumerName, Keys = { e.Keys } },
            P.ConsumerTagsRemoved.Parser, p => new ConsumerTagsRemoved(p.StreamName, p.ConsumerName, [.. p.Keys]))
        .Add<ReshardStarted, P.ReshardStarted>("CP", e =>
            {
                var p = new P.ReshardStarted { Name = e.Name, Ops = { e.Ops.Select(KinesisProto.Op) } };
                if (e.ScaledAtMs is { } scaledAt) p.ScaledAtMs = scaledAt;
                return p;
            },
            P.ReshardStarted.Parser, p => new ReshardStarted(p.Name, [.. p.Ops.Select(KinesisProto.Op)], p.HasScaledAtMs ? p.ScaledAtMs : null))
        .Add<ReshardStepCompleted, P.ReshardStepCompleted>("CQ", e =>
            {
                var p = new P.ReshardStepCompleted { Name = e.Name, ParentEndingEventNo = e.ParentEndingEventNo, CompletedAtMs = e.CompletedAtMs };
                if (e.AdjacentParentEndingEventNo is { } adjacent) p.AdjacentParentEndingEventNo = adjacent;
                return p;
            },
            P.ReshardStepCompleted.Parser,
            p => new ReshardStepCompleted(p.Name, p.ParentEndingEventNo, p.HasAdjacentParentEndingEventNo ? p.AdjacentParentEndingEventNo : null,
                p.CompletedAtMs))
        .Add<ClosedShardRemoved, P.ClosedShardRemoved>("CY", e => new() { Name = e.Name, ShardIndex = e.ShardIndex }, P.ClosedShardRemoved.Parser,
            p => new ClosedShardRemoved(p.Name, p.ShardIndex))
        .Add<CatalogSnapshot, P.CatalogSnapshot>("CS", s => new() { LastEpoch = s.LastEpoch, Streams = { s.Streams.Select(KinesisProto.Stream) } },
            P.CatalogSnapshot.Parser, p => new CatalogSnapshot(p.LastEpoch, [.. p.Streams.Select(KinesisProto.Stream)]));

    /// <summary>Every Kinesis event and snapshot manifest with the type it reads (the golden-file spec covers each).</summary>
    internal static IReadOnlyDictionary<string, Type> KinesisManifests => KinesisFormats.Types;
    private const string DeliveryStreamChangedManifest = "FM";
    private const string DeliveryStreamDeletedManifest = "FD";
    private const string FirehoseRecordsAcceptedManifest = "FR";
    private const string DeliveryBufferSealedManifest = "FS";
    private const string DeliveryBufferCompletedManifest = "FC";
    private const string SourceCheckpointedManifest = "FK";
    private const string DeliveryStreamSnapshotManifest = "FN";
    private const string DeliveryStreamRegisteredManifest = "FG";
    private const string DeliveryStreamUnregisteredManifest = "FU";
    private const string DeliveryCatalogSnapshotManifest = "FL";
    // Dynamic partitioning: an intake buffer split into partitions, and a partition's buffer closed. Snapshots ("FN")
    // written before partitioning end after the checkpoints; newer ones append the partitions.
    private const string DeliveryRecordsPartitionedManifest = "FP";
    private const string PartitionBufferSealedManifest = "FQ";

    /// <summary>Created by Akka's serialization extension.</summary>
    public ActorStreamsSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 7117;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        // Record batches first: the journal asks once per group commit, and they are nearly every event.
        RecordsAppended => RecordsAppendedManifest,
        EncryptedRecordsAppended => EncryptedRecordsAppendedManifest,
        _ when KinesisFormats.TryGetManifest(o.GetType(), out var manifest) => manifest,
        DeliveryStreamChanged => DeliveryStreamChangedManifest,
        DeliveryStreamDeleted => DeliveryStreamDeletedManifest,
        FirehoseRecordsAccepted => FirehoseRecordsAcceptedManifest,
        DeliveryBufferSealed => DeliveryBufferSealedManifest,
        DeliveryBufferCompleted => DeliveryBufferCompletedManifest,
        SourceCheckpointed => SourceCheckpointedManifest,
        DeliveryStreamSnapshot => DeliveryStreamSnapshotManifest,
        DeliveryStreamRegistered => DeliveryStreamRegisteredManifest,
        DeliveryStreamUnregistered => DeliveryStreamUnregisteredManifest,
        DeliveryCatalogSnapshot => DeliveryCatalogSnapshotManifest,
        DeliveryRecordsPartitioned => DeliveryRecordsPartitionedManifest,
        PartitionBufferSealed => PartitionBufferSealedManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not serialized by {nameof(ActorStreamsSerializer)}"),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        if (obj is RecordsAppended appended) return WriteRecordsAppended(appended);
        if (obj is FirehoseRecordsAccepted accepted) return WriteFirehoseRecords(accepted);
        if (obj is EncryptedRecordsAppended sealedBatch) return WriteEncryptedRecordsAppended(sealedBatch);
        if (KinesisFormats.TryWrite(obj, out var message)) return message;
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case DeliveryStreamChanged e: Write(w, e.Metadata); break;
                case DeliveryStreamDeleted e: w.Write(e.DeletedAtMs); break;
                case DeliveryBufferSealed e: w.Write(e.BufferId.ToByteArray()); w.Write(e.RecordCount); w.Write(e.SealedAtMs); break;
                case DeliveryBufferCompleted e: w.Write(e.BufferId.ToByteArray()); break;
                case SourceCheckpointed e: w.Write(e.ShardId); w.Write(e.SequenceNumber); break;
                case DeliveryStreamSnapshot s:
                    w.Write(s.Metadata is not null);
                    if (s.Metadata is not null) Write(w, s.Metadata);
                    w.Write(s.Deleted);
                    w.Write(s.Records.Length);
                    foreach (var rec in s.Records) { w.Write(rec.ArrivalMs); w.Write(rec.Data.Length); w.Write(rec.Data); }
                    w.Write(s.Sealed.Length);
                    foreach (var b in s.Sealed) { w.Write(b.BufferId.ToByteArray()); w.Write(b.RecordCount); w.Write(b.SealedAtMs); }
                    WriteTags(w, s.Checkpoints);
                    w.Write(s.Partitions.Length);
                    foreach (var p in s.Partitions)
                    {
                        WriteTags(w, p.Keys);
                        w.Write(p.Overflow);
                        w.Write(p.OpenedAtMs);
                        WriteBufferedRecords(w, p.Records);
                        w.Write(p.Sealed.Length);
                        foreach (var b in p.Sealed) { w.Write(b.BufferId.ToByteArray()); w.Write(b.RecordCount); w.Write(b.SealedAtMs); }
                    }
                    break;
                case DeliveryRecordsPartitioned e:
                    w.Write(e.SourceBufferId.ToByteArray());
                    w.Write(e.AtMs);
                    w.Write(e.Groups.Length);
                    foreach (var g in e.Groups)
                    {
                        WriteTags(w, g.Keys);
                        w.Write(g.Overflow);
                        WriteBufferedRecords(w, g.Records);
                    }
                    break;
                case PartitionBufferSealed e: w.Write(e.BufferId.ToByteArray()); w.Write(e.Partition); w.Write(e.RecordCount); w.Write(e.SealedAtMs); break;
                case DeliveryStreamRegistered e: Write(w, e); break;
                case DeliveryStreamUnregistered e: w.Write(e.Name); break;
                case DeliveryCatalogSnapshot s:
                    w.Write(s.Entries.Length);
                    foreach (var entry in s.Entries) Write(w, entry);
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
        if (manifest == FirehoseRecordsAcceptedManifest) return ReadFirehoseRecords(bytes);
        if (manifest == EncryptedRecordsAppendedManifest) return ReadEncryptedRecordsAppended(bytes);
        if (KinesisFormats.TryRead(manifest, bytes, out var kinesisEvent)) return kinesisEvent;
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        switch (manifest)
        {
            case DeliveryStreamChangedManifest: return new DeliveryStreamChanged(ReadMetadata(r));
            case DeliveryStreamDeletedManifest: return new DeliveryStreamDeleted(r.ReadInt64());
            case DeliveryBufferSealedManifest: return new DeliveryBufferSealed(new Guid(r.ReadBytes(16)), r.ReadInt32(), r.ReadInt64());
            case DeliveryBufferCompletedManifest: return new DeliveryBufferCompleted(new Guid(r.ReadBytes(16)));
            case SourceCheckpointedManifest: return new SourceCheckpointed(r.ReadString(), r.ReadString());
            case DeliveryStreamSnapshotManifest:
            {
                var metadata = r.ReadBoolean() ? ReadMetadata(r) : null;
                var deleted = r.ReadBoolean();
                var n = r.ReadInt32();
                var records = ImmutableArray.CreateBuilder<BufferedRecord>(n);
                for (var i = 0; i < n; i++)
                {
                    var arrival = r.ReadInt64();
                    records.Add(new BufferedRecord(arrival, r.ReadBytes(r.ReadInt32())));
                }
                var m = r.ReadInt32();
                var sealedBuffers = ImmutableArray.CreateBuilder<SealedBuffer>(m);
                for (var i = 0; i < m; i++) sealedBuffers.Add(new SealedBuffer(new Guid(r.ReadBytes(16)), r.ReadInt32(), r.ReadInt64()));
                var checkpoints = ReadTags(r);
                var partitions = ImmutableArray<PartitionSnapshot>.Empty;
                if (r.BaseStream.Position < r.BaseStream.Length)
                {
                    var count = r.ReadInt32();
                    var builder = ImmutableArray.CreateBuilder<PartitionSnapshot>(count);
                    for (var i = 0; i < count; i++)
                    {
                        var keys = ReadTags(r);
                        var overflow = r.ReadBoolean();
                        var openedAt = r.ReadInt64();
                        var partitionRecords = ReadBufferedRecords(r);
                        var sealedCount = r.ReadInt32();
                        var partitionSealed = ImmutableArray.CreateBuilder<SealedBuffer>(sealedCount);
                        for (var j = 0; j < sealedCount; j++) partitionSealed.Add(new SealedBuffer(new Guid(r.ReadBytes(16)), r.ReadInt32(), r.ReadInt64()));
                        builder.Add(new PartitionSnapshot(keys, overflow, partitionRecords, partitionSealed.MoveToImmutable(), openedAt));
                    }
                    partitions = builder.MoveToImmutable();
                }
                return new DeliveryStreamSnapshot(metadata, deleted, records.MoveToImmutable(), sealedBuffers.MoveToImmutable(), checkpoints) { Partitions = partitions };
            }
            case DeliveryRecordsPartitionedManifest:
            {
                var source = new Guid(r.ReadBytes(16));
                var at = r.ReadInt64();
                var count = r.ReadInt32();
                var groups = ImmutableArray.CreateBuilder<PartitionedRecords>(count);
                for (var i = 0; i < count; i++)
                {
                    var keys = ReadTags(r);
                    var overflow = r.ReadBoolean();
                    groups.Add(new PartitionedRecords(keys, overflow, ReadBufferedRecords(r)));
                }
                return new DeliveryRecordsPartitioned(source, at, groups.MoveToImmutable());
            }
            case PartitionBufferSealedManifest: return new PartitionBufferSealed(new Guid(r.ReadBytes(16)), r.ReadString(), r.ReadInt32(), r.ReadInt64());
            case DeliveryStreamRegisteredManifest: return ReadRegistered(r);
            case DeliveryStreamUnregisteredManifest: return new DeliveryStreamUnregistered(r.ReadString());
            case DeliveryCatalogSnapshotManifest:
            {
                var n = r.ReadInt32();
                var entries = ImmutableArray.CreateBuilder<DeliveryStreamRegistered>(n);
                for (var i = 0; i < n; i++) entries.Add(ReadRegistered(r));
                return new DeliveryCatalogSnapshot(entries.MoveToImmutable());
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

    // Layout: timestamp (i64 LE), count (i32 LE), then per record: data length (i32 LE) + data.
    private static byte[] WriteFirehoseRecords(FirehoseRecordsAccepted e)
    {
        var size = 12;
        foreach (var rec in e.Records) size += 4 + rec.Length;
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(span, e.TimestampMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], e.Records.Length);
        var pos = 12;
        foreach (var rec in e.Records)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[pos..], rec.Length);
            rec.CopyTo(span[(pos + 4)..]);
            pos += 4 + rec.Length;
        }
        return buffer;
    }

    private static FirehoseRecordsAccepted ReadFirehoseRecords(byte[] bytes)
    {
        var span = bytes.AsSpan();
        var timestamp = BinaryPrimitives.ReadInt64LittleEndian(span);
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        var records = new byte[count][];
        var pos = 12;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(span[pos..]);
            records[i] = span.Slice(pos + 4, length).ToArray();
            pos += 4 + length;
        }
        return new FirehoseRecordsAccepted(timestamp, records);
    }

    private static void WriteBufferedRecords(BinaryWriter w, ImmutableArray<BufferedRecord> records)
    {
        w.Write(records.Length);
        foreach (var rec in records) { w.Write(rec.ArrivalMs); w.Write(rec.Data.Length); w.Write(rec.Data); }
    }

    private static ImmutableArray<BufferedRecord> ReadBufferedRecords(BinaryReader r)
    {
        var n = r.ReadInt32();
        var records = ImmutableArray.CreateBuilder<BufferedRecord>(n);
        for (var i = 0; i < n; i++)
        {
            var arrival = r.ReadInt64();
            records.Add(new BufferedRecord(arrival, r.ReadBytes(r.ReadInt32())));
        }
        return records.MoveToImmutable();
    }

    private static void Write(BinaryWriter w, DeliveryStreamMetadata metadata)
    {
        var json = metadata.ToJson();
        w.Write(json.Length);
        w.Write(json);
    }

    private static DeliveryStreamMetadata ReadMetadata(BinaryReader r) => DeliveryStreamMetadata.FromJson(r.ReadBytes(r.ReadInt32()));

    private static void Write(BinaryWriter w, DeliveryStreamRegistered e)
    {
        w.Write(e.Name); w.Write((byte)e.Type); w.Write(e.CreatedAtMs);
    }

    private static DeliveryStreamRegistered ReadRegistered(BinaryReader r) => new(r.ReadString(), (DeliveryStreamType)r.ReadByte(), r.ReadInt64());

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
}
