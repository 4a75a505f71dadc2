using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Text;
using ActorStreams.Firehose.Internal;
using ActorStreams.Firehose.Serialization.Proto;
using ActorStreams.Kinesis;
using Akka.Actor;
using ActorStreams.Serialization;
using Akka.Serialization;
using Google.Protobuf;

namespace ActorStreams.Firehose.Serialization;

/// <summary>
/// The binary format of everything Firehose persists and sends between nodes: the events and snapshots of the
/// DeliveryStream entities and the delivery catalog (manifests in capitals, <c>F?</c>), and the commands and replies
/// of their sharding regions (<c>f?</c>). Record payloads are raw bytes; the control-plane configuration (metadata,
/// destinations, encryption, source) is the JSON of its C# types, in the commands on the wire and inside the protobuf
/// metadata event and snapshot in the journal (<c>Serialization/Proto/firehose_events.proto</c>). Identifier 7120, bound in the Firehose <c>reference.conf</c>.
/// </summary>
/// <remarks>
/// Adding a type is one <c>Add</c> line in <see cref="Formats"/>: its manifest, how to write it, how to read it. A
/// manifest is never reused for another layout once released: journals keep events, and nodes of two versions meet
/// during a rolling upgrade.
/// </remarks>
public sealed class FirehoseSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer identifier bound in the Firehose <c>reference.conf</c>.</summary>
    public const int SerializerId = 7120;

    // A put's group commit is the one hot layout: written and read by spans, outside the table.
    private const string FirehoseRecordsAcceptedManifest = "FR";

    private static readonly Formats Table = new Formats()
        // ---- events and snapshots of a DeliveryStream entity ----
        // The metadata event and the snapshot are protobuf (Serialization/Proto/firehose_events.proto). Their earlier
        // JSON layouts were never released, so nothing reads them.
        .Add<DeliveryStreamChanged>("FM", (w, e) => WriteProto(w, new DeliveryStreamChangedProto { Metadata = ToProto(e.Metadata) }),
            r => new DeliveryStreamChanged(FromProto(ReadProto(r, DeliveryStreamChangedProto.Parser).Metadata
                ?? throw new SerializationException("A DeliveryStreamChanged event without its metadata."))))
        .Add<DeliveryStreamDeleted>("FD", (w, e) => w.Write(e.DeletedAtMs), r => new DeliveryStreamDeleted(r.ReadInt64()))
        .Add<DeliveryBufferSealed>("FS", (w, e) => { w.Write(e.BufferId.ToByteArray()); w.Write(e.RecordCount); w.Write(e.SealedAtMs); },
            r => new DeliveryBufferSealed(new Guid(r.ReadBytes(16)), r.ReadInt32(), r.ReadInt64()))
        .Add<DeliveryBufferCompleted>("FC", (w, e) => w.Write(e.BufferId.ToByteArray()), r => new DeliveryBufferCompleted(new Guid(r.ReadBytes(16))))
        .Add<SourceCheckpointed>("FK", (w, e) => { w.Write(e.ShardId); w.Write(e.SequenceNumber); }, r => new SourceCheckpointed(r.ReadString(), r.ReadString()))
        .Add<DeliveryStreamSnapshot>("FN", WriteSnapshot, ReadSnapshot)
        // Dynamic partitioning: an intake buffer split into partitions, and a partition's buffer closed.
        .Add<DeliveryRecordsPartitioned>("FP", (w, e) =>
            {
                w.Write(e.SourceBufferId.ToByteArray());
                w.Write(e.AtMs);
                w.Write(e.Groups.Length);
                foreach (var g in e.Groups)
                {
                    WriteTags(w, g.Keys);
                    w.Write(g.Overflow);
                    WriteBufferedRecords(w, g.Records);
                }
            },
            r =>
            {
                var source = new Guid(r.ReadBytes(16));
                var at = r.ReadInt64();
                var count = Count(r, MinTagsBytes + 1 + MinCountBytes, "partition groups");
                var groups = ImmutableArray.CreateBuilder<PartitionedRecords>(count);
                for (var i = 0; i < count; i++)
                {
                    var keys = ReadTags(r);
                    var overflow = r.ReadBoolean();
                    groups.Add(new PartitionedRecords(keys, overflow, ReadBufferedRecords(r)));
                }
                return new DeliveryRecordsPartitioned(source, at, groups.MoveToImmutable());
            })
        .Add<PartitionBufferSealed>("FQ", (w, e) => { w.Write(e.BufferId.ToByteArray()); w.Write(e.Partition); w.Write(e.RecordCount); w.Write(e.SealedAtMs); },
            r => new PartitionBufferSealed(new Guid(r.ReadBytes(16)), r.ReadString(), r.ReadInt32(), r.ReadInt64()))
        // Encryption on: a record-carrying event or the snapshot, sealed; it opens into the layout of its inner manifest.
        .Add<SealedFirehoseEvent>("FZ", (w, e) => { w.Write(e.KeyId); w.Write(e.Manifest); w.Write(e.Sealed.Length); w.Write(e.Sealed); },
            r => new SealedFirehoseEvent(r.ReadString(), r.ReadString(), ReadBlob(r)))
        // ---- events and snapshots of the delivery catalog ----
        .Add<DeliveryStreamRegistered>("FG", WriteRegistered, ReadRegistered)
        .Add<DeliveryStreamUnregistered>("FU", (w, e) => w.Write(e.Name), r => new DeliveryStreamUnregistered(r.ReadString()))
        .Add<DeliveryCatalogSnapshot>("FL", (w, s) =>
            {
                w.Write(s.Entries.Length);
                foreach (var entry in s.Entries) WriteRegistered(w, entry);
            },
            r =>
            {
                var n = Count(r, MinRegisteredBytes, "catalog entries");
                var entries = ImmutableArray.CreateBuilder<DeliveryStreamRegistered>(n);
                for (var i = 0; i < n; i++) entries.Add(ReadRegistered(r));
                return new DeliveryCatalogSnapshot(entries.MoveToImmutable());
            })
        // ---- commands to a delivery stream (any node -> the node of the DeliveryStream entity) ----
        .Add<CreateDeliveryStream>("fC", (w, m) => { w.Write(m.DeliveryStreamName); WriteJson(w, m.Metadata.ToJson()); },
            r => new CreateDeliveryStream(r.ReadString(), DeliveryStreamMetadata.FromJson(ReadJson(r))))
        .Add<DescribeDeliveryStream>("fD", (w, m) => w.Write(m.DeliveryStreamName), r => new DescribeDeliveryStream(r.ReadString()))
        .Add<UpdateDeliveryDestination>("fU", (w, m) =>
            {
                w.Write(m.DeliveryStreamName); w.Write(m.CurrentVersion); w.Write(m.DestinationId);
                WriteJson(w, DeliveryStreamMetadata.PartToJson(m.Destination)); w.Write(m.AtMs);
            },
            r => new UpdateDeliveryDestination(r.ReadString(), r.ReadInt32(), r.ReadString(),
                DeliveryStreamMetadata.PartFromJson<DeliveryDestination>(ReadJson(r)), r.ReadInt64()))
        .Add<ChangeDeliveryStreamTags>("fT", (w, m) =>
            {
                w.Write(m.DeliveryStreamName); WriteTags(w, m.Add); WriteStrings(w, m.Remove); w.Write(m.AtMs);
            },
            r => new ChangeDeliveryStreamTags(r.ReadString(), ReadTags(r), ReadStrings(r), r.ReadInt64()))
        .Add<SetDeliveryStreamEncryption>("fE", (w, m) =>
            {
                w.Write(m.DeliveryStreamName); WriteJson(w, DeliveryStreamMetadata.PartToJson(m.Encryption)); w.Write(m.AtMs);
            },
            r => new SetDeliveryStreamEncryption(r.ReadString(), DeliveryStreamMetadata.PartFromJson<DeliveryStreamEncryption>(ReadJson(r)), r.ReadInt64()))
        .Add<DeleteDeliveryStream>("fX", (w, m) => w.Write(m.DeliveryStreamName), r => new DeleteDeliveryStream(r.ReadString()))
        .Add<PutFirehoseRecords>("fP", (w, m) =>
            {
                w.Write(m.DeliveryStreamName); w.Write(m.Bytes); w.Write(m.Records.Length);
                foreach (var record in m.Records) { w.Write(record.Length); w.Write(record); }
            },
            r =>
            {
                var name = r.ReadString();
                var bytes = r.ReadInt64();
                var records = new byte[Count(r, MinCountBytes, "records")][];
                for (var i = 0; i < records.Length; i++) records[i] = ReadBlob(r);
                return new PutFirehoseRecords(name, records, bytes);
            })
        .Add<WakeDeliveryStream>("fW", (w, m) => w.Write(m.DeliveryStreamName), r => new WakeDeliveryStream(r.ReadString()))
        // ---- commands to the delivery catalog ----
        .Add<RegisterDeliveryStream>("fR", (w, m) => { w.Write(m.Name); w.Write((byte)m.Type); w.Write(m.CreatedAtMs); },
            r => new RegisterDeliveryStream(r.ReadString(), (DeliveryStreamType)r.ReadByte(), r.ReadInt64()))
        .Add<UnregisterDeliveryStream>("fN", (w, m) => w.Write(m.Name), r => new UnregisterDeliveryStream(r.ReadString()))
        .Add<ListDeliveryStreamNames>("fL", (w, m) =>
            {
                w.Write(m.Limit); WriteNullable(w, m.ExclusiveStartName); w.Write(m.Type.HasValue);
                if (m.Type is { } type) w.Write((byte)type);
            },
            r => new ListDeliveryStreamNames(r.ReadInt32(), ReadNullableString(r), r.ReadBoolean() ? (DeliveryStreamType)r.ReadByte() : null))
        .Add<StartDeliveryCatalog>("fS", (_, _) => { }, _ => StartDeliveryCatalog.Instance)
        .Add<DeliveryStreamGone>("fG", (w, m) => w.Write(m.Name), r => new DeliveryStreamGone(r.ReadString()))
        // ---- replies ----
        .Add<DeliveryStreamAck>("fK", (w, m) => w.Write(m.Name), r => new DeliveryStreamAck(r.ReadString()))
        .Add<PutFirehoseRecordsResult>("fA", (w, m) => { w.Write(m.EventNo); w.Write(m.FirstIndex); w.Write(m.Accepted); w.Write(m.Encrypted); },
            r => new PutFirehoseRecordsResult(r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadBoolean()))
        .Add<DeliveryStreamTags>("fY", (w, m) => WriteTags(w, m.Tags), r => new DeliveryStreamTags(ReadTags(r)))
        .Add<DeliveryStreamDescription>("fI", (w, m) =>
            {
                w.Write(m.DeliveryStreamName); w.Write(m.DeliveryStreamArn); w.Write((byte)m.Status); w.Write((byte)m.DeliveryStreamType);
                w.Write(m.VersionId); w.Write(m.CreateTimestamp.ToUnixTimeMilliseconds()); w.Write(m.LastUpdateTimestamp.ToUnixTimeMilliseconds());
                WriteJson(w, DeliveryStreamMetadata.PartToJson(m.Encryption));
                w.Write(m.KinesisStreamSource is not null);
                if (m.KinesisStreamSource is not null) WriteJson(w, DeliveryStreamMetadata.PartToJson(m.KinesisStreamSource));
                WriteJson(w, DeliveryStreamMetadata.PartToJson(m.Destination));
                // The statistics of the node that runs the delivery stream (null when it has none yet).
                w.Write(m.Statistics is not null);
                if (m.Statistics is not null) WriteJson(w, DeliveryStreamMetadata.PartToJson(m.Statistics));
            },
            r => new DeliveryStreamDescription(r.ReadString(), r.ReadString(), (DeliveryStreamStatus)r.ReadByte(), (DeliveryStreamType)r.ReadByte(),
                r.ReadInt32(), DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64()), DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64()),
                DeliveryStreamMetadata.PartFromJson<DeliveryStreamEncryption>(ReadJson(r)),
                r.ReadBoolean() ? DeliveryStreamMetadata.PartFromJson<KinesisStreamSourceConfiguration>(ReadJson(r)) : null,
                DeliveryStreamMetadata.PartFromJson<DeliveryDestination>(ReadJson(r)))
            {
                Statistics = r.ReadBoolean() ? DeliveryStreamMetadata.PartFromJson<DeliveryStreamStatistics>(ReadJson(r)) : null,
            })
        .Add<ListDeliveryStreamsResult>("fZ", (w, m) => { WriteStrings(w, [.. m.DeliveryStreamNames]); w.Write(m.HasMoreDeliveryStreams); },
            r => new ListDeliveryStreamsResult(ReadStrings(r).ToList(), r.ReadBoolean()));

    /// <summary>Created by Akka's serialization extension.</summary>
    public FirehoseSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <summary>The manifest of every type this serializer writes (for tests and diagnostics).</summary>
    internal static IReadOnlyDictionary<Type, string> Manifests =>
        new Dictionary<Type, string>(Table.Manifests) { [typeof(FirehoseRecordsAccepted)] = FirehoseRecordsAcceptedManifest };

    /// <inheritdoc />
    public override string Manifest(object o) => o is FirehoseRecordsAccepted ? FirehoseRecordsAcceptedManifest : Table.For(o.GetType()).Manifest;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        if (obj is FirehoseRecordsAccepted accepted) return WriteRecordsAccepted(accepted);
        var format = Table.For(obj.GetType());
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) format.Write(w, obj);
        return stream.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest == FirehoseRecordsAcceptedManifest)
        {
            try
            {
                return ReadRecordsAccepted(bytes);
            }
            catch (Exception e) when (FrameBounds.IsMalformedFrame(e))
            {
                throw FrameBounds.Malformed(nameof(FirehoseSerializer), manifest, e);
            }
        }
        if (!Table.TryGet(manifest, out var format))
            throw new SerializationException($"Unknown manifest '{manifest}' for {nameof(FirehoseSerializer)}");
        try
        {
            using var r = new BoundedBinaryReader(bytes);
            return format.Read(r);
        }
        catch (Exception e) when (FrameBounds.IsMalformedFrame(e))
        {
            throw FrameBounds.Malformed(nameof(FirehoseSerializer), manifest, e);
        }
    }

    // The least each item of a counted list takes, to check a count against the bytes left before allocating for it.
    private const int MinCountBytes = 4;
    private const int MinTagsBytes = MinCountBytes;
    private const int SealedBufferBytes = 16 + 4 + 8;
    private const int MinRegisteredBytes = 1 + 1 + 8;

    private static int Count(BinaryReader r, int minItemBytes, string what) => ((BoundedBinaryReader)r).ReadCount(minItemBytes, what);

    // Layout: timestamp (i64 LE), count (i32 LE), then per record: data length (i32 LE) + data.
    private static byte[] WriteRecordsAccepted(FirehoseRecordsAccepted e)
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

    private static FirehoseRecordsAccepted ReadRecordsAccepted(byte[] bytes)
    {
        var span = bytes.AsSpan();
        if (span.Length < 12) throw new SerializationException("A FirehoseRecordsAccepted event shorter than its header.");
        var timestamp = BinaryPrimitives.ReadInt64LittleEndian(span);
        var count = FrameBounds.Count(BinaryPrimitives.ReadInt32LittleEndian(span[8..]), span.Length - 12, MinCountBytes, "records");
        var records = new byte[count][];
        var pos = 12;
        for (var i = 0; i < count; i++)
        {
            if (pos + 4 > span.Length) throw new SerializationException($"Record {i} of a FirehoseRecordsAccepted event runs past its end.");
            var length = BinaryPrimitives.ReadInt32LittleEndian(span[pos..]);
            if (length < 0 || length > span.Length - pos - 4)
                throw new SerializationException($"Record {i} of a FirehoseRecordsAccepted event ({length} bytes) runs past its end.");
            records[i] = span.Slice(pos + 4, length).ToArray();
            pos += 4 + length;
        }
        return new FirehoseRecordsAccepted(timestamp, records);
    }

    // A protobuf message fills the rest of the frame.
    private static void WriteProto(BinaryWriter w, IMessage message) => w.Write(message.ToByteArray());

    private static T ReadProto<T>(BinaryReader r, MessageParser<T> parser) where T : IMessage<T> =>
        parser.ParseFrom(r.ReadBytes(checked((int)(r.BaseStream.Length - r.BaseStream.Position))));

    private static DeliveryStreamMetadataProto ToProto(DeliveryStreamMetadata m)
    {
        var proto = new DeliveryStreamMetadataProto
        {
            Name = m.Name,
            Type = (int)m.Type,
            DestinationJson = ByteString.CopyFrom(DeliveryStreamMetadata.PartToJson(m.Destination)),
            EncryptionJson = ByteString.CopyFrom(DeliveryStreamMetadata.PartToJson(m.Encryption)),
            Version = m.Version,
            CreatedAtMs = m.CreatedAtMs,
            UpdatedAtMs = m.UpdatedAtMs,
        };
        if (m.Source is not null) proto.SourceJson = ByteString.CopyFrom(DeliveryStreamMetadata.PartToJson(m.Source));
        proto.Tags.Add(m.Tags);
        return proto;
    }

    private static DeliveryStreamMetadata FromProto(DeliveryStreamMetadataProto p)
    {
        if (!Enum.IsDefined((DeliveryStreamType)p.Type))
            throw new SerializationException($"Delivery stream metadata with an unknown DeliveryStreamType {p.Type}.");
        return new DeliveryStreamMetadata(
            p.Name,
            (DeliveryStreamType)p.Type,
            p.HasSourceJson ? DeliveryStreamMetadata.PartFromJson<KinesisStreamSourceConfiguration>(p.SourceJson.Span) : null,
            DeliveryStreamMetadata.PartFromJson<DeliveryDestination>(p.DestinationJson.Span),
            DeliveryStreamMetadata.PartFromJson<DeliveryStreamEncryption>(p.EncryptionJson.Span),
            ToSorted(p.Tags),
            p.Version,
            p.CreatedAtMs,
            p.UpdatedAtMs);
    }

    private static void WriteSnapshot(BinaryWriter w, DeliveryStreamSnapshot s)
    {
        var proto = new DeliveryStreamSnapshotProto { Metadata = s.Metadata is null ? null : ToProto(s.Metadata), Deleted = s.Deleted };
        proto.Records.Add(s.Records.Select(ToProto));
        proto.Sealed.Add(s.Sealed.Select(ToProto));
        proto.Checkpoints.Add(s.Checkpoints);
        foreach (var p in s.Partitions)
        {
            var partition = new PartitionSnapshotProto { Overflow = p.Overflow, OpenedAtMs = p.OpenedAtMs };
            partition.Keys.Add(p.Keys);
            partition.Records.Add(p.Records.Select(ToProto));
            partition.Sealed.Add(p.Sealed.Select(ToProto));
            proto.Partitions.Add(partition);
        }
        WriteProto(w, proto);
    }

    private static DeliveryStreamSnapshot ReadSnapshot(BinaryReader r)
    {
        var p = ReadProto(r, DeliveryStreamSnapshotProto.Parser);
        var partitions = p.Partitions
            .Select(q => new PartitionSnapshot(ToSorted(q.Keys), q.Overflow, [.. q.Records.Select(FromProto)], [.. q.Sealed.Select(FromProto)], q.OpenedAtMs))
            .ToImmutableArray();
        return new DeliveryStreamSnapshot(p.Metadata is null ? null : FromProto(p.Metadata), p.Deleted,
            [.. p.Records.Select(FromProto)], [.. p.Sealed.Select(FromProto)], ToSorted(p.Checkpoints)) { Partitions = partitions };
    }

    private static BufferedRecordProto ToProto(BufferedRecord r) => new() { ArrivalMs = r.ArrivalMs, Data = ByteString.CopyFrom(r.Data) };

    private static BufferedRecord FromProto(BufferedRecordProto p) => new(p.ArrivalMs, p.Data.ToByteArray());

    private static SealedBufferProto ToProto(SealedBuffer b) =>
        new() { BufferId = ByteString.CopyFrom(b.BufferId.ToByteArray()), RecordCount = b.RecordCount, SealedAtMs = b.SealedAtMs };

    private static SealedBuffer FromProto(SealedBufferProto p) =>
        p.BufferId.Length == 16
            ? new SealedBuffer(new Guid(p.BufferId.Span), p.RecordCount, p.SealedAtMs)
            : throw new SerializationException($"A sealed buffer id of {p.BufferId.Length} bytes (a Guid has 16).");

    private static ImmutableSortedDictionary<string, string> ToSorted(IDictionary<string, string> map) =>
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, map);

    private static void WriteSealed(BinaryWriter w, ImmutableArray<SealedBuffer> buffers)
    {
        w.Write(buffers.Length);
        foreach (var b in buffers) { w.Write(b.BufferId.ToByteArray()); w.Write(b.RecordCount); w.Write(b.SealedAtMs); }
    }

    private static ImmutableArray<SealedBuffer> ReadSealed(BinaryReader r)
    {
        var n = Count(r, SealedBufferBytes, "sealed buffers");
        var buffers = ImmutableArray.CreateBuilder<SealedBuffer>(n);
        for (var i = 0; i < n; i++) buffers.Add(new SealedBuffer(new Guid(r.ReadBytes(16)), r.ReadInt32(), r.ReadInt64()));
        return buffers.MoveToImmutable();
    }

    private static void WriteBufferedRecords(BinaryWriter w, ImmutableArray<BufferedRecord> records)
    {
        w.Write(records.Length);
        foreach (var rec in records) { w.Write(rec.ArrivalMs); w.Write(rec.Data.Length); w.Write(rec.Data); }
    }

    private static ImmutableArray<BufferedRecord> ReadBufferedRecords(BinaryReader r)
    {
        var n = Count(r, 8 + MinCountBytes, "buffered records");
        var records = ImmutableArray.CreateBuilder<BufferedRecord>(n);
        for (var i = 0; i < n; i++)
        {
            var arrival = r.ReadInt64();
            records.Add(new BufferedRecord(arrival, ReadBlob(r)));
        }
        return records.MoveToImmutable();
    }

    private static void WriteRegistered(BinaryWriter w, DeliveryStreamRegistered e)
    {
        w.Write(e.Name); w.Write((byte)e.Type); w.Write(e.CreatedAtMs);
    }

    private static DeliveryStreamRegistered ReadRegistered(BinaryReader r) => new(r.ReadString(), (DeliveryStreamType)r.ReadByte(), r.ReadInt64());

    // A count, then each key and value.
    private static void WriteTags(BinaryWriter w, ImmutableSortedDictionary<string, string> tags)
    {
        w.Write(tags.Count);
        foreach (var (k, v) in tags) { w.Write(k); w.Write(v); }
    }

    private static ImmutableSortedDictionary<string, string> ReadTags(BinaryReader r)
    {
        var n = Count(r, 2, "tags");
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++) b[r.ReadString()] = r.ReadString();
        return b.ToImmutable();
    }

    // A count, then each string.
    private static void WriteStrings(BinaryWriter w, ImmutableArray<string> values)
    {
        w.Write(values.Length);
        foreach (var v in values) w.Write(v);
    }

    private static ImmutableArray<string> ReadStrings(BinaryReader r)
    {
        var n = Count(r, 1, "strings");
        var values = ImmutableArray.CreateBuilder<string>(n);
        for (var i = 0; i < n; i++) values.Add(r.ReadString());
        return values.MoveToImmutable();
    }

    private static void WriteNullable(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    private static string? ReadNullableString(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    // A length (i32) and the bytes: JSON documents and record payloads alike.
    private static void WriteJson(BinaryWriter w, byte[] json)
    {
        w.Write(json.Length);
        w.Write(json);
    }

    private static byte[] ReadJson(BinaryReader r) => ReadBlob(r);

    private static byte[] ReadBlob(BinaryReader r)
    {
        var length = r.ReadInt32();
        if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
            throw new SerializationException($"A payload of {length} bytes runs past the end of the {nameof(FirehoseSerializer)} layout.");
        return r.ReadBytes(length);
    }

    private sealed record Format(string Manifest, Action<BinaryWriter, object> Write, Func<BinaryReader, object> Read);

    private sealed class Formats
    {
        private readonly Dictionary<Type, Format> _byType = new();
        private readonly Dictionary<string, Format> _byManifest = new(StringComparer.Ordinal);

        public IReadOnlyDictionary<Type, string> Manifests => _byType.ToDictionary(p => p.Key, p => p.Value.Manifest);

        public Formats Add<T>(string manifest, Action<BinaryWriter, T> write, Func<BinaryReader, T> read) where T : notnull
        {
            var format = new Format(manifest, (w, o) => write(w, (T)o), r => read(r));
            if (manifest == FirehoseRecordsAcceptedManifest || !_byManifest.TryAdd(manifest, format))
                throw new InvalidOperationException($"Manifest '{manifest}' is used twice.");
            if (!_byType.TryAdd(typeof(T), format)) throw new InvalidOperationException($"{typeof(T)} has two formats.");
            return this;
        }

        public Format For(Type type) =>
            _byType.TryGetValue(type, out var format)
                ? format
                : throw new ArgumentException($"{type} has no format in {nameof(FirehoseSerializer)}; add one to its table.");

        public bool TryGet(string manifest, out Format format) => _byManifest.TryGetValue(manifest, out format!);
    }
}
