using System.Text;
using ActorStreams.Dsl;
using ActorStreams.Kinesis;
using ActorStreams.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.TestKit.Tests;

/// <summary>
/// The kit itself: the virtual clock drives throttling, iterator expiry and retention with no real waiting, the
/// resharding helpers reshard, and the probe's assertions fail when a consumer lost or reordered records.
/// </summary>
public sealed class ActorStreamsTestKitTests(ITestOutputHelper output) : ActorStreamsTestKit(output)
{
    private static PutRecordsEntry Entry(string key, string data) => new(Encoding.UTF8.GetBytes(data), key);

    [Fact]
    public async Task Throttling_must_refill_when_the_virtual_clock_moves()
    {
        await CreateStreamAsync("throttled");
        var burst = Enumerable.Range(0, KinesisLimits.ShardWriteRecordsPerSecond + 50).Select(i => Entry("k", $"r{i}")).ToList();
        Assert.Equal(0, (await Client.PutRecordsAsync("throttled", burst[..500])).FailedRecordCount);
        Assert.Equal(0, (await Client.PutRecordsAsync("throttled", burst[500..1000])).FailedRecordCount);
        var third = await Client.PutRecordsAsync("throttled", burst[1000..]);
        Assert.True(third.FailedRecordCount > 0, "a shard takes 1,000 records per second");
        Assert.All(third.Records.Where(r => !r.Succeeded), r => Assert.Equal(ProvisionedThroughputExceededException.Code, r.ErrorCode));

        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, (await Client.PutRecordsAsync("throttled", burst[..10])).FailedRecordCount);
    }

    [Fact]
    public async Task Iterators_must_expire_after_five_minutes_of_virtual_time()
    {
        await CreateStreamAsync("expiring");
        var iterator = await Client.GetShardIteratorAsync("expiring", new StreamShardId(0).ToString(), ShardIteratorType.TrimHorizon);
        Advance(KinesisLimits.ShardIteratorLifetime + TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<ExpiredIteratorException>(() => Client.GetRecordsAsync(iterator));
    }

    [Fact]
    public async Task Retention_must_trim_records_when_the_virtual_clock_passes_the_retention_period()
    {
        await CreateStreamAsync("retained");
        Assert.Equal(0, (await Client.PutRecordsAsync("retained", [Entry("k", "old")])).FailedRecordCount);
        Advance(TimeSpan.FromHours(25));
        await Eventually.EventuallyAsync(async () =>
        {
            var iterator = await Client.GetShardIteratorAsync("retained", new StreamShardId(0).ToString(), ShardIteratorType.TrimHorizon);
            Advance(TimeSpan.FromMilliseconds(200));
            Assert.True((await Client.GetRecordsAsync(iterator)).Records.Count == 0, "the record older than 24 hours was not trimmed");
        }, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Split_merge_and_rescale_helpers_must_reshard_the_stream()
    {
        await CreateStreamAsync("reshard", 2);
        await SplitAsync("reshard", new StreamShardId(0));
        Assert.Equal([new StreamShardId(2), new StreamShardId(3), new StreamShardId(1)], await OpenShardsAsync("reshard"));
        await MergeAsync("reshard", new StreamShardId(2), new StreamShardId(3));
        Assert.Equal([new StreamShardId(4), new StreamShardId(1)], await OpenShardsAsync("reshard"));
        var result = await RescaleAsync("reshard", 4);
        Assert.Equal(4, result.TargetShardCount);
        Assert.Equal(4, (await OpenShardsAsync("reshard")).Count);
    }

    [Fact]
    public async Task A_whole_stream_consumer_must_see_every_record_once_in_key_order_across_a_split()
    {
        await CreateStreamAsync("plain", 1);
        var consumer = ConsumerProbe.Run(this, KinesisSource.Stream(Sys, "plain", StartingPosition.TrimHorizon));
        var load = StartLoad("plain", keys: 10, recordsPerSecond: 100);
        await load.RunForAsync(TimeSpan.FromSeconds(2));
        await SplitAsync("plain", new StreamShardId(0));
        await load.RunForAsync(TimeSpan.FromSeconds(2));
        await consumer.AwaitAllAsync(load);
        Assert.Equal(400, load.Written);
        consumer.AssertNoLoss(load);
        consumer.AssertPerKeyOrder();
        consumer.AssertNoDuplicates();
        consumer.Control.Stop();
    }

    [Fact]
    public async Task Probe_assertions_must_fail_on_reordered_lost_and_duplicated_records()
    {
        await CreateStreamAsync("bad", 1);
        // key-0 written out of order (2 before 1), key-1 record 2 missing, key-2 record 1 twice with no replay.
        foreach (var (key, data) in new[] { ("key-0", "key-0:2"), ("key-0", "key-0:1"), ("key-1", "key-1:1"), ("key-1", "key-1:3"), ("key-2", "key-2:1"), ("key-2", "key-2:1"), ("key-2", "key-2:3") })
            Assert.Equal(0, (await Client.PutRecordsAsync("bad", [Entry(key, data)])).FailedRecordCount);
        var consumer = ConsumerProbe.Run(this, KinesisSource.Stream(Sys, "bad", StartingPosition.TrimHorizon));
        await AwaitWithClockAsync(() => consumer.Seen.Count == 7, "the seven records");

        Assert.Contains("key-0", Assert.Throws<ConsumerProbeException>(consumer.AssertPerKeyOrder).Message);
        Assert.Contains("key-2:1", Assert.Throws<ConsumerProbeException>(consumer.AssertNoDuplicates).Message);
        Assert.Contains("skipped", Assert.Throws<ConsumerProbeException>(consumer.AssertOnlyRedeliveries).Message);
        consumer.Control.Stop();

        // A consumer that starts after the load wrote everything has lost it all.
        await CreateStreamAsync("lossy", 1);
        var load = StartLoad("lossy", keys: 3, recordsPerSecond: 10);
        await load.RunForAsync(TimeSpan.FromSeconds(1));
        var late = ConsumerProbe.Run(this, KinesisSource.Stream(Sys, "lossy", StartingPosition.Latest));
        Assert.Contains("never seen", Assert.Throws<ConsumerProbeException>(() => late.AssertNoLoss(load)).Message);
        late.Control.Stop();
    }
}
