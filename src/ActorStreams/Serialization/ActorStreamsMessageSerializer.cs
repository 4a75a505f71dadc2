using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Text;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Kinesis.Internal.Subscriptions;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using P = ActorStreams.Serialization.Proto;

namespace ActorStreams.Serialization;

/// <summary>
/// The binary wire format of the commands and replies that cross nodes: everything sent through the StreamShard,
/// stream catalog and consumer application sharding regions, every answer of their entities, and what a StreamShard
/// pushes to a SubscribeToShard subscriber on another node (Firehose's messages have their own serializer in
/// ActorStreams.Firehose). The messages are those of <c>Proto/kinesis_messages.proto</c>; record payloads travel as raw bytes and are read back as slices of
/// the received buffer; actor refs travel as their serialized paths. Identifier 7118; each message has a short manifest.
/// </summary>
/// <remarks>
/// Adding a message is one <c>Add</c> line in <see cref="Formats"/>: its manifest, its schema message, how to map it.
/// A manifest must never be reused for another layout once released, and a schema message gains fields only under
/// new numbers, since nodes of two versions may meet during a rolling upgrade.
/// </remarks>
public sealed class ActorStreamsMessageSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer identifier bound in <c>reference.conf</c>.</summary>
    public const int SerializerId = 7118;

    private static readonly MessageFormats Formats = new MessageFormats()
        // ---- StreamShard commands ----
        .Add<InitializeShard, P.InitializeShard>("sI", m =>
            {
                var p = new P.InitializeShard { EntityId = m.EntityId, Init = KinesisProto.Init(m.Init) };
                if (m.KeyId is not null) p.KeyId = m.KeyId;
                return p;
            },
            P.InitializeShard.Parser, p => new InitializeShard(p.EntityId, KinesisProto.Init(p.Init), p.HasKeyId ? p.KeyId : null))
        // ---- encryption at rest (Internal/EncryptionProtocol.cs) ----
        .Add<SetShardEncryption, P.SetShardEncryption>("sE", m =>
            {
                var p = new P.SetShardEncryption { EntityId = m.EntityId };
                if (m.KeyId is not null) p.KeyId = m.KeyId;
                return p;
            },
            P.SetShardEncryption.Parser, p => new SetShardEncryption(p.EntityId, p.HasKeyId ? p.KeyId : null))
        .Add<ChangeEncryption, P.ChangeEncryption>("cK", m =>
            {
                var p = new P.ChangeEncryption { Name = m.Name };
                if (m.KeyId is not null) p.KeyId = m.KeyId;
                return p;
            },
            P.ChangeEncryption.Parser, p => new ChangeEncryption(p.Name, p.HasKeyId ? p.KeyId : null))
        // ---- enhanced monitoring (Internal/Catalog/MonitoringProtocol.cs) ----
        .Add<ChangeEnhancedMonitoring, P.ChangeEnhancedMonitoring>("cQ", m => new() { Name = m.Name, ShardLevelMetrics = (int)m.Metrics, Enable = m.Enable },
            P.ChangeEnhancedMonitoring.Parser, p => new ChangeEnhancedMonitoring(p.Name, (ShardLevelMetrics)p.ShardLevelMetrics & ShardLevelMetrics.All, p.Enable))
        .Add<MonitoringChanged, P.MonitoringChanged>("rM", m => new() { Entry = KinesisProto.Stream(m.Entry), Previous = (int)m.Previous },
            P.MonitoringChanged.Parser, p => new MonitoringChanged(KinesisProto.Stream(p.Entry), (ShardLevelMetrics)p.Previous & ShardLevelMetrics.All))
        // ---- account settings (Internal/Catalog/AccountProtocol.cs) ----
        .Add<GetAccountSettings>("cV", (_, _) => { }, _ => GetAccountSettings.Instance)
        .Add<UpdateAccountSettingsCommand, P.UpdateAccountSettingsCommand>("cW",
            m => new() { MinimumThroughputBillingCommitment = m.MinimumThroughputBillingCommitment },
            P.UpdateAccountSettingsCommand.Parser, p => new UpdateAccountSettingsCommand(p.MinimumThroughputBillingCommitment))
        .Add<AccountCommitment, P.AccountCommitment>("rB", KinesisProto.Commitment, P.AccountCommitment.Parser, p => KinesisProto.Commitment(p))
        // PutRecords' payload on its way to the shard: hand-written, so the records come back as slices of the received
        // buffer (protobuf copies every bytes field on parse).
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
        .Add<ReadRecords, P.ReadRecords>("sR", m => new()
            {
                EntityId = m.EntityId, From = KinesisProto.Sequence(m.From), MinTimestampMs = m.MinTimestampMs, Limit = m.Limit, MaxBytes = m.MaxBytes,
                WaitTicks = m.Wait.Ticks, SharedCapacity = m.SharedCapacity,
            },
            P.ReadRecords.Parser, p => new ReadRecords(p.EntityId, KinesisProto.Sequence(p.From), p.MinTimestampMs, p.Limit, p.MaxBytes,
                TimeSpan.FromTicks(p.WaitTicks), p.SharedCapacity))
        .Add<ResolveIterator, P.ResolveIterator>("sT", m => new()
            {
                EntityId = m.EntityId, Type = (P.ShardIteratorType)(int)m.Type, Sequence = m.Sequence is { } s ? KinesisProto.Sequence(s) : null,
                TimestampMs = m.TimestampMs, CountCall = m.CountCall,
            },
            P.ResolveIterator.Parser, p => new ResolveIterator(p.EntityId, (ShardIteratorType)(int)p.Type,
                p.Sequence is null ? null : KinesisProto.Sequence(p.Sequence), p.TimestampMs, p.CountCall))
        .Add<ChargeReadBytes, P.ChargeReadBytes>("sC", m => new() { EntityId = m.EntityId, Bytes = m.Bytes }, P.ChargeReadBytes.Parser,
            p => new ChargeReadBytes(p.EntityId, p.Bytes))
        .Add<SetShardRetention, P.SetShardRetention>("sH", m => new() { EntityId = m.EntityId, RetentionHours = m.RetentionHours },
            P.SetShardRetention.Parser, p => new SetShardRetention(p.EntityId, p.RetentionHours))
        .Add<RetireShard, P.EntityAddressed>("sX", m => new() { EntityId = m.EntityId }, P.EntityAddressed.Parser, p => new RetireShard(p.EntityId))
        .Add<WakeShard, P.EntityAddressed>("sW", m => new() { EntityId = m.EntityId }, P.EntityAddressed.Parser, p => new WakeShard(p.EntityId))
        .Add<GetShardLoad, P.EntityAddressed>("sL", m => new() { EntityId = m.EntityId }, P.EntityAddressed.Parser, p => new GetShardLoad(p.EntityId))
        .Add<CloseShard, P.CloseShard>("sZ", m => new() { EntityId = m.EntityId, Children = { m.Children.Select(KinesisProto.Child) } },
            P.CloseShard.Parser, p => new CloseShard(p.EntityId, KinesisProto.Children(p.Children)))
        // ---- consumer application commands and replies ----
        .Add<ConsumerHeartbeat, P.ConsumerHeartbeat>("aH", m => new()
            {
                EntityId = m.EntityId, MemberId = m.MemberId, Held = { m.Held }, LeaseDurationMs = m.LeaseDurationMs, InitialLatest = m.InitialLatest,
                Leaving = m.Leaving,
            },
            P.ConsumerHeartbeat.Parser,
            p => new ConsumerHeartbeat(p.EntityId, p.MemberId, [.. p.Held], p.LeaseDurationMs, p.InitialLatest, p.Leaving))
        .Add<CommitCheckpoints, P.CommitCheckpoints>("aC", m => new()
            {
                EntityId = m.EntityId, MemberId = m.MemberId, Updates = { m.Updates.Select(KinesisProto.Checkpoint) },
            },
            P.CommitCheckpoints.Parser, p => new CommitCheckpoints(p.EntityId, p.MemberId, KinesisProto.Checkpoints(p.Updates)))
        .Add<GetConsumerApplication, P.EntityAddressed>("aG", m => new() { EntityId = m.EntityId }, P.EntityAddressed.Parser,
            p => new GetConsumerApplication(p.EntityId))
        .Add<LeaseAssignment, P.LeaseAssignment>("aL", m => new()
            {
                Granted =
                {
                    m.Granted.Select(g => new P.ShardGrant
                    {
                        ShardIndex = g.ShardIndex, Position = g.Position is { } position ? KinesisProto.Sequence(position) : null, FromLatest = g.FromLatest, UserRecordsDone = g.UserRecordsDone,
                    }),
                },
                Revoked = { m.Revoked },
            },
            P.LeaseAssignment.Parser,
            p => new LeaseAssignment(
                [.. p.Granted.Select(g => new ShardGrant(g.ShardIndex, g.Position is null ? null : KinesisProto.Sequence(g.Position), g.FromLatest, g.UserRecordsDone))],
                [.. p.Revoked]))
        .Add<CheckpointsCommitted, P.EntityAddressed>("aK", m => new() { EntityId = m.EntityId }, P.EntityAddressed.Parser,
            p => new CheckpointsCommitted(p.EntityId))
        .Add<ConsumerApplicationState, P.ConsumerApplicationState>("aS", m =>
            {
                var p = new P.ConsumerApplicationState
                {
                    Checkpoints = { m.Checkpoints.Values.Select(KinesisProto.Checkpoint) }, Members = { m.Members },
                };
                foreach (var (shard, member) in m.Leases) p.Leases.Add(shard, member);
                return p;
            },
            P.ConsumerApplicationState.Parser,
            p => new ConsumerApplicationState(KinesisProto.Checkpoints(p.Checkpoints).ToImmutableSortedDictionary(c => c.ShardIndex, c => c),
                p.Leases.ToImmutableSortedDictionary(l => l.Key, l => l.Value), [.. p.Members]))
        // ---- StreamShard replies ----
        .Add<ShardLoadResult, P.ShardLoadResult>("rW", m => new() { EntityId = m.EntityId, CapacityShare = m.CapacityShare, MeasuredSinceMs = m.MeasuredSinceMs },
            P.ShardLoadResult.Parser, p => new ShardLoadResult(p.EntityId, p.CapacityShare, p.MeasuredSinceMs))
        .Add<ErrorReply, P.ErrorReply>("rE", Error, P.ErrorReply.Parser, Error)
        .Add<ShardAck, P.EntityAddressed>("rK", m => new() { EntityId = m.EntityId }, P.EntityAddressed.Parser, p => new ShardAck(p.EntityId))
        .Add<AppendRecordsResult, P.AppendRecordsResult>("rA", m => new()
            {
                EventNo = m.EventNo, FirstIndex = m.FirstIndex, Accepted = m.Accepted, RetryAfterTicks = m.RetryAfter.Ticks, TimestampMs = m.TimestampMs,
            },
            P.AppendRecordsResult.Parser, p => new AppendRecordsResult(p.EventNo, p.FirstIndex, p.Accepted, TimeSpan.FromTicks(p.RetryAfterTicks), p.TimestampMs))
        // GetRecords' payload on its way back: hand-written for the same reason as "sA"; the end of a closed shard, rare
        // and small, is its protobuf message inside.
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
                w.Write(m.EndOfShard is not null);
                if (m.EndOfShard is not null) WriteBlob(w, KinesisProto.Closed(m.EndOfShard).ToByteArray());
            },
            r =>
            {
                var records = new ReadRecord[r.ReadCount(MinReadRecordBytes, "records")];
                for (var i = 0; i < records.Length; i++) records[i] = new ReadRecord(ReadSequence(r), r.ReadInt64(), ReadRecord(r));
                var next = ReadSequence(r);
                var millisBehind = r.ReadInt64();
                var closed = r.ReadBoolean() ? KinesisProto.Closed(P.ShardClosed.Parser.ParseFrom(r.ReadBlob().Span)) : null;
                return new ReadRecordsResult(records, next, millisBehind, closed);
            })
        .Add<ReadFromJournal, P.ReadFromJournal>("rJ", m => new()
            {
                PersistenceId = m.PersistenceId, From = KinesisProto.Sequence(m.From), ToEventNoExclusive = m.ToEventNoExclusive,
                LatestTimestampMs = m.LatestTimestampMs, Closed = KinesisProto.OptionalClosed(m.Closed),
            },
            P.ReadFromJournal.Parser, p => new ReadFromJournal(p.PersistenceId, KinesisProto.Sequence(p.From), p.ToEventNoExclusive, p.LatestTimestampMs,
                KinesisProto.OptionalClosed(p.Closed)))
        .Add<AppendRefusedClosed, P.AppendRefusedClosed>("rF", m => new() { ShardIndex = m.ShardIndex, Closed = KinesisProto.Closed(m.Closed) },
            P.AppendRefusedClosed.Parser, p => new AppendRefusedClosed(p.ShardIndex, KinesisProto.Closed(p.Closed)))
        .Add<ShardClosedResult, P.ShardClosedResult>("rD", m => new() { EndingEventNo = m.EndingEventNo }, P.ShardClosedResult.Parser,
            p => new ShardClosedResult(p.EndingEventNo))
        .Add<ReadThrottled, P.ReadThrottled>("rT", m => new() { RetryAfterTicks = m.RetryAfter.Ticks, Message = m.Message }, P.ReadThrottled.Parser,
            p => new ReadThrottled(TimeSpan.FromTicks(p.RetryAfterTicks), p.Message))
        .Add<IteratorResolved, P.IteratorResolved>("rI", m => new() { Position = KinesisProto.Sequence(m.Position), MinTimestampMs = m.MinTimestampMs },
            P.IteratorResolved.Parser, p => new IteratorResolved(KinesisProto.Sequence(p.Position), p.MinTimestampMs))
        // ---- catalog commands ----
        .Add<CreateStreamCommand, P.CreateStreamCommand>("cC", m =>
            {
                var p = new P.CreateStreamCommand { Name = m.Name, ShardCount = m.ShardCount, Mode = KinesisProto.Mode(m.Mode) };
                if (m.WarmThroughputMiBps is { } warm) p.WarmThroughputMibps = warm;
                if (m.MaxRecordSizeKiB is { } kib) p.MaxRecordSizeKib = kib;
                if (m.RecordDistribution is { } strategy) p.RecordDistribution = KinesisProto.Distribution(strategy);
                return p;
            },
            P.CreateStreamCommand.Parser,
            p => new CreateStreamCommand(p.Name, p.ShardCount, KinesisProto.Mode(p.Mode), p.HasWarmThroughputMibps ? p.WarmThroughputMibps : null,
                p.HasMaxRecordSizeKib ? p.MaxRecordSizeKib : null, p.HasRecordDistribution ? KinesisProto.Distribution(p.RecordDistribution) : null))
        .Add<SetResourcePolicy, P.SetResourcePolicy>("cF", m =>
            {
                var p = new P.SetResourcePolicy { StreamName = m.StreamName };
                if (m.ConsumerName is not null) p.ConsumerName = m.ConsumerName;
                if (m.CreatedAtSeconds is { } created) p.CreatedAtSeconds = created;
                if (m.Policy is not null) p.Policy = m.Policy;
                return p;
            },
            P.SetResourcePolicy.Parser,
            p => new SetResourcePolicy(p.StreamName, p.HasConsumerName ? p.ConsumerName : null, p.HasCreatedAtSeconds ? p.CreatedAtSeconds : null,
                p.HasPolicy ? p.Policy : null))
        .Add<UpdateRecordDistributionCommand, P.UpdateRecordDistributionCommand>("cI",
            m => new() { Name = m.Name, Strategy = KinesisProto.Distribution(m.Strategy) },
            P.UpdateRecordDistributionCommand.Parser, p => new UpdateRecordDistributionCommand(p.Name, KinesisProto.Distribution(p.Strategy)))
        .Add<UpdateMaxRecordSizeCommand, P.UpdateMaxRecordSizeCommand>("cZ", m => new() { Name = m.Name, Kib = m.KiB },
            P.UpdateMaxRecordSizeCommand.Parser, p => new UpdateMaxRecordSizeCommand(p.Name, p.Kib))
        .Add<UpdateWarmThroughputCommand, P.UpdateWarmThroughputCommand>("cY", m => new() { Name = m.Name, Mibps = m.MiBps },
            P.UpdateWarmThroughputCommand.Parser, p => new UpdateWarmThroughputCommand(p.Name, p.Mibps))
        .Add<DeleteStreamCommand, P.StreamAddressed>("cD", m => new() { Name = m.Name }, P.StreamAddressed.Parser, p => new DeleteStreamCommand(p.Name))
        .Add<GetStream, P.StreamAddressed>("cG", m => new() { Name = m.Name }, P.StreamAddressed.Parser, p => new GetStream(p.Name))
        .Add<ListStreamsCommand, P.ListStreamsCommand>("cL", m =>
            {
                var p = new P.ListStreamsCommand { Limit = m.Limit };
                if (m.ExclusiveStartStreamName is not null) p.ExclusiveStartStreamName = m.ExclusiveStartStreamName;
                return p;
            },
            P.ListStreamsCommand.Parser, p => new ListStreamsCommand(p.Limit, p.HasExclusiveStartStreamName ? p.ExclusiveStartStreamName : null))
        .Add<ChangeRetention, P.ChangeRetention>("cR", m => new() { Name = m.Name, RetentionHours = m.RetentionHours, Increase = m.Increase },
            P.ChangeRetention.Parser, p => new ChangeRetention(p.Name, p.RetentionHours, p.Increase))
        .Add<AddTags, P.AddTags>("cT", m =>
            {
                var p = new P.AddTags { Name = m.Name };
                KinesisProto.AddTags(p.Tags, m.Tags);
                return p;
            },
            P.AddTags.Parser, p => new AddTags(p.Name, KinesisProto.Tags(p.Tags)))
        .Add<RemoveTags, P.RemoveTags>("cU", m => new() { Name = m.Name, Keys = { m.Keys } }, P.RemoveTags.Parser, p => new RemoveTags(p.Name, [.. p.Keys]))
        .Add<RegisterConsumer, P.RegisterConsumer>("cN", m => new() { StreamName = m.StreamName, ConsumerName = m.ConsumerName },
            P.RegisterConsumer.Parser, p => new RegisterConsumer(p.StreamName, p.ConsumerName))
        .Add<DeregisterConsumer, P.DeregisterConsumer>("cX", m =>
            {
                var p = new P.DeregisterConsumer { StreamName = m.StreamName, ConsumerName = m.ConsumerName };
                if (m.CreatedAtSeconds is { } seconds) p.CreatedAtSeconds = seconds;
                return p;
            },
            P.DeregisterConsumer.Parser, p => new DeregisterConsumer(p.StreamName, p.ConsumerName, p.HasCreatedAtSeconds ? p.CreatedAtSeconds : null))
        .Add<AddConsumerTags, P.AddConsumerTags>("cA", m =>
            {
                var p = new P.AddConsumerTags { StreamName = m.StreamName, ConsumerName = m.ConsumerName, CreatedAtSeconds = m.CreatedAtSeconds };
                KinesisProto.AddTags(p.Tags, m.Tags);
                return p;
            },
            P.AddConsumerTags.Parser, p => new AddConsumerTags(p.StreamName, p.ConsumerName, p.CreatedAtSeconds, KinesisProto.Tags(p.Tags)))
        .Add<RemoveConsumerTags, P.RemoveConsumerTags>("cB", m => new()
            {
                StreamName = m.StreamName, ConsumerName = m.ConsumerName, CreatedAtSeconds = m.CreatedAtSeconds, Keys = { m.Keys },
            },
            P.RemoveConsumerTags.Parser, p => new RemoveConsumerTags(p.StreamName, p.ConsumerName, p.CreatedAtSeconds, [.. p.Keys]))
        .Add<SplitShardCommand, P.SplitShardCommand>("cS", m => new()
            {
                Name = m.Name, ShardIndex = m.ShardIndex, NewStartingHashKey = KinesisProto.HashKey(m.NewStartingHashKey),
            },
            P.SplitShardCommand.Parser, p => new SplitShardCommand(p.Name, p.ShardIndex, KinesisProto.HashKey(p.NewStartingHashKey)))
        .Add<MergeShardsCommand, P.MergeShardsCommand>("cM", m => new() { Name = m.Name, ShardIndex = m.ShardIndex, AdjacentShardIndex = m.AdjacentShardIndex },
            P.MergeShardsCommand.Parser, p => new MergeShardsCommand(p.Name, p.ShardIndex, p.AdjacentShardIndex))
        .Add<UpdateShardCountCommand, P.UpdateShardCountCommand>("cP", m => new() { Name = m.Name, TargetShardCount = m.TargetShardCount },
            P.UpdateShardCountCommand.Parser, p => new UpdateShardCountCommand(p.Name, p.TargetShardCount))
        .Add<CatalogHeartbeat>("cH", (_, _) => { }, _ => CatalogHeartbeat.Instance)
        .Add<UpdateStreamModeCommand, P.UpdateStreamModeCommand>("cO", m =>
            {
                var p = new P.UpdateStreamModeCommand { Name = m.Name, Mode = KinesisProto.Mode(m.Mode) };
                if (m.WarmThroughputMiBps is { } warm) p.WarmThroughputMibps = warm;
                return p;
            },
            P.UpdateStreamModeCommand.Parser,
            p => new UpdateStreamModeCommand(p.Name, KinesisProto.Mode(p.Mode), p.HasWarmThroughputMibps ? p.WarmThroughputMibps : null))
        .Add<ClosedShardExpired, P.ClosedShardExpired>("cE", m => new() { StreamName = m.StreamName, Epoch = m.Epoch, ShardIndex = m.ShardIndex },
            P.ClosedShardExpired.Parser, p => new ClosedShardExpired(p.StreamName, p.Epoch, p.ShardIndex))
        // ---- catalog replies: a stream travels as the catalog snapshot stores it, shard map, consumers and resharding included ----
        .Add<StreamEntry, P.StreamEntry>("rS", KinesisProto.Stream, P.StreamEntry.Parser, KinesisProto.Stream)
        .Add<ConsumerEntry, P.ConsumerEntry>("rC", KinesisProto.Consumer, P.ConsumerEntry.Parser, KinesisProto.Consumer)
        .Add<ReshardDone, P.ReshardDone>("rO", m => new() { Entry = KinesisProto.Stream(m.Entry), PreviousOpenShardCount = m.PreviousOpenShardCount },
            P.ReshardDone.Parser, p => new ReshardDone(KinesisProto.Stream(p.Entry), p.PreviousOpenShardCount))
        .Add<StreamListing, P.StreamListing>("rL", m => new() { Streams = { m.Streams.Select(KinesisProto.Stream) }, HasMore = m.HasMore },
            P.StreamListing.Parser, p => new StreamListing([.. p.Streams.Select(KinesisProto.Stream)], p.HasMore))
        // ---- SubscribeToShard: subscriber <-> StreamShard, possibly on different nodes ----
        .Add<AcquireSubscription, P.AcquireSubscription>("uA", m => new()
            {
                EntityId = m.EntityId, ConsumerKey = m.ConsumerKey, SubscriptionId = m.SubscriptionId, Subscriber = ActorPath(m.Subscriber),
                ResubscribeIntervalTicks = m.ResubscribeInterval.Ticks,
            },
            P.AcquireSubscription.Parser, (p, system) => new AcquireSubscription(p.EntityId, p.ConsumerKey, p.SubscriptionId,
                system.Provider.ResolveActorRef(p.Subscriber), TimeSpan.FromTicks(p.ResubscribeIntervalTicks)))
        .Add<SubscriptionAcquired, P.SubscriptionAcquired>("uK", m => new() { SubscriptionId = m.SubscriptionId }, P.SubscriptionAcquired.Parser,
            p => new SubscriptionAcquired(p.SubscriptionId))
        .Add<ReleaseSubscription, P.ReleaseSubscription>("uR", m => new()
            {
                EntityId = m.EntityId, ConsumerKey = m.ConsumerKey, SubscriptionId = m.SubscriptionId,
            },
            P.ReleaseSubscription.Parser, p => new ReleaseSubscription(p.EntityId, p.ConsumerKey, p.SubscriptionId))
        .Add<AttachSubscriber, P.AttachSubscriber>("uT", m => new()
            {
                EntityId = m.EntityId, SubscriptionId = m.SubscriptionId, Generation = m.Generation, Subscriber = ActorPath(m.Subscriber),
                From = KinesisProto.Sequence(m.From), MaxInFlightBytes = m.MaxInFlightBytes,
            },
            P.AttachSubscriber.Parser, (p, system) => new AttachSubscriber(p.EntityId, p.SubscriptionId, p.Generation,
                system.Provider.ResolveActorRef(p.Subscriber), KinesisProto.Sequence(p.From), p.MaxInFlightBytes))
        .Add<SubscriberAttached, P.SubscriptionGeneration>("uD", m => new() { SubscriptionId = m.SubscriptionId, Generation = m.Generation },
            P.SubscriptionGeneration.Parser, p => new SubscriberAttached(p.SubscriptionId, p.Generation))
        .Add<SubscriberBehind, P.SubscriptionGeneration>("uB", m => new() { SubscriptionId = m.SubscriptionId, Generation = m.Generation },
            P.SubscriptionGeneration.Parser, p => new SubscriberBehind(p.SubscriptionId, p.Generation))
        // A SubscribeToShard event's records: hand-written for the same reason as "sA".
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
        .Add<SubscriberDetached, P.SubscriptionGeneration>("uX", m => new() { SubscriptionId = m.SubscriptionId, Generation = m.Generation },
            P.SubscriptionGeneration.Parser, p => new SubscriberDetached(p.SubscriptionId, p.Generation))
        .Add<SubscriberAck, P.SubscriberAck>("uC", m => new()
            {
                EntityId = m.EntityId, SubscriptionId = m.SubscriptionId, Generation = m.Generation, Bytes = m.Bytes,
            },
            P.SubscriberAck.Parser, p => new SubscriberAck(p.EntityId, p.SubscriptionId, p.Generation, p.Bytes))
        .Add<CheckSubscriber, P.CheckSubscriber>("uH", m => new()
            {
                EntityId = m.EntityId, SubscriptionId = m.SubscriptionId, Generation = m.Generation, Subscriber = ActorPath(m.Subscriber),
            },
            P.CheckSubscriber.Parser,
            (p, system) => new CheckSubscriber(p.EntityId, p.SubscriptionId, p.Generation, system.Provider.ResolveActorRef(p.Subscriber)))
        .Add<SubscriptionEnded, P.SubscriptionEnded>("uE", m => new() { SubscriptionId = m.SubscriptionId, Reason = Error(m.Reason) },
            P.SubscriptionEnded.Parser, p => new SubscriptionEnded(p.SubscriptionId, Error(p.Reason)))
        .Add<GetShardSubscriptionStats, P.EntityAddressed>("uG", m => new() { EntityId = m.EntityId }, P.EntityAddressed.Parser,
            p => new GetShardSubscriptionStats(p.EntityId))
        .Add<ShardSubscriptionStats, P.ShardSubscriptionStats>("uS", m => new()
            {
                HeldSlots = m.HeldSlots, LiveSubscribers = m.LiveSubscribers, Detachments = m.Detachments, MaxInFlightBytes = m.MaxInFlightBytes,
                Reads = m.Reads,
            },
            P.ShardSubscriptionStats.Parser,
            p => new ShardSubscriptionStats(p.HeldSlots, p.LiveSubscribers, p.Detachments, p.MaxInFlightBytes, p.Reads))
        // ---- consumer lag (Internal/ConsumerLagProtocol.cs) ----
        .Add<GetConsumerLagReport, P.GetConsumerLagReport>("lQ", m => new() { StreamName = m.StreamName, Epoch = m.Epoch },
            P.GetConsumerLagReport.Parser, p => new GetConsumerLagReport(p.StreamName, p.Epoch))
        .Add<ConsumerLagReport, P.ConsumerLagReport>("lR", m => new()
            {
                Subscriptions = { m.Subscriptions.Select(LagEntry) },
                IteratorAges =
                {
                    m.IteratorAges.Select(a => new P.IteratorAgeEntry
                    {
                        ShardIndex = a.ShardIndex, MaxMillisBehindLatest = a.MaxMillisBehindLatest, LastMillisBehindLatest = a.LastMillisBehindLatest,
                        LastReadAtMs = a.LastReadAtMs,
                    }),
                },
                Applications = { m.Applications },
            },
            P.ConsumerLagReport.Parser,
            p => new ConsumerLagReport(
                [.. p.Subscriptions.Select(s => new FanOutLagEntry(s.ConsumerArn, s.ShardIndex, s.MillisBehindLatest, s.ObservedAtMs,
                    s.HasContinuation ? s.Continuation : null, s.Active))],
                [.. p.IteratorAges.Select(a => new IteratorAgeEntry(a.ShardIndex, a.MaxMillisBehindLatest, a.LastMillisBehindLatest, a.LastReadAtMs))],
                [.. p.Applications]))
        .Add<GetPositionLag, P.GetPositionLag>("lP", m => new() { EntityId = m.EntityId, Position = KinesisProto.Sequence(m.Position) },
            P.GetPositionLag.Parser, p => new GetPositionLag(p.EntityId, KinesisProto.Sequence(p.Position)))
        .Add<PositionLagResult, P.PositionLagResult>("lL", m => new() { MillisBehindLatest = m.MillisBehindLatest, Exact = m.Exact },
            P.PositionLagResult.Parser, p => new PositionLagResult(p.MillisBehindLatest, p.Exact));

    /// <summary>Created by Akka's serialization extension.</summary>
    public ActorStreamsMessageSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <summary>The manifests of every message type this serializer writes (for tests and diagnostics).</summary>
    internal static IReadOnlyDictionary<Type, string> Manifests => Formats.Manifests;

    /// <inheritdoc />
    public override string Manifest(object o) => Formats.For(o.GetType()).Manifest;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => Formats.For(obj.GetType()).Write(obj);

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Formats.TryGet(manifest, out var format))
            throw new SerializationException($"Unknown manifest '{manifest}' for {nameof(ActorStreamsMessageSerializer)}");
        try
        {
            return format.Read(bytes, system);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SerializationException($"A '{manifest}' message that does not parse: {e.Message}", e);
        }
        catch (Exception e) when (FrameBounds.IsMalformedFrame(e))
        {
            throw FrameBounds.Malformed(nameof(ActorStreamsMessageSerializer), manifest, e);
        }
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

    // The least a record takes on the wire: a key's length prefix and a payload's length.
    private const int MinStoredRecordBytes = 1 + 4;

    // A ReadRecordsResult record: its sequence number (12), arrival time (8) and the record.
    private const int MinReadRecordBytes = 12 + 8 + MinStoredRecordBytes;

    private static StoredRecord[] ReadRecords(MessageReader r)
    {
        var records = new StoredRecord[r.ReadCount(MinStoredRecordBytes, "records")];
        for (var i = 0; i < records.Length; i++) records[i] = ReadRecord(r);
        return records;
    }

    private static void WriteBlob(BinaryWriter w, byte[] blob)
    {
        w.Write(blob.Length);
        w.Write(blob);
    }

    // The path with this node's address, so that the receiving node resolves it to a remote ref back to here.
    private static string ActorPath(IActorRef actorRef) => Akka.Serialization.Serialization.SerializedActorPath(actorRef);

    private static P.ErrorReply Error(ErrorReply e) => new() { Code = e.Code, Message = e.Message };

    private static ErrorReply Error(P.ErrorReply? p) => p is null ? new ErrorReply("", "") : new ErrorReply(p.Code, p.Message);

    private static P.FanOutLagEntry LagEntry(FanOutLagEntry e)
    {
        var p = new P.FanOutLagEntry
        {
            ConsumerArn = e.ConsumerArn, ShardIndex = e.ShardIndex, MillisBehindLatest = e.MillisBehindLatest, ObservedAtMs = e.ObservedAtMs, Active = e.Active,
        };
        if (e.Continuation is not null) p.Continuation = e.Continuation;
        return p;
    }

    /// <summary>A reader over the received buffer that hands out payloads as slices of it, without copying.</summary>
    private sealed class MessageReader(byte[] bytes) : BoundedBinaryReader(bytes)
    {
        public ReadOnlyMemory<byte> ReadBlob()
        {
            var length = ReadInt32();
            var start = (int)BaseStream.Position;
            if (length < 0 || length > Remaining) throw new SerializationException($"A payload of {length} bytes runs past the message end.");
            BaseStream.Position = start + length;
            return new ReadOnlyMemory<byte>(Bytes, start, length);
        }
    }

    private sealed record MessageFormat(string Manifest, Func<object, byte[]> Write, Func<byte[], ExtendedActorSystem, object> Read);

    private sealed class MessageFormats
    {
        private readonly Dictionary<Type, MessageFormat> _byType = new();
        private readonly Dictionary<string, MessageFormat> _byManifest = new(StringComparer.Ordinal);

        public IReadOnlyDictionary<Type, string> Manifests => _byType.ToDictionary(p => p.Key, p => p.Value.Manifest);

        /// <summary>A hand-written layout: payload-heavy messages on the hot path, and the Firehose messages.</summary>
        public MessageFormats Add<T>(string manifest, Action<BinaryWriter, T> write, Func<MessageReader, T> read) where T : notnull =>
            Add(typeof(T), new MessageFormat(manifest,
                o =>
                {
                    using var stream = new MemoryStream();
                    using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) write(w, (T)o);
                    return stream.ToArray();
                },
                (bytes, _) =>
                {
                    using var r = new MessageReader(bytes);
                    return read(r);
                }));

        /// <summary>A message of the schema (<c>Proto/kinesis_messages.proto</c>).</summary>
        public MessageFormats Add<T, TProto>(string manifest, Func<T, TProto> toProto, MessageParser<TProto> parser, Func<TProto, T> fromProto)
            where T : notnull
            where TProto : IMessage<TProto> =>
            Add(manifest, toProto, parser, (p, _) => fromProto(p));

        /// <summary>A message of the schema whose reading needs the actor system (it carries actor refs).</summary>
        public MessageFormats Add<T, TProto>(string manifest, Func<T, TProto> toProto, MessageParser<TProto> parser,
            Func<TProto, ExtendedActorSystem, T> fromProto)
            where T : notnull
            where TProto : IMessage<TProto> =>
            Add(typeof(T), new MessageFormat(manifest, o => toProto((T)o).ToByteArray(), (bytes, system) => fromProto(parser.ParseFrom(bytes), system)));

        private MessageFormats Add(Type type, MessageFormat format)
        {
            if (!_byManifest.TryAdd(format.Manifest, format)) throw new InvalidOperationException($"Manifest '{format.Manifest}' is used twice.");
            if (!_byType.TryAdd(type, format)) throw new InvalidOperationException($"{type} has two formats.");
            return this;
        }

        public MessageFormat For(Type type) =>
            _byType.TryGetValue(type, out var format)
                ? format
                : throw new ArgumentException($"{type} has no wire format in {nameof(ActorStreamsMessageSerializer)}; add one to its Formats table.");

        public bool TryGet(string manifest, out MessageFormat format) => _byManifest.TryGetValue(manifest, out format!);
    }
}
