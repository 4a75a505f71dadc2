using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Shards;
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
        .Add<ResourcePolicyChanged, P.ResourcePolicyChanged>("CF", e =>
            {
                var p = new P.ResourcePolicyChanged { StreamName = e.StreamName };
                if (e.ConsumerName is not null) p.ConsumerName = e.ConsumerName;
                if (e.Policy is not null) p.Policy = e.Policy;
                return p;
            },
            P.ResourcePolicyChanged.Parser,
            p => new ResourcePolicyChanged(p.StreamName, p.HasConsumerName ? p.ConsumerName : null, p.HasPolicy ? p.Policy : null))
        .Add<StreamRecordDistributionChanged, P.StreamRecordDistributionChanged>("CI",
            e => new() { Name = e.Name, Strategy = KinesisProto.Distribution(e.Strategy) },
            P.StreamRecordDistributionChanged.Parser, p => new StreamRecordDistributionChanged(p.Name, KinesisProto.Distribution(p.Strategy)))
        .Add<StreamMaxRecordSizeChanged, P.StreamMaxRecordSizeChanged>("CK", e => new() { Name = e.Name, Kib = e.KiB },
            P.StreamMaxRecordSizeChanged.Parser, p => new StreamMaxRecordSizeChanged(p.Name, p.Kib))
        .Add<StreamWarmThroughputChanged, P.StreamWarmThroughputChanged>("CH", e =>
            {
                var p = new P.StreamWarmThroughputChanged { Name = e.Name };
                if (e.MiBps is { } mibps) p.Mibps = mibps;
                return p;
            },
            P.StreamWarmThroughputChanged.Parser, p => new StreamWarmThroughputChanged(p.Name, p.HasMibps ? p.Mibps : null))
        .Add<StreamMonitoringChanged, P.StreamMonitoringChanged>("CM", e => new() { Name = e.Name, ShardLevelMetrics = (int)e.Metrics },
            P.StreamMonitoringChanged.Parser, p => new StreamMonitoringChanged(p.Name, (ShardLevelMetrics)p.ShardLevelMetrics & ShardLevelMetrics.All))
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
        .Add<AccountCommitmentChanged, P.AccountCommitment>("CB", e => KinesisProto.Commitment(e.Commitment), P.AccountCommitment.Parser,
            p => new AccountCommitmentChanged(KinesisProto.Commitment(p)))
        .Add<CatalogSnapshot, P.CatalogSnapshot>("CS", s => new()
            {
                LastEpoch = s.LastEpoch, Streams = { s.Streams.Select(KinesisProto.Stream) },
                Commitment = s.Commitment == AccountCommitment.None ? null : KinesisProto.Commitment(s.Commitment),
            },
            P.CatalogSnapshot.Parser,
            p => new CatalogSnapshot(p.LastEpoch, [.. p.Streams.Select(KinesisProto.Stream)]) { Commitment = KinesisProto.Commitment(p.Commitment) });

    /// <summary>Every Kinesis event and snapshot manifest with the type it reads (the golden-file spec covers each).</summary>
    internal static IReadOnlyDictionary<string, Type> KinesisManifests => KinesisFormats.Types;

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
        _ => throw new ArgumentException($"{o.GetType()} is not serialized by {nameof(ActorStreamsSerializer)}"),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        if (obj is RecordsAppended appended) return WriteRecordsAppended(appended);
        if (obj is EncryptedRecordsAppended sealedBatch) return WriteEncryptedRecordsAppended(sealedBatch);
        if (KinesisFormats.TryWrite(obj, out var message)) return message;
        throw new ArgumentException($"{obj.GetType()} is not serialized by {nameof(ActorStreamsSerializer)}");
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            if (manifest == RecordsAppendedManifest) return ReadRecordsAppended(bytes);
            if (manifest == EncryptedRecordsAppendedManifest) return ReadEncryptedRecordsAppended(bytes);
        }
        catch (Exception e) when (FrameBounds.IsMalformedFrame(e))
        {
            throw FrameBounds.Malformed(nameof(ActorStreamsSerializer), manifest, e);
        }
        if (KinesisFormats.TryRead(manifest, bytes, out var kinesisEvent)) return kinesisEvent;
        throw new System.Runtime.Serialization.SerializationException($"Unknown manifest '{manifest}' for {nameof(ActorStreamsSerializer)}");
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
        if (span.Length < 22) throw new System.Runtime.Serialization.SerializationException("An EncryptedRecordsAppended event shorter than its header.");
        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(span[20..]);
        if (22 + keyLength > span.Length)
            throw new System.Runtime.Serialization.SerializationException($"The key id of {keyLength} bytes runs past the end of an EncryptedRecordsAppended event.");
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        var plaintextBytes = BinaryPrimitives.ReadInt64LittleEndian(span[12..]);
        if (count < 0 || plaintextBytes < 0)
            throw new System.Runtime.Serialization.SerializationException($"An EncryptedRecordsAppended event of {count} records, {plaintextBytes} bytes.");
        return new EncryptedRecordsAppended(
            BinaryPrimitives.ReadInt64LittleEndian(span),
            count,
            plaintextBytes,
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
        private const int MinRecordBytes = 2 + 4;
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
            // Each record takes at least its two length fields.
            Count = FrameBounds.Count(BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)), bytes.Length - 12, MinRecordBytes, "records");
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
            if (_pos + 2 > span.Length) throw PastTheEnd();
            _keyLength = BinaryPrimitives.ReadUInt16LittleEndian(span[_pos..]);
            _keyStart = _pos + 2;
            if (_keyStart + _keyLength + 4 > span.Length) throw PastTheEnd();
            _dataLength = BinaryPrimitives.ReadInt32LittleEndian(span[(_keyStart + _keyLength)..]);
            _dataStart = _keyStart + _keyLength + 4;
            if (_dataLength < 0 || _dataStart + _dataLength > _bytes.Length)
                throw new System.Runtime.Serialization.SerializationException($"Record {_next} of a RecordsAppended event runs past the event's end.");
            _pos = _dataStart + _dataLength;
            Index = _next++;
            return true;
        }

        private readonly System.Runtime.Serialization.SerializationException PastTheEnd() =>
            new($"Record {_next} of a RecordsAppended event runs past the event's end.");
    }
}
