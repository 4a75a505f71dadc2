using System.Collections.Concurrent;
using System.Collections.Immutable;
using ActorStreams.Dsl;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Shards;
using Akka.Actor;
using Akka.Persistence;
using Akka.Streams;
using Akka.Streams.Dsl;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// A crash in the middle of a resharding. The spec's system is terminated, the journal is left exactly as a crash
/// at that point would leave it (the catalog's <c>ReshardStarted</c> journaled; optionally the parent's
/// <c>ShardClosed</c> too, the map not yet switched), and a new system on the same journal must finish the resharding
/// by itself: parent closed at its last record, children open, nothing lost, new writes in the children.
/// </summary>
public abstract class ReshardRecoverySpec(ITestOutputHelper output, SpecJournal journal) : ActorStreamsSpec(output, journal)
{
    private static readonly UInt128 Middle = UInt128.One << 127;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [JournalFact]
    public Task A_split_journaled_but_not_run_must_complete_when_the_catalog_recovers() => SplitInterruptedAsync(parentClosed: false);

    [JournalFact]
    public Task A_split_whose_parent_closed_before_the_map_switched_must_complete_when_the_catalog_recovers() => SplitInterruptedAsync(parentClosed: true);

    private async Task SplitInterruptedAsync(bool parentClosed)
    {
        var stream = UniqueName("crash");
        await Client.CreateStreamAsync(stream);
        var sent = Enumerable.Range(0, 30).Select(i => Entry($"key-{i % 6}", $"key-{i % 6}:{i / 6 + 1}")).ToList();
        Assert.Equal(0, (await Client.PutRecordsAsync(stream, sent)).FailedRecordCount);
        var epoch = (await Client.Extension.Router.GetEntryAsync(stream, CancellationToken.None)).Epoch;
        await Sys.Terminate();

        // What a crash leaves behind, written with the runtime's own events and serializer.
        var crashed = StartAnotherSystem("actorstreams-crashed");
        try
        {
            await WriteEventsAsync(crashed, StreamCatalogEntity.PersistenceId,
                _ => [new ReshardStarted(stream, [new ReshardOp(ReshardOpKind.Split, Middle)], null)]);
            if (parentClosed)
            {
                ImmutableArray<ChildShardEntry> children =
                [
                    new(1, 0, null, new HashKeyRange(UInt128.Zero, Middle - 1)),
                    new(2, 0, null, new HashKeyRange(Middle, UInt128.MaxValue)),
                ];
                await WriteEventsAsync(crashed, StreamShardEntity.PersistenceId(StreamShardEntity.EntityId(stream, epoch, 0)),
                    last => [new ShardClosed(last, Clock.GetUtcNow().ToUnixTimeMilliseconds(), children)]);
            }
        }
        finally
        {
            await crashed.Terminate();
        }

        var system = StartAnotherSystem("actorstreams-recovered");
        try
        {
            var client = ActorStreamsExtension.Get(system).Client;
            StreamDescription? d = null;
            await AwaitAssertAsync(async () =>
            {
                d = await client.DescribeStreamAsync(stream);
                Assert.Equal(StreamStatus.Active, d.StreamStatus);
            }, Timeout, TimeSpan.FromMilliseconds(100));
            Assert.Equal([0, 1, 2], d!.Shards.Select(s => s.ShardId.Index));
            Assert.False(d.Shards[0].IsOpen);
            Assert.All(d.Shards.Skip(1), s => Assert.Equal(new StreamShardId(0), s.ParentShardId));
            Assert.Equal([new HashKeyRange(UInt128.Zero, Middle - 1), new HashKeyRange(Middle, UInt128.MaxValue)], d.Shards.Skip(1).Select(s => s.HashKeyRange));

            // The parent holds every record written before the crash and ends there.
            Clock.Advance(TimeSpan.FromSeconds(1));
            var page = await client.GetRecordsAsync(await client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon));
            Assert.Equal(sent.Select(e => Text(e.Data)), page.Records.Select(r => Text(r.Data)));
            Assert.Null(page.NextShardIterator);
            Assert.Equal([1, 2], page.ChildShards!.Select(c => c.ShardId.Index));

            var after = Enumerable.Range(30, 30).Select(i => Entry($"key-{i % 6}", $"key-{i % 6}:{i / 6 + 1}")).ToList();
            var put = await client.PutRecordsAsync(stream, after);
            Assert.Equal(0, put.FailedRecordCount);
            Assert.All(put.Records, r => Assert.NotEqual(0, r.ShardId!.Value.Index));

            // The whole-stream source reads the parent, then the children: every key in order.
            var received = new ConcurrentQueue<StreamRecord>();
            var materializer = system.Materializer();
            var (control, _) = KinesisSource.Stream(system, stream, StartingPosition.TrimHorizon)
                .ToMaterialized(Sink.ForEach<StreamRecord>(received.Enqueue), Keep.Both).Run(materializer);
            await AwaitAssertAsync(() => Assert.Equal(60, received.Count), Timeout, TimeSpan.FromMilliseconds(50));
            foreach (var key in received.GroupBy(r => r.PartitionKey))
                Assert.Equal(Enumerable.Range(1, 10), key.Select(r => int.Parse(Text(r.Data).Split(':')[1])));
            control.Stop();
        }
        finally
        {
            await system.Terminate();
        }
    }

    [JournalFact]
    public async Task An_UpdateShardCount_plan_of_several_steps_must_run_to_its_end_when_the_catalog_recovers()
    {
        var stream = UniqueName("plan");
        await Client.CreateStreamAsync(stream, 2);
        var sent = Enumerable.Range(0, 40).Select(i => Entry($"key-{i % 8}", $"key-{i % 8}:{i / 8 + 1}")).ToList();
        Assert.Equal(0, (await Client.PutRecordsAsync(stream, sent)).FailedRecordCount);
        var entry = await Client.Extension.Router.GetEntryAsync(stream, CancellationToken.None);
        // 2 -> 3 shards: splits at a third and two thirds, then the merge of the old middle boundary.
        var plan = StreamCatalogActor.UniformScalingPlan(entry, 3);
        Assert.Equal(3, plan.Length);
        await Sys.Terminate();

        var crashed = StartAnotherSystem("actorstreams-crashed");
        try
        {
            await WriteEventsAsync(crashed, StreamCatalogEntity.PersistenceId,
                _ => [new ReshardStarted(stream, plan, Clock.GetUtcNow().ToUnixTimeMilliseconds())]);
        }
        finally
        {
            await crashed.Terminate();
        }

        var system = StartAnotherSystem("actorstreams-recovered");
        try
        {
            var client = ActorStreamsExtension.Get(system).Client;
            StreamDescription? d = null;
            await AwaitAssertAsync(async () =>
            {
                d = await client.DescribeStreamAsync(stream);
                Assert.Equal(StreamStatus.Active, d.StreamStatus);
            }, Timeout, TimeSpan.FromMilliseconds(100));
            Assert.Equal(HashKey.UniformRanges(3), d!.Shards.Where(s => s.IsOpen).OrderBy(s => s.HashKeyRange.StartingHashKey).Select(s => s.HashKeyRange));
            // The journaled call counts against the daily limit like any other.
            Assert.Single((await client.Extension.Router.GetEntryAsync(stream, CancellationToken.None)).ScalingTimesMs);

            var received = new ConcurrentQueue<StreamRecord>();
            var (control, _) = KinesisSource.Stream(system, stream, StartingPosition.TrimHorizon)
                .ToMaterialized(Sink.ForEach<StreamRecord>(received.Enqueue), Keep.Both).Run(system.Materializer());
            var after = Enumerable.Range(40, 40).Select(i => Entry($"key-{i % 8}", $"key-{i % 8}:{i / 8 + 1}")).ToList();
            Assert.Equal(0, (await client.PutRecordsAsync(stream, after)).FailedRecordCount);
            await AwaitAssertAsync(() => Assert.Equal(80, received.Count), Timeout, TimeSpan.FromMilliseconds(50));
            foreach (var key in received.GroupBy(r => r.PartitionKey))
                Assert.Equal(Enumerable.Range(1, 10), key.Select(r => int.Parse(Text(r.Data).Split(':')[1])));
            control.Stop();
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>Appends events to a persistence id after its existing ones, as the actor owning it would have.</summary>
    private static async Task WriteEventsAsync(ActorSystem system, string persistenceId, Func<long, object[]> events)
    {
        var writer = system.ActorOf(Props.Create(() => new JournalWriter(persistenceId, events)));
        Assert.Equal("written", await writer.Ask<string>("write", Timeout));
    }

    private sealed class JournalWriter : ReceivePersistentActor
    {
        public JournalWriter(string persistenceId, Func<long, object[]> events)
        {
            PersistenceId = persistenceId;
            Recover<object>(_ => { });
            Command<string>(_ =>
            {
                var replyTo = Sender;
                var batch = events(LastSequenceNr);
                var left = batch.Length;
                PersistAll(batch, _ =>
                {
                    if (--left == 0) replyTo.Tell("written");
                });
            });
        }

        public override string PersistenceId { get; }
    }
}

public sealed class ReshardRecoverySqliteSpec(ITestOutputHelper output) : ReshardRecoverySpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class ReshardRecoveryPostgreSqlSpec(ITestOutputHelper output) : ReshardRecoverySpec(output, SpecJournal.PostgreSql);
