using System.Collections.Concurrent;
using ActorStreams.Dsl;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.TestSupport;
using Akka.Actor;
using ActorStreams.Tests.Firehose;
using Akka.Streams.Dsl;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// ON_DEMAND streams: not held to a shard's write limit, split a hot shard by themselves and merge cold neighbours
/// after a quiet period, all on the virtual clock; UpdateStreamMode and its daily limit.
/// </summary>
public abstract class OnDemandSpec(ITestOutputHelper output, SpecJournal journal)
    : ActorStreamsSpec(output, journal, """
        actorstreams.on-demand {
          evaluation-interval = 100ms
          load-window = 10s
          split-threshold = 0.5
          merge-threshold = 0.1
          quiet-period = 60s
          min-shards = 1
        }
        """)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan EvaluationInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs a few ON_DEMAND evaluations, for checks that nothing was resharded: moves the clock one evaluation interval
    /// at a time and asks the catalog about the stream after each, a request queued behind the evaluation just fired.
    /// </summary>
    private async Task EvaluationRoundsAsync(string stream)
    {
        for (var round = 0; round < 3; round++)
        {
            Clock.Advance(EvaluationInterval);
            await Client.DescribeStreamSummaryAsync(stream);
        }
    }

    private async Task<int> PutManyAsync(string stream, int calls, int[] counters, int keys = 20)
    {
        var failed = 0;
        for (var c = 0; c < calls; c++)
        {
            var entries = Enumerable.Range(0, 500).Select(i =>
            {
                var key = (c * 500 + i) % keys;
                return Entry($"key-{key}", $"key-{key}:{++counters[key]}");
            }).ToList();
            failed += (await Client.PutRecordsAsync(stream, entries)).FailedRecordCount;
        }
        return failed;
    }

    /// <summary>The running catalog entity, with its unique id: an entity passivated and started again is another one.</summary>
    private async Task<IActorRef> CatalogIncarnationAsync()
    {
        var identity = await Sys.ActorSelection($"/system/sharding/{StreamCatalogEntity.TypeName}/*/{StreamCatalogEntity.EntityId}")
            .Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(5));
        return identity.Subject ?? throw new InvalidOperationException("the catalog is not running");
    }

    private async Task<List<StreamShardDescription>> OpenShardsAsync(string stream) =>
        (await Client.ListShardsAsync(stream)).Where(s => s.IsOpen).ToList();

    [JournalFact]
    public async Task An_on_demand_stream_must_not_be_throttled_at_a_shards_write_limit()
    {
        var onDemand = UniqueName("od");
        await Client.CreateStreamAsync(onDemand, 1, StreamMode.OnDemand);
        var provisioned = UniqueName("prov");
        await Client.CreateStreamAsync(provisioned, 1);

        // 1,500 records in one instant of the clock: over one shard's 1,000 records per second.
        Assert.Equal(0, await PutManyAsync(onDemand, 3, new int[20]));
        Assert.True(await PutManyAsync(provisioned, 3, new int[20]) > 0, "the provisioned shard throttles the same load");
        // 150 records/s over the 10 s window is below the split threshold: no split.
        await EvaluationRoundsAsync(onDemand);
        Assert.Single(await OpenShardsAsync(onDemand));
    }

    [JournalFact]
    public async Task A_hot_on_demand_shard_must_split_and_cold_neighbours_merge_after_the_quiet_period_while_a_source_reads_in_order()
    {
        var stream = UniqueName("autoscale");
        await Client.CreateStreamAsync(stream, 1, StreamMode.OnDemand);
        var received = new ConcurrentQueue<StreamRecord>();
        var (control, _) = KinesisSource.Stream(Sys, stream, StartingPosition.TrimHorizon)
            .ToMaterialized(Sink.ForEach<StreamRecord>(received.Enqueue), Keep.Both).Run(Materializer);
        var counters = new int[20];

        // 6,000 records within the 10 s window: 600 records/s, 60 % of a shard, over the 50 % split threshold.
        Assert.Equal(0, await PutManyAsync(stream, 12, counters));
        await AwaitAssertAsync(async () =>
        {
            Clock.Advance(EvaluationInterval);
            Assert.Equal(2, (await OpenShardsAsync(stream)).Count);
        }, Timeout, TimeSpan.FromMilliseconds(100));
        var children = await OpenShardsAsync(stream);
        Assert.All(children, c => Assert.Equal(new StreamShardId(0), c.ParentShardId));
        Assert.Equal(UInt128.One << 127, children.Max(c => c.HashKeyRange.StartingHashKey));

        // The children are cold, but the quiet period (60 s of the clock) has not passed: they stay.
        Clock.Advance(TimeSpan.FromSeconds(30));
        await EvaluationRoundsAsync(stream);
        Assert.Equal(2, (await OpenShardsAsync(stream)).Count);

        Clock.Advance(TimeSpan.FromSeconds(31));
        await AwaitAssertAsync(async () =>
        {
            Clock.Advance(EvaluationInterval);
            Assert.Single(await OpenShardsAsync(stream));
        }, Timeout, TimeSpan.FromMilliseconds(100));
        var merged = Assert.Single(await OpenShardsAsync(stream));
        Assert.Equal(HashKeyRange.All, merged.HashKeyRange);
        Assert.NotNull(merged.AdjacentParentShardId);
        Assert.Equal(StreamStatus.Active, (await Client.DescribeStreamAsync(stream)).StreamStatus);

        // Records written through every generation reach the source once each, in order per key.
        Assert.Equal(0, await PutManyAsync(stream, 1, counters));
        var total = counters.Sum();
        await AwaitAssertAsync(() => Assert.Equal(total, received.Count), Timeout, TimeSpan.FromMilliseconds(100));
        foreach (var key in received.GroupBy(r => r.PartitionKey))
            Assert.Equal(Enumerable.Range(1, counters[int.Parse(key.Key[4..])]), key.Select(r => int.Parse(Text(r.Data).Split(':')[1])));
        control.Stop();
    }

    [JournalFact]
    public async Task Scaling_must_go_on_while_only_records_are_written_and_the_catalog_hears_from_no_client()
    {
        var stream = UniqueName("idle");
        await Client.CreateStreamAsync(stream, 1, StreamMode.OnDemand);
        // The first write caches the stream's route; later writes do not ask the catalog.
        Assert.Equal(0, (await Client.PutRecordsAsync(stream, [Entry("k", "first")])).FailedRecordCount);
        var catalog = await CatalogIncarnationAsync();
        // Writes go to the shard by the cached route; the catalog is not asked.
        Assert.Equal(0, await PutManyAsync(stream, 12, new int[20]));
        // The runtime clock moves, so the catalog's heartbeat, which alone keeps the catalog evaluating, ticks.
        using (new RunningClock(Clock, TimeSpan.FromMilliseconds(20)))
            await Eventually.EventuallyAsync(async () => (await OpenShardsAsync(stream)).Count == 2, "the split", TimeSpan.FromSeconds(15));
        // The catalog that split is the one that ran all along: one started by a call (after a passivation) is another actor.
        Assert.Equal(catalog, await CatalogIncarnationAsync());
    }

    [JournalFact]
    public async Task A_warm_stream_must_pre_split_keep_its_warm_shards_when_idle_and_merge_once_the_target_is_lowered()
    {
        var stream = UniqueName("warm");
        await Client.CreateStreamAsync(stream, 1, StreamMode.OnDemand);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.UpdateStreamWarmThroughputAsync(stream, 3));
        Assert.True((await Client.UpdateAccountSettingsAsync(true)).CommitmentInEffect);

        var started = await Client.UpdateStreamWarmThroughputAsync(stream, 3);
        Assert.Equal(3, started.WarmThroughput!.TargetMiBps);
        await AwaitAssertAsync(async () => Assert.Equal(3, (await OpenShardsAsync(stream)).Count), Timeout, TimeSpan.FromMilliseconds(100));
        Assert.Equal(new WarmThroughput(3, 3), (await Client.DescribeStreamSummaryAsync(stream)).WarmThroughput);

        // Idle well past the quiet period: cold neighbours, but the warm throughput keeps all three.
        Clock.Advance(TimeSpan.FromSeconds(61));
        await EvaluationRoundsAsync(stream);
        Clock.Advance(TimeSpan.FromSeconds(61));
        await EvaluationRoundsAsync(stream);
        Assert.Equal(3, (await OpenShardsAsync(stream)).Count);

        // A lower target releases them: the scaling policy merges the cold shards down to its minimum again.
        await Client.UpdateStreamWarmThroughputAsync(stream, 1);
        await AwaitAssertAsync(async () =>
        {
            Clock.Advance(TimeSpan.FromSeconds(61));
            Assert.Single(await OpenShardsAsync(stream));
        }, Timeout, TimeSpan.FromMilliseconds(100));
    }

    [JournalFact]
    public async Task UpdateStreamMode_must_switch_the_mode_at_most_twice_a_day()
    {
        var stream = UniqueName("mode");
        await Client.CreateStreamAsync(stream, 2);

        await Client.UpdateStreamModeAsync(stream, StreamMode.OnDemand);
        Assert.Equal(StreamMode.OnDemand, (await Client.DescribeStreamSummaryAsync(stream)).StreamMode);
        await Assert.ThrowsAsync<ValidationException>(() => Client.UpdateShardCountAsync(stream, 3));
        // Asking for the mode the stream has changes nothing and is not counted.
        await Client.UpdateStreamModeAsync(stream, StreamMode.OnDemand);

        Clock.Advance(TimeSpan.FromHours(1));
        await Client.UpdateStreamModeAsync(stream, StreamMode.Provisioned);
        Assert.Equal(StreamMode.Provisioned, (await Client.DescribeStreamAsync(stream)).StreamMode);
        Assert.Equal(3, (await Client.UpdateShardCountAsync(stream, 3)).TargetShardCount);

        var limit = await Assert.ThrowsAsync<LimitExceededException>(() => Client.UpdateStreamModeAsync(stream, StreamMode.OnDemand));
        Assert.Contains("24 hours", limit.Message);
        Clock.Advance(TimeSpan.FromHours(23) + TimeSpan.FromMinutes(1));
        await Client.UpdateStreamModeAsync(stream, StreamMode.OnDemand);
        Assert.Equal(StreamMode.OnDemand, (await Client.DescribeStreamSummaryAsync(stream)).StreamMode);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.UpdateStreamModeAsync(UniqueName("ghost"), StreamMode.OnDemand));
    }
}

public sealed class OnDemandSqliteSpec(ITestOutputHelper output) : OnDemandSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class OnDemandPostgreSqlSpec(ITestOutputHelper output) : OnDemandSpec(output, SpecJournal.PostgreSql);
