using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Text;
using ActorStreams.Internal;
using ActorStreams.Streams;
using Akka.Actor;
using Akka.Serialization;

namespace ActorStreams.Serialization;

/// <summary>
/// The binary wire format of the commands and replies that cross nodes: everything sent through the StreamShard,
/// stream catalog and consumer application sharding regions, every answer of their entities, and what a StreamShard
/// pushes to a SubscribeToShard subscriber on another node. Record payloads travel as raw bytes and are read back as
/// slices of the received buffer; actor refs travel as their serialized paths. Identifier 7118; each message has a short manifest.
/// </summary>
/// <remarks>
/// Adding a message is one <c>Add</c> line in <see cref="Formats"/>: its manifest, how to write it, how to read it.
/// A manifest must never be reused for another layout once released, since nodes of two versions may meet during a
/// rolling upgrade.
/// </remarks>
public sealed class ActorStreamsMessageSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer identifier bound in <c>reference.conf</c>.</summary>
    public const int SerializerId = 7118;

    private static readonly MessageFormats Formats = new MessageFormats()
        // ---- StreamShard commands ----
        // The key id (encryption at rest) trails the original layout: absent when the stream is not encrypted, and a
        // message from a node without encryption support (no trailing bytes) reads as unencrypted.
        .Add<InitializeShard>("sI", (w, m) =>
            {
                w.Write(m.EntityId);
                ActorStreamsSerializer.Write(w, m.Init);
                if (m.KeyId is not null) w.Write(m.KeyId);
            },
            r => new InitializeShard(r.ReadString(), ActorStreamsSerializer.ReadShardInitialized(r),
                r.BaseStream.Position < r.BaseStream.Length ? r.ReadString() : null))
        // ---- encryption at rest (Internal/EncryptionProtocol.cs) ----
        .Add<SetShardEncryption>("sE", (w, m) => { w.Write(m.EntityId); w.Write(m.KeyId is not null); if (m.KeyId is not null) w.Write(m.KeyId); },
            r => new SetShardEncryption(r.ReadString(), r.ReadBoolean() ? r.ReadString() : null))
        .Add<ChangeEncryption>("cK", (w, m) => { w.Write(m.Name); w.Write(m.KeyId is not null); if (m.KeyId is not null) w.Write(m.KeyId); },
            r => new ChangeEncryption(r.ReadString(), r.ReadBoolean() ? r.ReadString() : null))
        .Add<AppendRecords>("sA", (w, m) =>
            {
                w.Write(m.EntityId); w.Write(m.Bytes); w.Write(m.RequestId.ToByteArray()); w.Write(m.Unthrottled); WriteRecords(w, m.Records);
            },
            r =>
            {
                var entityId = r.ReadString();
                var bytes = r.ReadInt64();
                var requestId = new Guid(r.ReadBytes(16));
                var unthrottled = r.ReadBoolean();
                return new AppendRecords(entityId, ReadRecords(r), bytes, requestId, unthrottled);
            })
        .Add<ReadRecords>("sR", (w, m) =>
            {
                w.Write(m.EntityId); Write(w, m.From); w.Write(m.MinTimestampMs); w.Write(m.Limit); w.Write(m.MaxBytes); w.Write(m.Wait.Ticks);
                w.Write(m.SharedCapacity);
            },
            r => new ReadRecords(r.ReadString(), ReadSequence(r), r.ReadInt64(), r.ReadInt32(), r.ReadInt64(), TimeSpan.FromTicks(r.ReadInt64()),
                r.ReadBoolean()))
        .Add<ResolveIterator>("sT", (w, m) =>
            {
                w.Write(m.EntityId); w.Write((byte)m.Type); w.Write(m.Sequence.HasValue);
                if (m.Sequence is { } s) Write(w, s);
                w.Write(m.TimestampMs); w.Write(m.CountCall);
            },
            r =>
            {
                var entityId = r.ReadString();
                var type = (ShardIteratorType)r.ReadByte();
                SequenceNumber? sequence = r.ReadBoolean() ? ReadSequence(r) : null;
                return new ResolveIterator(entityId, type, sequence, r.ReadInt64(), r.ReadBoolean());
            })
        .Add<ChargeReadBytes>("sC", (w, m) => { w.Write(m.EntityId); w.Write(m.Bytes); }, r => new ChargeReadBytes(r.ReadString(), r.ReadInt64()))
        .Add<SetShardRetention>("sH", (w, m) => { w.Write(m.EntityId); w.Write(m.RetentionHours); },
            r => new SetShardRetention(r.ReadString(), r.ReadInt32()))
        .Add<RetireShard>("sX", (w, m) => w.Write(m.EntityId), r => new RetireShard(r.ReadString()))
        .Add<WakeShard>("sW", (w, m) => w.Write(m.EntityId), r => new WakeShard(r.ReadString()))
        .Add<GetShardLoad>("sL", (w, m) => w.Write(m.EntityId), r => new GetShardLoad(r.ReadString()))
        .Add<CloseShard>("sZ", (w, m) => { w.Write(m.EntityId); ActorStreamsSerializer.WriteChildren(w, m.Children); },
            r => new CloseShard(r.ReadString(), ActorStreamsSerializer.ReadChildren(r)))
        // ---- StreamShard replies ----
        // ---- consumer application commands and replies ----
        .Add<ConsumerHeartbeat>("aH", (w, m) =>
            {
                w.Write(m.EntityId); w.Write(m.MemberId); ConsumerApplicationSerializer.WriteInts(w, m.Held); w.Write(m.LeaseDurationMs); w.Write(m.InitialLatest); w.Write(m.Leaving);
            },
            r => new ConsumerHeartbeat(r.ReadString(), r.ReadString(), ConsumerApplicationSerializer.ReadInts(r), r.ReadInt64(), r.ReadBoolean(), r.ReadBoolean()))
        .Add<CommitCheckpoints>("aC", (w, m) => { w.Write(m.EntityId); w.Write(m.MemberId); ConsumerApplicationSerializer.WriteUpdates(w, m.Updates); },
            r => new CommitCheckpoints(r.ReadString(), r.ReadString(), ConsumerApplicationSerializer.ReadUpdates(r)))
        .Add<GetConsumerApplication>("aG", (w, m) => w.Write(m.EntityId), r => new GetConsumerApplication(r.ReadString()))
        .Add<LeaseAssignment>("aL", (w, m) =>
            {
                w.Write(m.Granted.Length);
                foreach (var g in m.Granted)
                {
                    w.Write(g.ShardIndex); w.Write(g.Position.HasValue);
                    if (g.Position is { } p) Write(w, p);
                    w.Write(g.FromLatest);
                }
                ConsumerApplicationSerializer.WriteInts(w, m.Revoked);
            },
            r =>
            {
                var n = r.ReadInt32();
                var granted = ImmutableArray.CreateBuilder<ShardGrant>(n);
                for (var i = 0; i < n; i++)
                {
                    var index = r.ReadInt32();
                    SequenceNumber? position = r.ReadBoolean() ? ReadSequence(r) : null;
                    granted.Add(new ShardGrant(index, position, r.ReadBoolean()));
                }
                return new LeaseAssignment(granted.MoveToImmutable(), ConsumerApplicationSerializer.ReadInts(r));
            })
        .Add<CheckpointsCommitted>("aK", (w, m) => w.Write(m.EntityId), r => new CheckpointsCommitted(r.ReadString()))
        .Add<ConsumerApplicationState>("aS", (w, m) =>
            {
                ConsumerApplicationSerializer.WriteUpdates(w, [.. m.Checkpoints.Values]);
                w.Write(m.Leases.Count);
                foreach (var (shard, member) in m.Leases) { w.Write(shard); w.Write(member); }
                WriteStrings(w, m.Members);
            },
            r =>
            {
                var checkpoints = ConsumerApplicationSerializer.ReadUpdates(r).ToImmutableSortedDictionary(c => c.ShardIndex, c => c);
                var n = r.ReadInt32();
                var leases = ImmutableSortedDictionary.CreateBuilder<int, string>();
                for (var i = 0; i < n; i++) leases.Add(r.ReadInt32(), r.ReadString());
                return new ConsumerApplicationState(checkpoints, leases.ToImmutable(), ReadStrings(r));
            })
        .Add<ShardLoadResult>("rW", (w, m) => { w.Write(m.EntityId); w.Write(m.CapacityShare); w.Write(m.MeasuredSinceMs); },
            r => new ShardLoadResult(r.ReadString(), r.ReadDouble(), r.ReadInt64()))
        .Add<ErrorReply>("rE", (w, m) => { w.Write(m.Code); w.Write(m.Message); }, r => new ErrorReply(r.ReadString(), r.ReadString()))
        .Add<ShardAck>("rK", (w, m) => w.Write(m.EntityId), r => new ShardAck(r.ReadString()))
        .Add<AppendRecordsResult>("rA", (w, m) => { w.Write(m.EventNo); w.Write(m.FirstIndex); w.Write(m.Accepted); w.Write(m.RetryAfter.Ticks); },
            r => new AppendRecordsResult(r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), TimeSpan.FromTicks(r.ReadInt64())))
        .Add<ReadRecordsResult>("rR", (w, m) =>
            {
                w.Write(m.Records.Length);
                foreach (var record in m.Records)
                {
                    Write(w, record.Position);
                    w.Write(record.TimestampMs);
                    Write(w, record.Record);
                }
                Write(w, m.Next);
                w.Write(m.MillisBehindLatest);
                WriteOptional(w, m.EndOfShard);
            },
            r =>
            {
                var records = new ReadRecord[r.ReadInt32()];
                for (var i = 0; i < records.Length; i++) records[i] = new ReadRecord(ReadSequence(r), r.ReadInt64(), ReadRecord(r));
                return new ReadRecordsResult(records, ReadSequence(r), r.ReadInt64(), ReadOptionalShardClosed(r));
            })
        .Add<ReadFromJournal>("rJ", (w, m) =>
            {
                w.Write(m.PersistenceId); Write(w, m.From); w.Write(m.ToEventNoExclusive); w.Write(m.LatestTimestampMs);
                WriteOptional(w, m.Closed);
            },
            r => new ReadFromJournal(r.ReadString(), ReadSequence(r), r.ReadInt64(), r.ReadInt64(), ReadOptionalShardClosed(r)))
        .Add<AppendRefusedClosed>("rF", (w, m) => { w.Write(m.ShardIndex); ActorStreamsSerializer.Write(w, m.Closed); },
            r => new AppendRefusedClosed(r.ReadInt32(), ActorStreamsSerializer.ReadShardClosed(r)))
        .Add<ShardClosedResult>("rD", (w, m) => w.Write(m.EndingEventNo), r => new ShardClosedResult(r.ReadInt64()))
        .Add<ReadThrottled>("rT", (w, m) => { w.Write(m.RetryAfter.Ticks); w.Write(m.Message); },
            r => new ReadThrottled(TimeSpan.FromTicks(r.ReadInt64()), r.ReadString()))
        .Add<IteratorResolved>("rI", (w, m) => { Write(w, m.Position); w.Write(m.MinTimestampMs); },
            r => new IteratorResolved(ReadSequence(r), r.ReadInt64()))
        // ---- catalog commands ----
        .Add<CreateStreamCommand>("cC", (w, m) => { w.Write(m.Name); w.Write(m.ShardCount); w.Write((byte)m.Mode); },
            r => new CreateStreamCommand(r.ReadString(), r.ReadInt32(), (StreamMode)r.ReadByte()))
        .Add<DeleteStreamCommand>("cD", (w, m) => w.Write(m.Name), r => new DeleteStreamCommand(r.ReadString()))
        .Add<GetStream>("cG", (w, m) => w.Write(m.Name), r => new GetStream(r.ReadString()))
        .Add<ListStreamsCommand>("cL", (w, m) => { w.Write(m.Limit); WriteNullable(w, m.ExclusiveStartStreamName); },
            r => new ListStreamsCommand(r.ReadInt32(), ReadNullableString(r)))
        .Add<ChangeRetention>("cR", (w, m) => { w.Write(m.Name); w.Write(m.RetentionHours); w.Write(m.Increase); },
            r => new ChangeRetention(r.ReadString(), r.ReadInt32(), r.ReadBoolean()))
        .Add<AddTags>("cT", (w, m) => { w.Write(m.Name); ActorStreamsSerializer.WriteTags(w, m.Tags); },
            r => new AddTags(r.ReadString(), ActorStreamsSerializer.ReadTags(r)))
        .Add<RemoveTags>("cU", (w, m) => { w.Write(m.Name); WriteStrings(w, m.Keys); }, r => new RemoveTags(r.ReadString(), ReadStrings(r)))
        .Add<RegisterConsumer>("cN", (w, m) => { w.Write(m.StreamName); w.Write(m.ConsumerName); },
            r => new RegisterConsumer(r.ReadString(), r.ReadString()))
        .Add<DeregisterConsumer>("cX", (w, m) =>
            {
                w.Write(m.StreamName); w.Write(m.ConsumerName); w.Write(m.CreatedAtSeconds.HasValue);
                if (m.CreatedAtSeconds is { } seconds) w.Write(seconds);
            },
            r => new DeregisterConsumer(r.ReadString(), r.ReadString(), r.ReadBoolean() ? r.ReadInt64() : null))
        .Add<AddConsumerTags>("cA", (w, m) =>
            {
                w.Write(m.StreamName); w.Write(m.ConsumerName); w.Write(m.CreatedAtSeconds); ActorStreamsSerializer.WriteTags(w, m.Tags);
            },
            r => new AddConsumerTags(r.ReadString(), r.ReadString(), r.ReadInt64(), ActorStreamsSerializer.ReadTags(r)))
        .Add<RemoveConsumerTags>("cB", (w, m) => { w.Write(m.StreamName); w.Write(m.ConsumerName); w.Write(m.CreatedAtSeconds); WriteStrings(w, m.Keys); },
            r => new RemoveConsumerTags(r.ReadString(), r.ReadString(), r.ReadInt64(), ReadStrings(r)))
        .Add<SplitShardCommand>("cS", (w, m) => { w.Write(m.Name); w.Write(m.ShardIndex); ActorStreamsSerializer.Write(w, m.NewStartingHashKey); },
            r => new SplitShardCommand(r.ReadString(), r.ReadInt32(), ActorStreamsSerializer.ReadUInt128(r)))
        .Add<MergeShardsCommand>("cM", (w, m) => { w.Write(m.Name); w.Write(m.ShardIndex); w.Write(m.AdjacentShardIndex); },
            r => new MergeShardsCommand(r.ReadString(), r.ReadInt32(), r.ReadInt32()))
        .Add<UpdateShardCountCommand>("cP", (w, m) => { w.Write(m.Name); w.Write(m.TargetShardCount); },
            r => new UpdateShardCountCommand(r.ReadString(), r.ReadInt32()))
        .Add<CatalogHeartbeat>("cH", (_, _) => { }, _ => CatalogHeartbeat.Instance)
        .Add<UpdateStreamModeCommand>("cO", (w, m) => { w.Write(m.Name); w.Write((byte)m.Mode); },
            r => new UpdateStreamModeCommand(r.ReadString(), (StreamMode)r.ReadByte()))
        .Add<ClosedShardExpired>("cE", (w, m) => { w.Write(m.StreamName); w.Write(m.Epoch); w.Write(m.ShardIndex); },
            r => new ClosedShardExpired(r.ReadString(), r.ReadInt64(), r.ReadInt32()))
        // ---- catalog replies ----
        // A stream travels in the catalog snapshot's current layout (StreamEntryLayout), shard map, consumers and
        // resharding state included.
        .Add<StreamEntry>("rS", ActorStreamsSerializer.Write, r => ActorStreamsSerializer.ReadStreamEntry(r, ActorStreamsSerializer.StreamEntryLayout))
        .Add<ConsumerEntry>("rC", (w, m) => { w.Write(m.Name); w.Write(m.CreatedAtMs); ActorStreamsSerializer.WriteTags(w, m.Tags); },
            r => new ConsumerEntry(r.ReadString(), r.ReadInt64()) { Tags = ActorStreamsSerializer.ReadTags(r) })
        .Add<ReshardDone>("rO", (w, m) => { ActorStreamsSerializer.Write(w, m.Entry); w.Write(m.PreviousOpenShardCount); },
            r => new ReshardDone(ActorStreamsSerializer.ReadStreamEntry(r, ActorStreamsSerializer.StreamEntryLayout), r.ReadInt32()))
        .Add<StreamListing>("rL", (w, m) =>
            {
                w.Write(m.Streams.Length);
                foreach (var entry in m.Streams) ActorStreamsSerializer.Write(w, entry);
                w.Write(m.HasMore);
            },
            r =>
            {
                var n = r.ReadInt32();
                var streams = ImmutableArray.CreateBuilder<StreamEntry>(n);
                for (var i = 0; i < n; i++) streams.Add(ActorStreamsSerializer.ReadStreamEntry(r, ActorStreamsSerializer.StreamEntryLayout));
                return new StreamListing(streams.MoveToImmutable(), r.ReadBoolean());
            })
        // ---- SubscribeToShard: subscriber <-> StreamShard, possibly on different nodes ----
        .Add<AcquireSubscription>("uA", (w, m) =>
            {
                w.Write(m.EntityId); w.Write(m.ConsumerKey); w.Write(m.SubscriptionId); Write(w, m.Subscriber); w.Write(m.ResubscribeInterval.Ticks);
            },
            r => new AcquireSubscription(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadActorRef(), TimeSpan.FromTicks(r.ReadInt64())))
        .Add<SubscriptionAcquired>("uK", (w, m) => w.Write(m.SubscriptionId), r => new SubscriptionAcquired(r.ReadString()))
        .Add<ReleaseSubscription>("uR", (w, m) => { w.Write(m.EntityId); w.Write(m.ConsumerKey); w.Write(m.SubscriptionId); },
            r => new ReleaseSubscription(r.ReadString(), r.ReadString(), r.ReadString()))
        .Add<AttachSubscriber>("uT", (w, m) =>
            {
                w.Write(m.EntityId); w.Write(m.SubscriptionId); w.Write(m.Generation); Write(w, m.Subscriber); Write(w, m.From); w.Write(m.MaxInFlightBytes);
            },
            r => new AttachSubscriber(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadActorRef(), ReadSequence(r), r.ReadInt64()))
        .Add<SubscriberAttached>("uD", (w, m) => { w.Write(m.SubscriptionId); w.Write(m.Generation); },
            r => new SubscriberAttached(r.ReadString(), r.ReadInt64()))
        .Add<SubscriberBehind>("uB", (w, m) => { w.Write(m.SubscriptionId); w.Write(m.Generation); },
            r => new SubscriberBehind(r.ReadString(), r.ReadInt64()))
        .Add<SubscriberRecords>("uP", (w, m) =>
            {
                w.Write(m.SubscriptionId); w.Write(m.Generation); w.Write(m.EventNo); w.Write(m.Bytes);
                w.Write(m.Event.TimestampMs); WriteRecords(w, m.Event.Records);
            },
            r =>
            {
                var id = r.ReadString();
                var generation = r.ReadInt64();
                var eventNo = r.ReadInt64();
                var bytes = r.ReadInt64();
                var timestamp = r.ReadInt64();
                return new SubscriberRecords(id, generation, eventNo, new RecordsAppended(timestamp, ReadRecords(r)), bytes);
            })
        .Add<SubscriberDetached>("uX", (w, m) => { w.Write(m.SubscriptionId); w.Write(m.Generation); },
            r => new SubscriberDetached(r.ReadString(), r.ReadInt64()))
        .Add<SubscriberAck>("uC", (w, m) => { w.Write(m.EntityId); w.Write(m.SubscriptionId); w.Write(m.Generation); w.Write(m.Bytes); },
            r => new SubscriberAck(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64()))
        .Add<CheckSubscriber>("uH", (w, m) => { w.Write(m.EntityId); w.Write(m.SubscriptionId); w.Write(m.Generation); Write(w, m.Subscriber); },
            r => new CheckSubscriber(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadActorRef()))
        .Add<SubscriptionEnded>("uE", (w, m) => { w.Write(m.SubscriptionId); w.Write(m.Reason.Code); w.Write(m.Reason.Message); },
            r => new SubscriptionEnded(r.ReadString(), new ErrorReply(r.ReadString(), r.ReadString())))
        .Add<GetShardSubscriptionStats>("uG", (w, m) => w.Write(m.EntityId), r => new GetShardSubscriptionStats(r.ReadString()))
        .Add<ShardSubscriptionStats>("uS", (w, m) =>
            {
                w.Write(m.HeldSlots); w.Write(m.LiveSubscribers); w.Write(m.Detachments); w.Write(m.MaxInFlightBytes); w.Write(m.Reads);
            },
            r => new ShardSubscriptionStats(r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()))
        // ---- consumer lag (Internal/ConsumerLagProtocol.cs) ----
        .Add<GetConsumerLagReport>("lQ", (w, m) => { w.Write(m.StreamName); w.Write(m.Epoch); },
            r => new GetConsumerLagReport(r.ReadString(), r.ReadInt64()))
        .Add<ConsumerLagReport>("lR", (w, m) =>
            {
                w.Write(m.Subscriptions.Length);
                foreach (var s in m.Subscriptions)
                {
                    w.Write(s.ConsumerArn); w.Write(s.ShardIndex); w.Write(s.MillisBehindLatest); w.Write(s.ObservedAtMs);
                    WriteNullable(w, s.Continuation); w.Write(s.Active);
                }
                w.Write(m.IteratorAges.Length);
                foreach (var a in m.IteratorAges)
                {
                    w.Write(a.ShardIndex); w.Write(a.MaxMillisBehindLatest); w.Write(a.LastMillisBehindLatest); w.Write(a.LastReadAtMs);
                }
                WriteStrings(w, m.Applications);
            },
            r =>
            {
                var subscriptions = ImmutableArray.CreateBuilder<FanOutLagEntry>();
                for (var n = r.ReadInt32(); n > 0; n--)
                    subscriptions.Add(new FanOutLagEntry(r.ReadString(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), ReadNullableString(r), r.ReadBoolean()));
                var ages = ImmutableArray.CreateBuilder<IteratorAgeEntry>();
                for (var n = r.ReadInt32(); n > 0; n--)
                    ages.Add(new IteratorAgeEntry(r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()));
                return new ConsumerLagReport(subscriptions.ToImmutable(), ages.ToImmutable(), ReadStrings(r));
            })
        .Add<GetPositionLag>("lP", (w, m) => { w.Write(m.EntityId); Write(w, m.Position); }, r => new GetPositionLag(r.ReadString(), ReadSequence(r)))
        .Add<PositionLagResult>("lL", (w, m) => { w.Write(m.MillisBehindLatest); w.Write(m.Exact); },
            r => new PositionLagResult(r.ReadInt64(), r.ReadBoolean()));

    /// <summary>Created by Akka's serialization extension.</summary>
    public ActorStreamsMessageSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <summary>The manifests of every message type this serializer writes (for tests and diagnostics).</summary>
    internal static IReadOnlyDictionary<Type, string> Manifests => Formats.Manifests;

    /// <inheritdoc />
    public override string Manifest(object o) => Formats.For(o.GetType()).Manifest;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        var format = Formats.For(obj.GetType());
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) format.Write(w, obj);
        return stream.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Formats.TryGet(manifest, out var format))
            throw new SerializationException($"Unknown manifest '{manifest}' for {nameof(ActorStreamsMessageSerializer)}");
        using var r = new MessageReader(bytes, system);
        return format.Read(r);
    }

    // ---- shared pieces ----

    private static void Write(BinaryWriter w, SequenceNumber s)
    {
        w.Write(s.EventNo);
        w.Write(s.Index);
    }

    private static SequenceNumber ReadSequence(BinaryReader r) => new(r.ReadInt64(), r.ReadInt32());

    private static void Write(BinaryWriter w, StoredRecord record)
    {
        w.Write(record.PartitionKey);
        w.Write(record.Data.Length);
        w.Write(record.Data.Span);
    }

    private static StoredRecord ReadRecord(MessageReader r) => new(r.ReadString(), r.ReadBlob());

    private static void WriteRecords(BinaryWriter w, StoredRecord[] records)
    {
        w.Write(records.Length);
        foreach (var record in records) Write(w, record);
    }

    private static StoredRecord[] ReadRecords(MessageReader r)
    {
        var records = new StoredRecord[r.ReadInt32()];
        for (var i = 0; i < records.Length; i++) records[i] = ReadRecord(r);
        return records;
    }

    // The path with this node's address, so that the receiving node resolves it to a remote ref back to here.
    private static void Write(BinaryWriter w, IActorRef actorRef) => w.Write(Akka.Serialization.Serialization.SerializedActorPath(actorRef));

    private static void WriteOptional(BinaryWriter w, ShardClosed? closed)
    {
        w.Write(closed is not null);
        if (closed is not null) ActorStreamsSerializer.Write(w, closed);
    }

    private static ShardClosed? ReadOptionalShardClosed(BinaryReader r) => r.ReadBoolean() ? ActorStreamsSerializer.ReadShardClosed(r) : null;

    private static void WriteNullable(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    private static string? ReadNullableString(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void WriteStrings(BinaryWriter w, ImmutableArray<string> values) => ActorStreamsSerializer.WriteKeys(w, values);

    private static ImmutableArray<string> ReadStrings(BinaryReader r) => ActorStreamsSerializer.ReadKeys(r);

    /// <summary>A reader over the received buffer that hands out payloads as slices of it, without copying.</summary>
    private sealed class MessageReader(byte[] bytes, ExtendedActorSystem system) : BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8)
    {
        /// <summary>An actor ref written by <see cref="Write(BinaryWriter, IActorRef)"/>, resolved on this node.</summary>
        public IActorRef ReadActorRef() => system.Provider.ResolveActorRef(ReadString());

        public ReadOnlyMemory<byte> ReadBlob()
        {
            var length = ReadInt32();
            var start = (int)BaseStream.Position;
            if (length < 0 || start + length > bytes.Length) throw new SerializationException($"A payload of {length} bytes runs past the message end.");
            BaseStream.Position = start + length;
            return new ReadOnlyMemory<byte>(bytes, start, length);
        }
    }

    private sealed record MessageFormat(string Manifest, Action<BinaryWriter, object> Write, Func<MessageReader, object> Read);

    private sealed class MessageFormats
    {
        private readonly Dictionary<Type, MessageFormat> _byType = new();
        private readonly Dictionary<string, MessageFormat> _byManifest = new(StringComparer.Ordinal);

        public IReadOnlyDictionary<Type, string> Manifests => _byType.ToDictionary(p => p.Key, p => p.Value.Manifest);

        public MessageFormats Add<T>(string manifest, Action<BinaryWriter, T> write, Func<MessageReader, T> read) where T : notnull
        {
            var format = new MessageFormat(manifest, (w, o) => write(w, (T)o), r => read(r));
            if (!_byManifest.TryAdd(manifest, format)) throw new InvalidOperationException($"Manifest '{manifest}' is used twice.");
            if (!_byType.TryAdd(typeof(T), format)) throw new InvalidOperationException($"{typeof(T)} has two formats.");
            return this;
        }

        public MessageFormat For(Type type) =>
            _byType.TryGetValue(type, out var format)
                ? format
                : throw new ArgumentException($"{type} has no wire format in {nameof(ActorStreamsMessageSerializer)}; add one to its Formats table.");

        public bool TryGet(string manifest, out MessageFormat format) => _byManifest.TryGetValue(manifest, out format!);
    }
}
