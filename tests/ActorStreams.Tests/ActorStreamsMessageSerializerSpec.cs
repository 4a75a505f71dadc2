using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Kinesis.Internal.Reads;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Kinesis.Internal.Subscriptions;
using ActorStreams.Serialization;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Every command and reply that crosses nodes has a binary wire format in ActorStreamsMessageSerializer and comes
/// back field for field; exceptions in Status.Failure replies cross too. The type list is found by reflection, so a
/// message added without a format (or without a sample here) fails this spec.
/// </summary>
public sealed class ActorStreamsMessageSerializerSpec(ITestOutputHelper output) : ActorStreamsSpec(output)
{
    private const string EntityId = "orders/3/1";
    private static readonly ShardInitialized Init = new("orders", 3, 1, UInt128.MaxValue / 4, UInt128.MaxValue / 2, 48, 1_700_000_000_123);
    private static readonly byte[] Payload = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();

    private static readonly StreamEntry SampleStream = new("orders", 3, StreamStatus.Active, StreamMode.OnDemand, 48, 1_700_000_000_000,
        [
            new ShardEntry(0, new HashKeyRange(0, UInt128.MaxValue / 2), null, null, 17),
            new ShardEntry(1, new HashKeyRange(UInt128.MaxValue / 2 + 1, UInt128.MaxValue), 0, null, null),
        ],
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("team", "payments"), KeyValuePair.Create("env", "")]),
        [new ConsumerEntry("billing", 1_700_000_000_500)]);

    private static readonly ImmutableArray<ChildShardEntry> Children =
    [
        new ChildShardEntry(2, 0, null, new HashKeyRange(0, UInt128.MaxValue / 4)),
        new ChildShardEntry(3, 0, 1, new HashKeyRange(UInt128.MaxValue / 4 + 1, UInt128.MaxValue / 2)),
    ];

    private static readonly ShardClosed Closed = new(41, 1_700_000_000_900, Children);

    /// <summary>A stream in the C3 layout: shard times, consumer tags, a resharding under way and UpdateShardCount times.</summary>
    private static readonly StreamEntry ReshardingStream = SampleStream with
    {
        Status = StreamStatus.Updating,
        Shards =
        [
            new ShardEntry(0, new HashKeyRange(0, UInt128.MaxValue / 2), null, null, 17, 1_700_000_000_000, 1_700_000_000_700),
            new ShardEntry(1, new HashKeyRange(UInt128.MaxValue / 2 + 1, UInt128.MaxValue), null, null, null),
            new ShardEntry(2, new HashKeyRange(0, UInt128.MaxValue / 4), 0, null, null, 1_700_000_000_700),
        ],
        Consumers =
        [
            new ConsumerEntry("billing", 1_700_000_000_500)
            {
                Tags = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("owner", "ops")]),
            },
        ],
        PendingReshard = [new ReshardOp(ReshardOpKind.Split, UInt128.MaxValue / 8), new ReshardOp(ReshardOpKind.Merge, UInt128.MaxValue / 2 + 1, true)],
        ScalingTimesMs = [1_700_000_000_100, 1_700_000_000_200],
    };

    /// <summary>
    /// One filled-in instance of every message type; the reflection test demands one per type. Subscription messages
    /// carry <paramref name="subscriber"/>, the actor a StreamShard pushes to.
    /// </summary>
    internal static IReadOnlyList<object> Samples(IActorRef subscriber) =>
    [
        new InitializeShard(EntityId, Init),
        new AppendRecords(EntityId, [new StoredRecord("key-1", Payload), new StoredRecord("ключ-🔑", Array.Empty<byte>())], 321, Guid.NewGuid()),
        new AppendRecords(EntityId, [new StoredRecord("on-demand", Payload)], 42, Guid.NewGuid(), Unthrottled: true),
        new ReadRecords(EntityId, new SequenceNumber(12, 3), 1_700_000_000_000, 10_000, 10 * 1024 * 1024, TimeSpan.FromSeconds(5)),
        new ReadRecords(EntityId, new SequenceNumber(12, 3), 0, 500, 1024 * 1024, TimeSpan.Zero, SharedCapacity: false),
        new ResolveIterator(EntityId, ShardIteratorType.AfterSequenceNumber, new SequenceNumber(9, 999_999), 0, true),
        new ResolveIterator(EntityId, ShardIteratorType.AtTimestamp, null, 1_700_000_000_000, false),
        new ChargeReadBytes(EntityId, 4096),
        new SetShardRetention(EntityId, 168),
        new InitializeShard(EntityId, Init, "alias/orders"),
        new SetShardEncryption(EntityId, "arn:aws:kms:us-east-1:000000000000:alias/orders"),
        new SetShardEncryption(EntityId, null),
        new RetireShard(EntityId),
        new WakeShard(EntityId),
        new GetShardLoad(EntityId),
        new ShardLoadResult(EntityId, 0.85, 1_700_000_000_000),
        new CloseShard(EntityId, Children),
        new CloseShard(EntityId, []),
        new ErrorReply(ResourceNotFoundException.Code, "Stream orders under account 000000000000 not found."),
        new ShardAck(EntityId),
        new AppendRecordsResult(42, 7, 2, TimeSpan.FromMilliseconds(250)),
        new ReadRecordsResult(
            [
                new ReadRecord(new SequenceNumber(41, 0), 1_700_000_000_001, new StoredRecord("a", Payload)),
                new ReadRecord(new SequenceNumber(41, 1), 1_700_000_000_001, new StoredRecord("b", new byte[] { 0, 255 })),
            ],
            new SequenceNumber(42, 0), 1234),
        new ReadRecordsResult([], new SequenceNumber(1, 0), 0),
        new ReadRecordsResult([], new SequenceNumber(42, 0), 0, Closed),
        new ReadFromJournal(StreamShardEntity.PersistenceId(EntityId), new SequenceNumber(5, 2), 40, 1_700_000_000_002),
        new ReadFromJournal(StreamShardEntity.PersistenceId(EntityId), new SequenceNumber(5, 2), 40, 1_700_000_000_002, Closed),
        new AppendRefusedClosed(1, Closed),
        new ShardClosedResult(41),
        new ReadThrottled(TimeSpan.FromMilliseconds(180), "Rate exceeded for shardId-000000000001 in stream orders."),
        new IteratorResolved(new SequenceNumber(8, 0), 1_700_000_000_003),
        new CreateStreamCommand("orders", 4, StreamMode.Provisioned),
        new CreateStreamCommand("orders", 4, StreamMode.OnDemand, WarmThroughputMiBps: 12),
        new CreateStreamCommand("orders", 1, StreamMode.Provisioned, MaxRecordSizeKiB: 4096),
        new UpdateMaxRecordSizeCommand("orders", 10_240),
        new CreateStreamCommand("orders", 4, StreamMode.OnDemand, RecordDistribution: RecordDistributionStrategy.Auto),
        new CreateStreamCommand("orders", 4, StreamMode.OnDemand, RecordDistribution: RecordDistributionStrategy.UserPartitionKey),
        new UpdateRecordDistributionCommand("orders", RecordDistributionStrategy.Auto),
        new SetResourcePolicy("orders", null, null, "{\"Statement\":[]}"),
        new SetResourcePolicy("orders", "billing", 1_700_000_000, null),
        new UpdateRecordDistributionCommand("orders", RecordDistributionStrategy.UserPartitionKey),
        new UpdateWarmThroughputCommand("orders", 0),
        new UpdateWarmThroughputCommand("orders", 10_240),
        new UpdateStreamModeCommand("orders", StreamMode.OnDemand, WarmThroughputMiBps: 5),
        new DeleteStreamCommand("orders"),
        new GetStream("orders"),
        new ListStreamsCommand(100, null),
        new ListStreamsCommand(2, "orders"),
        new ChangeRetention("orders", 72, true),
        new ChangeEncryption("orders", "alias/orders"),
        new ChangeEncryption("orders", null),
        new ChangeEnhancedMonitoring("orders", ShardLevelMetrics.All, Enable: true),
        GetAccountSettings.Instance,
        new UpdateAccountSettingsCommand(true),
        new UpdateAccountSettingsCommand(false),
        new AccountCommitment(1_700_000_000_000, null),
        AccountCommitment.None,
        new ChangeEnhancedMonitoring("orders", ShardLevelMetrics.IncomingBytes | ShardLevelMetrics.IteratorAgeMilliseconds, Enable: false),
        new AddTags("orders", ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("k", "v")])),
        new RemoveTags("orders", ["k", "other"]),
        new RegisterConsumer("orders", "billing"),
        new DeregisterConsumer("orders", "billing", 1_700_000_000),
        new DeregisterConsumer("orders", "billing", null),
        new AddConsumerTags("orders", "billing", 1_700_000_000,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("owner", "ops"), KeyValuePair.Create("tier", "")])),
        new RemoveConsumerTags("orders", "billing", 1_700_000_000, ["owner"]),
        new SplitShardCommand("orders", 1, UInt128.MaxValue / 3),
        new MergeShardsCommand("orders", 1, 2),
        new UpdateShardCountCommand("orders", 8),
        new UpdateStreamModeCommand("orders", StreamMode.OnDemand),
        CatalogHeartbeat.Instance,
        new ConsumerHeartbeat("app-entity", "member-1", [0, 3], 10_000, InitialLatest: true, Leaving: false),
        new CommitCheckpoints("app-entity", "member-1", [new CheckpointUpdate(0, new SequenceNumber(7, 2), false), new CheckpointUpdate(3, new SequenceNumber(9, 0), true)]),
        new GetConsumerApplication("app-entity"),
        new LeaseAssignment([new ShardGrant(1, new SequenceNumber(4, 1), false), new ShardGrant(2, null, true)], [0]),
        new LeaseAssignment([new ShardGrant(3, new SequenceNumber(4, 1), false, UserRecordsDone: 5)], []),
        new CommitCheckpoints("app-entity", "member-1", [new CheckpointUpdate(1, new SequenceNumber(7, 2), false, UserRecordsDone: 2)]),
        new CheckpointsCommitted("app-entity"),
        new ConsumerApplicationState(
            ImmutableSortedDictionary<int, CheckpointUpdate>.Empty.Add(0, new CheckpointUpdate(0, new SequenceNumber(7, 2), false)),
            ImmutableSortedDictionary<int, string>.Empty.Add(0, "member-1"), ["member-1", "member-2"]),
        new ClosedShardExpired("orders", 3, 1),
        SampleStream,
        ReshardingStream,
        new ConsumerEntry("billing", 1_700_000_000_500),
        ReshardingStream.Consumers[0],
        new StreamListing([SampleStream, SampleStream with { Name = "other", Tags = ImmutableSortedDictionary<string, string>.Empty, Consumers = [] }], true),
        new StreamListing([ReshardingStream], false),
        new ReshardDone(ReshardingStream, 2),
        new MonitoringChanged(SampleStream with { ShardLevelMetrics = ShardLevelMetrics.OutgoingRecords }, ShardLevelMetrics.All),
        new AcquireSubscription(EntityId, "arn:aws:kinesis:us-east-1:000000000000:stream/orders/consumer/billing:1700000000", "sub-1",
            subscriber, TimeSpan.FromSeconds(5)),
        new SubscriptionAcquired("sub-1"),
        new ReleaseSubscription(EntityId, "billing", "sub-1"),
        new AttachSubscriber(EntityId, "sub-1", 3, subscriber, new SequenceNumber(40, 2), 8 * 1024 * 1024),
        new SubscriberAttached("sub-1", 3),
        new SubscriberBehind("sub-1", 3),
        new SubscriberRecords("sub-1", 3, 41,
            new RecordsAppended(1_700_000_000_004, [new StoredRecord("a", Payload), new StoredRecord("ключ", Array.Empty<byte>())]), 306),
        new SubscriberDetached("sub-1", 3),
        new SubscriberAck(EntityId, "sub-1", 3, 306),
        new CheckSubscriber(EntityId, "sub-1", 3, subscriber),
        new SubscriptionEnded("sub-1", new ErrorReply(ResourceInUseException.Code, "Another subscription took over.")),
        new GetShardSubscriptionStats(EntityId),
        new ShardSubscriptionStats(1, 1, 2, 4 * 1024 * 1024, 17),
        new GetConsumerLagReport("orders", 3),
        new ConsumerLagReport(
            [
                new FanOutLagEntry("arn:aws:kinesis:us-east-1:000000000000:stream/orders/consumer/billing:1700000000", 1, 1234, 1_700_000_000_400,
                    "49000000000000000000000000000000000000000000000012", true),
                new FanOutLagEntry("arn:aws:kinesis:us-east-1:000000000000:stream/orders/consumer/audit:1700000001", 0, 0, 1_700_000_000_500, null, false),
            ],
            [new IteratorAgeEntry(2, 60_000, 1_500, 1_700_000_000_600)],
            ["billing-app", "приложение"]),
        new ConsumerLagReport([], [], []),
        new GetPositionLag(EntityId, new SequenceNumber(17, 4)),
        new PositionLagResult(2_500, false),
    ];

    public static IEnumerable<object[]> SampleData =>
        Samples(ActorRefs.Nobody).Select((s, i) => new object[] { i, s.GetType().Name });

    private static IEnumerable<Type> MessageTypes() =>
        typeof(ActorStreamsMessageSerializer).Assembly.GetTypes()
            .Where(t => typeof(IActorStreamsMessage).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract);

    [Fact]
    public void Every_command_and_reply_type_must_have_a_wire_format_and_a_sample()
    {
        var types = MessageTypes().ToList();
        Assert.True(types.Count >= 50, $"only {types.Count} message types found");
        var manifests = ActorStreamsMessageSerializer.Manifests;
        var missingFormat = types.Where(t => !manifests.ContainsKey(t)).Select(t => t.Name).ToList();
        Assert.True(missingFormat.Count == 0, $"no wire format in ActorStreamsMessageSerializer for: {string.Join(", ", missingFormat)}");
        var missingSample = types.Where(t => Samples(ActorRefs.Nobody).All(s => s.GetType() != t)).Select(t => t.Name).ToList();
        Assert.True(missingSample.Count == 0, $"no sample in {nameof(ActorStreamsMessageSerializerSpec)} for: {string.Join(", ", missingSample)}");
        // The interfaces the sharding regions route by are messages, so anything sent through them has a format.
        Assert.True(typeof(IActorStreamsMessage).IsAssignableFrom(typeof(IStreamShardCommand)));
        Assert.True(typeof(IActorStreamsMessage).IsAssignableFrom(typeof(ICatalogCommand)));
        Assert.True(typeof(IActorStreamsMessage).IsAssignableFrom(typeof(IConsumerApplicationCommand)));
    }

    [Fact]
    public void Protocol_types_named_like_commands_or_replies_must_be_marked_as_messages()
    {
        // A command or reply that forgot its marker would fall to the JSON serializer between nodes. Commands are
        // found by their routing interfaces (I...Command), replies by their names; public API types and nested
        // (actor-private, never sent to another node) types are not messages.
        // The subscription protocol (a StreamShard and its subscriber, which may be on another node) is found by its
        // names too; its stage and the stage's setup stay on one node.
        string[] replySuffixes = ["Result", "Reply", "Ack", "Resolved", "Throttled", "Listing", "Command", "Closed", "Done", "Expired"];
        string[] subscriptionNames = ["Subscriber", "Subscription"];
        var local = new HashSet<Type> { typeof(ShardPage), typeof(SubscriptionSetup), typeof(ShardSubscriptionStage) };
        var unmarked = typeof(ActorStreamsMessageSerializer).Assembly.GetTypes()
            .Where(t => !t.IsPublic && !t.IsNested && !t.IsInterface && !t.IsAbstract && !local.Contains(t))
            .Where(t => t.Namespace?.StartsWith("ActorStreams", StringComparison.Ordinal) == true)
            // The protobuf schema's generated types are how the messages travel, not messages themselves.
            .Where(t => t.Namespace != "ActorStreams.Serialization.Proto")
            .Where(t => !typeof(IActorStreamsSerializable).IsAssignableFrom(t)) // journal events and snapshots: the other serializer
            .Where(t => replySuffixes.Any(s => t.Name.EndsWith(s, StringComparison.Ordinal))
                        || subscriptionNames.Any(n => t.Name.Contains(n, StringComparison.Ordinal))
                        || t.GetInterfaces().Any(i => i.Name.StartsWith('I') && i.Name.EndsWith("Command", StringComparison.Ordinal)))
            .Where(t => !typeof(IActorStreamsMessage).IsAssignableFrom(t))
            .Select(t => t.FullName)
            .ToList();
        Assert.True(unmarked.Count == 0, $"not marked IActorStreamsMessage/IActorStreamsReply: {string.Join(", ", unmarked)}");
    }

    [Theory]
    [MemberData(nameof(SampleData))]
    public void A_message_must_round_trip_field_for_field(int sample, string typeName)
    {
        var message = Samples(TestActor)[sample];
        Assert.Equal(typeName, message.GetType().Name);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ActorStreamsMessageSerializer>(serializer);
        Assert.Equal(ActorStreamsMessageSerializer.SerializerId, serializer.Identifier);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        Assert.True(manifest.Length is > 0 and <= 3, $"manifest '{manifest}'");

        var copy = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType(message.GetType(), copy);
        AssertSameData(message, copy, message.GetType().Name);
    }

    [Fact]
    public void A_subscriber_ref_must_come_back_as_a_ref_that_reaches_the_subscriber()
    {
        var probe = CreateTestProbe();
        var attach = new AttachSubscriber(EntityId, "sub-1", 1, probe.Ref, new SequenceNumber(3, 0), 1024);
        var serializer = Sys.Serialization.FindSerializerFor(attach);
        var copy = (AttachSubscriber)Sys.Serialization.Deserialize(serializer.ToBinary(attach), serializer.Identifier, "uT");

        copy.Subscriber.Tell(new SubscriberAttached("sub-1", 1));

        Assert.Equal(new SubscriberAttached("sub-1", 1), probe.ExpectMsg<SubscriberAttached>());
    }

    [Fact]
    public void Payloads_must_travel_as_raw_bytes_and_come_back_as_slices_of_the_received_buffer()
    {
        var append = new AppendRecords(EntityId, [new StoredRecord("k", Payload)], Payload.Length + 1);
        var serializer = Sys.Serialization.FindSerializerFor(append);
        var bytes = serializer.ToBinary(append);

        Assert.True(bytes.AsSpan().IndexOf(Payload) >= 0, "the payload is not in the message as it is");
        Assert.True(bytes.Length < Payload.Length + 64, $"{bytes.Length} bytes for a {Payload.Length}-byte record");
        var copy = (AppendRecords)Sys.Serialization.Deserialize(bytes, serializer.Identifier, "sA");
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(copy.Records[0].Data, out var segment));
        Assert.Same(bytes, segment.Array);
    }

    [Fact]
    public void An_unknown_manifest_or_a_truncated_message_must_fail_with_a_serialization_error()
    {
        var serializer = Sys.Serialization.FindSerializerFor(new ShardAck(EntityId));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Sys.Serialization.Deserialize([1, 2], serializer.Identifier, "zz"));
        var bytes = serializer.ToBinary(new AppendRecords(EntityId, [new StoredRecord("k", Payload)], 1));
        Assert.ThrowsAny<Exception>(() => Sys.Serialization.Deserialize(bytes[..^10], serializer.Identifier, "sA"));
    }

    public static IEnumerable<object[]> ExceptionTypes =>
        typeof(ActorStreamsException).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ActorStreamsException)) && !t.IsAbstract)
            .Select(t => new object[] { t.Name });

    [Theory]
    [MemberData(nameof(ExceptionTypes))]
    public void An_actorstreams_exception_in_a_failure_reply_must_cross_nodes_with_its_type_and_message(string typeName)
    {
        var type = typeof(ActorStreamsException).Assembly.GetTypes().Single(t => t.Name == typeName && t.IsSubclassOf(typeof(ActorStreamsException)));
        var original = (ActorStreamsException)Activator.CreateInstance(type, $"{typeName}: shardId-000000000001 in stream orders, limit 1000")!;
        var failure = new Status.Failure(original);

        var serializer = Sys.Serialization.FindSerializerFor(failure);
        var bytes = serializer.ToBinary(failure);
        var copy = Assert.IsType<Status.Failure>(Sys.Serialization.Deserialize(bytes, serializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(serializer, failure)));

        Assert.IsType(type, copy.Cause);
        var cause = copy.Cause;
        Assert.Equal(original.Message, cause.Message);
        Assert.Equal(original.ErrorCode, ((ActorStreamsException)cause).ErrorCode);
    }

    /// <summary>Compares every field, recursively: records, record structs, arrays, immutable collections, payload bytes.</summary>
    internal static void AssertSameData(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: {expected ?? "null"} vs {actual ?? "null"}");
            return;
        }
        var type = expected.GetType();
        Assert.True(type == actual.GetType(), $"{path}: {type.Name} vs {actual.GetType().Name}");
        switch (expected)
        {
            case IActorRef actorRef:
                Assert.True(actorRef.Equals(actual), $"{path}: {actorRef.Path} vs {((IActorRef)actual).Path}");
                return;
            case ReadOnlyMemory<byte> bytes:
                Assert.True(bytes.Span.SequenceEqual(((ReadOnlyMemory<byte>)actual).Span), $"{path}: payload bytes differ");
                return;
            case string or TimeSpan or UInt128 or Enum or decimal:
            case var _ when type.IsPrimitive:
                Assert.True(expected.Equals(actual), $"{path}: {expected} vs {actual}");
                return;
            case IEnumerable sequence:
            {
                var e = sequence.Cast<object?>().ToList();
                var a = ((IEnumerable)actual).Cast<object?>().ToList();
                Assert.True(e.Count == a.Count, $"{path}: {e.Count} vs {a.Count} elements");
                for (var i = 0; i < e.Count; i++) AssertSameData(e[i], a[i], $"{path}[{i}]");
                return;
            }
        }
        var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        if (expected is CatalogHeartbeat or GetAccountSettings) return; // a singleton signal: the same type is all there is to compare
        Assert.True(fields.Length > 0, $"{path}: {type.Name} has no fields to compare");
        foreach (var field in fields) AssertSameData(field.GetValue(expected), field.GetValue(actual), $"{path}.{field.Name}");
    }
}
