using System.Numerics;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.TestSupport;
using Akka.Actor;
using Akka.Cluster.Sharding;
using ActorStreams.Tests.Firehose;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// SplitShard, MergeShards and UpdateShardCount: lineage in DescribeStream and ListShards, ChildShards at the end of
/// a closed shard, writes re-routed to the children, Kinesis' rules and errors.
/// </summary>
public abstract class ReshardingSpec(ITestOutputHelper output, SpecJournal journal, string? config = null)
    : ActorStreamsSpec(output, journal, """
        actorstreams.limits.max-shards = 10
        actorstreams.limits.max-update-shard-count-per-day = 3
        """ + (config ?? ""))
{
    private static readonly UInt128 Middle = UInt128.One << 127;

    /// <summary>
    /// Passivates a stream-shard entity as sharding's idle passivation does (its shard gets <see cref="Passivate"/> from
    /// the entity), and returns once the region no longer holds it.
    /// </summary>
    private async Task PassivateAsync(string entityId)
    {
        var path = $"/system/sharding/{StreamShardEntity.TypeName}/*/{Uri.EscapeDataString(entityId)}";
        var entity = (await Sys.ActorSelection(path).Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(5))).Subject;
        Assert.NotNull(entity);
        var probe = CreateTestProbe();
        probe.Watch(entity);
        Sys.ActorSelection(entity.Path.Parent).Tell(new Passivate(PoisonPill.Instance), entity);
        probe.ExpectTerminated(entity, TimeSpan.FromSeconds(15));
        var region = ClusterSharding.Get(Sys).ShardRegion(StreamShardEntity.TypeName);
        await Eventually.EventuallyAsync(async () =>
        {
            var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
            return !state.Shards.Any(s => s.EntityIds.Contains(entityId));
        }, "the region forgot the passivated entity", TimeSpan.FromSeconds(15));
    }

    private static StreamShardDescription ShardOf(StreamDescription d, int index) => d.Shards.Single(s => s.ShardId.Index == index);

    private async Task<List<string>> PutKeysAsync(string stream, string prefix, int count)
    {
        var entries = Enumerable.Range(0, count).Select(i => Entry($"key-{i}", $"{prefix}-{i}")).ToList();
        var result = await Client.PutRecordsAsync(stream, entries);
        Assert.Equal(0, result.FailedRecordCount);
        return entries.Select(e => Text(e.Data)).ToList();
    }

    /// <summary>Reads a shard from TRIM_HORIZON to its end; the last page must carry the children and no next iterator.</summary>
    private async Task<(List<StreamRecord> Records, IReadOnlyList<ChildShard> Children)> ReadClosedShardAsync(string stream, StreamShardId shard)
    {
        var iterator = await Client.GetShardIteratorAsync(stream, shard.ToString(), ShardIteratorType.TrimHorizon);
        var records = new List<StreamRecord>();
        for (var calls = 0; calls < 1000; calls++)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(200));
            var page = await Client.GetRecordsAsync(iterator);
            records.AddRange(page.Records);
            if (page.NextShardIterator is null)
            {
                Assert.NotNull(page.ChildShards);
                return (records, page.ChildShards!);
            }
            Assert.Null(page.ChildShards);
            iterator = page.NextShardIterator;
        }
        throw new InvalidOperationException($"{shard} did not end.");
    }

    [JournalFact]
    public async Task ListShards_filters_must_see_a_split_by_the_times_the_parent_closed_and_the_children_opened()
    {
        var stream = UniqueName("split-filter");
        await Client.CreateStreamAsync(stream);
        Clock.Advance(TimeSpan.FromMinutes(10));
        var beforeSplit = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromMinutes(10));
        await Client.SplitShardAsync(stream, Shard0, Middle.ToString());
        Clock.Advance(TimeSpan.FromMinutes(10));

        async Task<int[]> Ids(StreamShardFilter filter) => (await Client.ListShardsAsync(stream, filter)).Select(s => s.ShardId.Index).ToArray();
        Assert.Equal(new[] { 1, 2 }, await Ids(StreamShardFilter.AtLatest));
        Assert.Equal(new[] { 0 }, await Ids(StreamShardFilter.AtTrimHorizon));
        Assert.Equal(new[] { 0, 1, 2 }, await Ids(StreamShardFilter.FromTrimHorizon));
        Assert.Equal(new[] { 0 }, await Ids(new StreamShardFilter(StreamShardFilterType.AtTimestamp, Timestamp: beforeSplit)));
        Assert.Equal(new[] { 1, 2 }, await Ids(new StreamShardFilter(StreamShardFilterType.AtTimestamp, Timestamp: Clock.GetUtcNow())));
        Assert.Equal(new[] { 0, 1, 2 }, await Ids(new StreamShardFilter(StreamShardFilterType.FromTimestamp, Timestamp: beforeSplit)));
    }

    [JournalFact]
    public async Task SplitShard_must_close_the_parent_and_route_new_writes_to_two_children_with_lineage()
    {
        var stream = UniqueName("split");
        await Client.CreateStreamAsync(stream);
        var before = await PutKeysAsync(stream, "before", 40);

        await Client.SplitShardAsync(stream, Shard0, Middle.ToString());

        var d = await Client.DescribeStreamAsync(stream);
        Assert.Equal(StreamStatus.Active, d.StreamStatus);
        Assert.Equal([0, 1, 2], d.Shards.Select(s => s.ShardId.Index));
        var parent = ShardOf(d, 0);
        Assert.False(parent.IsOpen);
        Assert.NotNull(parent.SequenceNumberRange.EndingSequenceNumber);
        var low = ShardOf(d, 1);
        var high = ShardOf(d, 2);
        Assert.Equal(new HashKeyRange(UInt128.Zero, Middle - 1), low.HashKeyRange);
        Assert.Equal(new HashKeyRange(Middle, UInt128.MaxValue), high.HashKeyRange);
        Assert.All([low, high], c =>
        {
            Assert.True(c.IsOpen);
            Assert.Equal(new StreamShardId(0), c.ParentShardId);
            Assert.Null(c.AdjacentParentShardId);
            Assert.NotNull(c.SequenceNumberRange.StartingSequenceNumber);
        });
        Assert.Equal(2, (await Client.DescribeStreamSummaryAsync(stream)).OpenShardCount);
        Assert.Equal(d.Shards, await Client.ListShardsAsync(stream));

        // Every record written before the split is in the parent, below its ending sequence number.
        var (parentRecords, children) = await ReadClosedShardAsync(stream, new StreamShardId(0));
        Assert.Equal(before, parentRecords.Select(r => Text(r.Data)));
        Assert.All(parentRecords, r => Assert.True(Numeric(r.SequenceNumber) <= Numeric(parent.SequenceNumberRange.EndingSequenceNumber!)));
        Assert.Equal([1, 2], children.Select(c => c.ShardId.Index));
        Assert.All(children, c => Assert.Equal([new StreamShardId(0)], c.ParentShards));
        Assert.Equal([low.HashKeyRange, high.HashKeyRange], children.Select(c => c.HashKeyRange));

        // New writes go to the child that holds their hash key; the parent takes none.
        var after = await Client.PutRecordsAsync(stream, Enumerable.Range(0, 40).Select(i => Entry($"key-{i}", $"after-{i}")).ToList());
        Assert.Equal(0, after.FailedRecordCount);
        for (var i = 0; i < 40; i++)
        {
            var expected = HashKey.OfPartitionKey($"key-{i}") < Middle ? 1 : 2;
            Assert.Equal(expected, after.Records[i].ShardId!.Value.Index);
        }
        var single = await Client.PutRecordAsync(stream, Bytes("one"), "x", explicitHashKey: Middle.ToString());
        Assert.Equal(2, single.ShardId.Index);
        var (parentAgain, _) = await ReadClosedShardAsync(stream, new StreamShardId(0));
        Assert.Equal(before, parentAgain.Select(r => Text(r.Data)));
        var inChildren = (await ReadAllAsync(stream, low.ShardId.ToString())).Concat(await ReadAllAsync(stream, high.ShardId.ToString()));
        Assert.Equal(after.Records.Count + 1, inChildren.Count());
    }

    [JournalFact]
    public async Task MergeShards_must_give_the_child_both_parents_and_the_union_of_their_ranges()
    {
        var stream = UniqueName("merge");
        await Client.CreateStreamAsync(stream, 3);
        await PutKeysAsync(stream, "before", 30);
        var ranges = (await Client.DescribeStreamAsync(stream)).Shards.Select(s => s.HashKeyRange).ToList();

        // As in AWS, the adjacent shard is the one above ShardToMerge: the pair named upper first is refused.
        var inverted = await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Client.MergeShardsAsync(stream, new StreamShardId(2).ToString(), new StreamShardId(1).ToString()));
        Assert.Equal($"Shards shardId-000000000002 and shardId-000000000001 in stream {stream} under account 000000000000 are not an adjacent pair of shards eligible for merging", inverted.Message);
        await Client.MergeShardsAsync(stream, new StreamShardId(1).ToString(), new StreamShardId(2).ToString());

        var d = await Client.DescribeStreamAsync(stream);
        Assert.Equal(StreamStatus.Active, d.StreamStatus);
        var child = ShardOf(d, 3);
        Assert.Equal(new StreamShardId(1), child.ParentShardId);
        Assert.Equal(new StreamShardId(2), child.AdjacentParentShardId);
        Assert.Equal(new HashKeyRange(ranges[1].StartingHashKey, ranges[2].EndingHashKey), child.HashKeyRange);
        Assert.False(ShardOf(d, 1).IsOpen);
        Assert.False(ShardOf(d, 2).IsOpen);
        Assert.True(ShardOf(d, 0).IsOpen);

        foreach (var parent in new[] { 1, 2 })
        {
            var (_, children) = await ReadClosedShardAsync(stream, new StreamShardId(parent));
            var only = Assert.Single(children);
            Assert.Equal(new StreamShardId(3), only.ShardId);
            Assert.Equal([new StreamShardId(1), new StreamShardId(2)], only.ParentShards);
            Assert.Equal(child.HashKeyRange, only.HashKeyRange);
        }

        var after = await Client.PutRecordsAsync(stream, Enumerable.Range(0, 30).Select(i => Entry($"key-{i}", $"after-{i}")).ToList());
        Assert.All(after.Records, r => Assert.Contains(r.ShardId!.Value.Index, new[] { 0, 3 }));
    }

    [JournalFact]
    public async Task UpdateShardCount_must_produce_uniform_ranges_by_splits_and_merges()
    {
        var stream = UniqueName("scale");
        await Client.CreateStreamAsync(stream, 2);
        var sent = await PutKeysAsync(stream, "a", 50);

        var up = await Client.UpdateShardCountAsync(stream, 4);
        Assert.Equal((2, 4), (up.CurrentShardCount, up.TargetShardCount));
        var d = await Client.DescribeStreamAsync(stream);
        Assert.Equal(HashKey.UniformRanges(4), d.Shards.Where(s => s.IsOpen).Select(s => s.HashKeyRange));
        Assert.Equal(6, d.Shards.Count); // doubling is two splits: two parents closed, four children
        sent.AddRange(await PutKeysAsync(stream, "b", 50));

        var odd = await Client.UpdateShardCountAsync(stream, 3);
        Assert.Equal((4, 3), (odd.CurrentShardCount, odd.TargetShardCount));
        d = await Client.DescribeStreamAsync(stream);
        Assert.Equal(StreamStatus.Active, d.StreamStatus);
        Assert.Equal(HashKey.UniformRanges(3), d.Shards.Where(s => s.IsOpen).OrderBy(s => s.HashKeyRange.StartingHashKey).Select(s => s.HashKeyRange));
        Assert.All(d.Shards.Where(s => s.ShardId.Index >= 2), s => Assert.NotNull(s.ParentShardId));
        sent.AddRange(await PutKeysAsync(stream, "c", 50));

        // Every record is still there, each in exactly one shard.
        var stored = await ReadAllShardsAsync(stream);
        Assert.Equal(sent.Order(), stored.Select(r => Text(r.Data)).Order());
    }

    private async Task<List<StreamRecord>> ReadAllShardsAsync(string stream)
    {
        var all = new List<StreamRecord>();
        foreach (var shard in await Client.ListShardsAsync(stream))
        {
            if (shard.IsOpen) all.AddRange(await ReadAllAsync(stream, shard.ShardId.ToString()));
            else all.AddRange((await ReadClosedShardAsync(stream, shard.ShardId)).Records);
        }
        return all;
    }

    [JournalFact]
    public async Task Resharding_must_refuse_what_Kinesis_refuses_with_its_error_codes()
    {
        var stream = UniqueName("rules");
        await Client.CreateStreamAsync(stream, 3);
        var ranges = (await Client.DescribeStreamAsync(stream)).Shards.Select(s => s.HashKeyRange).ToList();
        string S(int i) => new StreamShardId(i).ToString();

        // NewStartingHashKey strictly inside the parent's range.
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.SplitShardAsync(stream, S(1), ranges[1].StartingHashKeyText));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.SplitShardAsync(stream, S(1), (ranges[1].EndingHashKey + 1).ToString()));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.SplitShardAsync(stream, S(0), ranges[2].StartingHashKeyText));
        await Assert.ThrowsAsync<ValidationException>(() => Client.SplitShardAsync(stream, S(0), "01"));
        await Assert.ThrowsAsync<ValidationException>(() => Client.SplitShardAsync(stream, S(0), "-5"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.SplitShardAsync(stream, S(0), BigInteger.Pow(2, 128).ToString()));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.SplitShardAsync(stream, S(9), "5"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.SplitShardAsync(UniqueName("nope"), S(0), "5"));
        // Only adjacent, distinct shards merge.
        var ex = await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.MergeShardsAsync(stream, S(0), S(2)));
        Assert.Contains("are not an adjacent pair of shards eligible for merging", ex.Message);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.MergeShardsAsync(stream, S(1), S(1)));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.MergeShardsAsync(stream, S(0), S(7)));
        // Nothing of that changed the stream.
        Assert.Equal(3, (await Client.DescribeStreamAsync(stream)).Shards.Count);

        // A CLOSED shard cannot be split or merged again.
        await Client.MergeShardsAsync(stream, S(0), S(1));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.SplitShardAsync(stream, S(0), "5"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.MergeShardsAsync(stream, S(1), S(2)));

        // UpdateShardCount: at most double, at least half, within 1..100000 and UNIFORM_SCALING.
        Assert.Equal(2, (await Client.DescribeStreamSummaryAsync(stream)).OpenShardCount);
        await Assert.ThrowsAsync<LimitExceededException>(() => Client.UpdateShardCountAsync(stream, 5));
        var twoToFour = await Client.UpdateShardCountAsync(stream, 4);
        Assert.Equal(4, twoToFour.TargetShardCount);
        await Assert.ThrowsAsync<LimitExceededException>(() => Client.UpdateShardCountAsync(stream, 1));
        await Assert.ThrowsAsync<ValidationException>(() => Client.UpdateShardCountAsync(stream, 0));
        await Assert.ThrowsAsync<ValidationException>(() => Client.UpdateShardCountAsync(stream, 100_001));
        await Assert.ThrowsAsync<ValidationException>(() => Client.UpdateShardCountAsync(stream, 4, (ScalingType)7));
    }

    [JournalFact]
    public async Task UpdateShardCount_must_keep_to_the_shard_limit_and_the_calls_per_rolling_day()
    {
        var stream = UniqueName("limits");
        await Client.CreateStreamAsync(stream, 4);
        var other = UniqueName("other");
        await Client.CreateStreamAsync(other, 4);
        // 4 + 4 open of 10: doubling this stream would make 8 + 4 = 12.
        var limit = await Assert.ThrowsAsync<LimitExceededException>(() => Client.UpdateShardCountAsync(stream, 8));
        Assert.Contains("shard limit", limit.Message);
        await Client.DeleteStreamAsync(other);

        // actorstreams.limits.max-update-shard-count-per-day = 3 in this spec.
        await Client.UpdateShardCountAsync(stream, 2);
        Clock.Advance(TimeSpan.FromHours(1));
        await Client.UpdateShardCountAsync(stream, 4);
        Clock.Advance(TimeSpan.FromHours(1));
        await Client.UpdateShardCountAsync(stream, 2);
        var rate = await Assert.ThrowsAsync<LimitExceededException>(() => Client.UpdateShardCountAsync(stream, 4));
        Assert.Contains("24 hours", rate.Message);
        // SplitShard and MergeShards are not counted.
        await Client.SplitShardAsync(stream, (await Client.ListShardsAsync(stream)).First(s => s.IsOpen).ShardId.ToString(), "7");

        // The first call leaves the rolling window 24 hours after it was made.
        Clock.Advance(TimeSpan.FromHours(22) + TimeSpan.FromMinutes(1));
        var again = await Client.UpdateShardCountAsync(stream, 4);
        Assert.Equal((3, 4), (again.CurrentShardCount, again.TargetShardCount));
    }

    [JournalFact]
    public async Task Resharding_must_refuse_a_stream_that_is_not_ACTIVE_or_is_ON_DEMAND()
    {
        var stream = UniqueName("busy");
        await Client.CreateStreamAsync(stream, 2);
        // The second request reaches the catalog after the first has journaled UPDATING.
        var split = Client.SplitShardAsync(stream, Shard0, "5");
        var merge = Client.MergeShardsAsync(stream, Shard0, new StreamShardId(1).ToString());
        var busy = await Assert.ThrowsAsync<ResourceInUseException>(() => merge);
        Assert.Contains("UPDATING", busy.Message);
        await split;
        // DeleteStream waits for the resharding too; afterwards the stream is ACTIVE and takes both again.
        Assert.Equal(StreamStatus.Active, (await Client.DescribeStreamAsync(stream)).StreamStatus);

        var onDemand = UniqueName("ondemand");
        await Client.CreateStreamAsync(onDemand, 2, StreamMode.OnDemand);
        await Assert.ThrowsAsync<ValidationException>(() => Client.SplitShardAsync(onDemand, Shard0, "5"));
        await Assert.ThrowsAsync<ValidationException>(() => Client.MergeShardsAsync(onDemand, Shard0, new StreamShardId(1).ToString()));
        await Assert.ThrowsAsync<ValidationException>(() => Client.UpdateShardCountAsync(onDemand, 3));
    }

    [JournalFact]
    public async Task A_closed_shard_must_stay_readable_until_retention_expires_its_data_then_leave_the_listing()
    {
        var stream = UniqueName("expire");
        await Client.CreateStreamAsync(stream);
        var before = await PutKeysAsync(stream, "old", 10);
        await Client.SplitShardAsync(stream, Shard0, Middle.ToString());

        Clock.Advance(TimeSpan.FromHours(23));
        var (stillThere, _) = await ReadClosedShardAsync(stream, new StreamShardId(0));
        Assert.Equal(before, stillThere.Select(r => Text(r.Data)));
        Assert.Equal(3, (await Client.ListShardsAsync(stream)).Count);

        // Nobody touches the closed shard now, so sharding may passivate its entity (idle passivation, or a rebalance),
        // and the catalog's sweep must wake it. The entity is passivated here as sharding does it, at once.
        await PassivateAsync(StreamShardEntity.EntityId(stream, (await Client.Extension.Router.GetEntryAsync(stream, CancellationToken.None)).Epoch, 0));
        Clock.Advance(TimeSpan.FromHours(2));
        await AwaitAssertAsync(async () =>
        {
            // One trim interval per look: the sweep wakes the closed shard, whose own trim timer then expires its data.
            Clock.Advance(TimeSpan.FromMilliseconds(200));
            var shards = await Client.ListShardsAsync(stream);
            Assert.Equal([1, 2], shards.Select(s => s.ShardId.Index));
            Assert.All(shards, s => Assert.Equal(new StreamShardId(0), s.ParentShardId));
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon));
        // The children go on taking writes.
        Assert.Equal(0, (await Client.PutRecordsAsync(stream, [Entry("k", "new")])).FailedRecordCount);
    }
}

public sealed class ReshardingSqliteSpec(ITestOutputHelper output) : ReshardingSpec(output, SpecJournal.Sqlite);

/// <summary>
/// The same cases without remembered entities and with a 1 s idle passivation, which sharding then applies to the
/// catalog too: a catalog passivated while the shards were still being created or resharded used to lose the
/// caller's answer (30 s ask timeouts); its stop now waits for the work it sent out.
/// </summary>
public sealed class ReshardingIdlePassivationSqliteSpec(ITestOutputHelper output) : ReshardingSpec(output, SpecJournal.Sqlite, """

        actorstreams.sharding.remember-entities = off
        akka.cluster.sharding.passivate-idle-entity-after = 1s
        """);

[PostgreSqlSpec]
public sealed class ReshardingPostgreSqlSpec(ITestOutputHelper output) : ReshardingSpec(output, SpecJournal.PostgreSql);
