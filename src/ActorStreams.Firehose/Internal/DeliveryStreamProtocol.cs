using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorStreams.Firehose.Serialization;
using ActorStreams.Kinesis;

namespace ActorStreams.Firehose.Internal;

// Everything a DeliveryStream entity and the delivery catalog persist, receive and answer. Events and snapshots go
// through FirehoseSerializer: record payloads as raw bytes, the small control-plane metadata as JSON inside it.
// Commands and replies cross nodes (any node takes any request; the entity lives on one of them) and are written by
// the same serializer in the same way.

/// <summary>A message addressed to one DeliveryStream entity through its sharding region.</summary>
internal interface IDeliveryStreamCommand : IFirehoseMessage
{
    string DeliveryStreamName { get; }
}

/// <summary>A message for the delivery catalog.</summary>
internal interface IDeliveryCatalogCommand : IFirehoseMessage;

/// <summary>The control-plane state of a delivery stream: configuration, version, tags, encryption.</summary>
internal sealed record DeliveryStreamMetadata(
    string Name,
    DeliveryStreamType Type,
    KinesisStreamSourceConfiguration? Source,
    DeliveryDestination Destination,
    DeliveryStreamEncryption Encryption,
    ImmutableSortedDictionary<string, string> Tags,
    int Version,
    long CreatedAtMs,
    long UpdatedAtMs)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    public static DeliveryStreamMetadata FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<DeliveryStreamMetadata>(json, Options) ?? throw new JsonException("Empty delivery stream metadata.");

    /// <summary>A part of the configuration (a destination, a source, encryption) as the metadata writes it.</summary>
    public static byte[] PartToJson<T>(T part) where T : class => JsonSerializer.SerializeToUtf8Bytes(part, Options);

    public static T PartFromJson<T>(ReadOnlySpan<byte> json) where T : class =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Empty {typeof(T).Name}.");

    public bool Equals(DeliveryStreamMetadata? other) => other is not null && ToJson().AsSpan().SequenceEqual(other.ToJson());

    public override int GetHashCode() => HashCode.Combine(Name, Version);
}

/// <summary>
/// A record accepted and not yet delivered: its arrival time (the event's) and data; after a transformation, the
/// <c>metadata.partitionKeys</c> it returned (never journaled: partitions are journaled with their keys resolved).
/// </summary>
internal readonly record struct BufferedRecord(long ArrivalMs, byte[] Data, IReadOnlyDictionary<string, string>? LambdaKeys = null);

/// <summary>A closed buffer: the next <see cref="RecordCount"/> undelivered records, delivered as one unit under <see cref="BufferId"/>.</summary>
internal readonly record struct SealedBuffer(Guid BufferId, int RecordCount, long SealedAtMs);

// ---- events ----

internal sealed record DeliveryStreamChanged(DeliveryStreamMetadata Metadata) : IFirehoseSerializable;

internal sealed record DeliveryStreamDeleted(long DeletedAtMs) : IFirehoseSerializable;

/// <summary>One group commit of puts: every record accepted in one write, all with the same arrival time.</summary>
internal sealed record FirehoseRecordsAccepted(long TimestampMs, byte[][] Records) : IFirehoseSerializable
{
    public bool Equals(FirehoseRecordsAccepted? other) =>
        other is not null && TimestampMs == other.TimestampMs && Records.Length == other.Records.Length
        && Records.Zip(other.Records).All(p => p.Item1.AsSpan().SequenceEqual(p.Item2));

    public override int GetHashCode() => HashCode.Combine(TimestampMs, Records.Length);
}

/// <summary>
/// An event or snapshot of a delivery stream with encryption on, sealed at rest (AES-256-GCM, the Kinesis shards'
/// <c>RecordCipher</c>): <see cref="Sealed"/> opens, under <see cref="KeyId"/>, into the layout of <see cref="Manifest"/>.
/// </summary>
internal sealed record SealedFirehoseEvent(string KeyId, string Manifest, byte[] Sealed) : IFirehoseSerializable
{
    public bool Equals(SealedFirehoseEvent? other) =>
        other is not null && KeyId == other.KeyId && Manifest == other.Manifest && Sealed.AsSpan().SequenceEqual(other.Sealed);

    public override int GetHashCode() => HashCode.Combine(KeyId, Manifest, Sealed.Length);
}

/// <summary>The oldest undelivered records were closed into a buffer; its id stays the same across retries and restarts.</summary>
internal sealed record DeliveryBufferSealed(Guid BufferId, int RecordCount, long SealedAtMs) : IFirehoseSerializable;

/// <summary>The oldest closed buffer was delivered (or its records went to the error output): its records are done.</summary>
internal sealed record DeliveryBufferCompleted(Guid BufferId) : IFirehoseSerializable;

/// <summary>
/// Dynamic partitioning: the oldest closed intake buffer was transformed and split by partition keys. Its records are
/// done (as <see cref="DeliveryBufferCompleted"/>) and <see cref="Groups"/> join their partitions' buffers, at
/// <see cref="AtMs"/>. An overflow group (beyond the active partition limit) goes to the error output.
/// </summary>
internal sealed record DeliveryRecordsPartitioned(Guid SourceBufferId, long AtMs, ImmutableArray<PartitionedRecords> Groups) : IFirehoseSerializable
{
    public bool Equals(DeliveryRecordsPartitioned? other) =>
        other is not null && SourceBufferId == other.SourceBufferId && AtMs == other.AtMs && Groups.SequenceEqual(other.Groups);

    public override int GetHashCode() => HashCode.Combine(SourceBufferId, AtMs, Groups.Length);
}

/// <summary>The records of one partition (or, with <see cref="Overflow"/>, of partitions over the limit) from one intake buffer.</summary>
internal sealed record PartitionedRecords(ImmutableSortedDictionary<string, string> Keys, bool Overflow, ImmutableArray<BufferedRecord> Records)
{
    public bool Equals(PartitionedRecords? other) =>
        other is not null && Overflow == other.Overflow && Keys.SequenceEqual(other.Keys) && Records.Length == other.Records.Length
        && Records.Zip(other.Records).All(p => p.Item1.ArrivalMs == p.Item2.ArrivalMs && p.Item1.Data.AsSpan().SequenceEqual(p.Item2.Data));

    public override int GetHashCode() => HashCode.Combine(Overflow, Keys.Count, Records.Length);

    /// <summary>The partition's identity: <see cref="Partitioning.Canonical"/> of the keys, empty for the overflow.</summary>
    public string Partition => Overflow ? "" : Partitioning.Canonical(Keys);
}

/// <summary>The oldest open records of one partition were closed into a buffer (delivered as one object under its id).</summary>
internal sealed record PartitionBufferSealed(Guid BufferId, string Partition, int RecordCount, long SealedAtMs) : IFirehoseSerializable;

/// <summary>A partition and its undelivered records, as a snapshot holds it.</summary>
internal sealed record PartitionSnapshot(ImmutableSortedDictionary<string, string> Keys, bool Overflow, ImmutableArray<BufferedRecord> Records,
    ImmutableArray<SealedBuffer> Sealed, long OpenedAtMs)
{
    public bool Equals(PartitionSnapshot? other) =>
        other is not null && Overflow == other.Overflow && OpenedAtMs == other.OpenedAtMs && Keys.SequenceEqual(other.Keys)
        && Sealed.SequenceEqual(other.Sealed) && Records.Length == other.Records.Length
        && Records.Zip(other.Records).All(p => p.Item1.ArrivalMs == p.Item2.ArrivalMs && p.Item1.Data.AsSpan().SequenceEqual(p.Item2.Data));

    public override int GetHashCode() => HashCode.Combine(Overflow, Keys.Count, Records.Length);
}

/// <summary>
/// A KinesisStreamAsSource delivery stream's position in one source shard: everything up to it is delivered. Written
/// only before delivery streams read as consumer applications; still read, and moved into the application.
/// </summary>
internal sealed record SourceCheckpointed(string ShardId, string SequenceNumber) : IFirehoseSerializable;

/// <summary>The whole entity state, undelivered records included (bounded by the backlog limit).</summary>
internal sealed record DeliveryStreamSnapshot(
    DeliveryStreamMetadata? Metadata,
    bool Deleted,
    ImmutableArray<BufferedRecord> Records,
    ImmutableArray<SealedBuffer> Sealed,
    ImmutableSortedDictionary<string, string> Checkpoints) : IFirehoseSerializable
{
    /// <summary>The partitions of a dynamically partitioned delivery stream (absent in snapshots written before partitioning existed).</summary>
    public ImmutableArray<PartitionSnapshot> Partitions { get; init; } = ImmutableArray<PartitionSnapshot>.Empty;

    public bool Equals(DeliveryStreamSnapshot? other) =>
        other is not null && Equals(Metadata, other.Metadata) && Deleted == other.Deleted && Sealed.SequenceEqual(other.Sealed)
        && Partitions.SequenceEqual(other.Partitions)
        && Checkpoints.SequenceEqual(other.Checkpoints) && Records.Length == other.Records.Length
        && Records.Zip(other.Records).All(p => p.Item1.ArrivalMs == p.Item2.ArrivalMs && p.Item1.Data.AsSpan().SequenceEqual(p.Item2.Data));

    public override int GetHashCode() => HashCode.Combine(Metadata, Records.Length, Sealed.Length);
}

internal sealed record DeliveryStreamRegistered(string Name, DeliveryStreamType Type, long CreatedAtMs) : IFirehoseSerializable;

internal sealed record DeliveryStreamUnregistered(string Name) : IFirehoseSerializable;

internal sealed record DeliveryCatalogSnapshot(ImmutableArray<DeliveryStreamRegistered> Entries) : IFirehoseSerializable
{
    public bool Equals(DeliveryCatalogSnapshot? other) => other is not null && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode() => Entries.Length;
}

// ---- commands to a delivery stream ----

internal sealed record CreateDeliveryStream(string DeliveryStreamName, DeliveryStreamMetadata Metadata) : IDeliveryStreamCommand;

internal sealed record DescribeDeliveryStream(string DeliveryStreamName) : IDeliveryStreamCommand;

internal sealed record UpdateDeliveryDestination(string DeliveryStreamName, int CurrentVersion, string DestinationId, DeliveryDestination Destination, long AtMs)
    : IDeliveryStreamCommand;

internal sealed record ChangeDeliveryStreamTags(string DeliveryStreamName, ImmutableSortedDictionary<string, string> Add, ImmutableArray<string> Remove, long AtMs)
    : IDeliveryStreamCommand;

internal sealed record SetDeliveryStreamEncryption(string DeliveryStreamName, DeliveryStreamEncryption Encryption, long AtMs) : IDeliveryStreamCommand;

internal sealed record DeleteDeliveryStream(string DeliveryStreamName) : IDeliveryStreamCommand;

internal sealed record PutFirehoseRecords(string DeliveryStreamName, byte[][] Records, long Bytes) : IDeliveryStreamCommand;

/// <summary>Starts the entity (the catalog sends it to every delivery stream on recovery, so delivery resumes after a restart).</summary>
internal sealed record WakeDeliveryStream(string DeliveryStreamName) : IDeliveryStreamCommand;

// ---- commands to the catalog ----

internal sealed record RegisterDeliveryStream(string Name, DeliveryStreamType Type, long CreatedAtMs) : IDeliveryCatalogCommand;

internal sealed record UnregisterDeliveryStream(string Name) : IDeliveryCatalogCommand;

internal sealed record ListDeliveryStreamNames(int Limit, string? ExclusiveStartName, DeliveryStreamType? Type) : IDeliveryCatalogCommand;

/// <summary>Starts the catalog (which wakes every delivery stream as it recovers); answered with nothing.</summary>
internal sealed record StartDeliveryCatalog : IDeliveryCatalogCommand
{
    public static readonly StartDeliveryCatalog Instance = new();
}

// ---- replies ----

internal sealed record DeliveryStreamAck(string Name) : IFirehoseMessage;

/// <summary>The first <see cref="Accepted"/> records are durable as event <see cref="EventNo"/> from <see cref="FirstIndex"/>; the rest were refused because the backlog is full.</summary>
internal sealed record PutFirehoseRecordsResult(long EventNo, int FirstIndex, int Accepted, bool Encrypted) : IFirehoseMessage;

internal sealed record DeliveryStreamTags(ImmutableSortedDictionary<string, string> Tags) : IFirehoseMessage;

/// <summary>The answer to a wake-up from an entity that holds no delivery stream: the catalog forgets the name.</summary>
internal sealed record DeliveryStreamGone(string Name) : IDeliveryCatalogCommand;
