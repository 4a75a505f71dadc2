using ActorStreams.Dsl;
using ActorStreams.Kinesis;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>KinesisSink: batching, routing, durability, per-key order, and throttling turned into backpressure.</summary>
public abstract class KinesisSinkSpec(ITestOutputHelper output, SpecJournal journal) : ActorStreamsSpec(output, journal)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Records "key:n" with n counting up per key, keys taking turns.</summary>
    private static List<PutRecordsEntry> Keyed(int count, int keys) =>
        Enumerable.Range(0, count).Select(i => Entry($"key-{i % keys}", $"key-{i % keys}:{i / keys}")).ToList();

    /// <summary>Every record is there once, and each key's records are in the order the sink received them.</summary>
    private static void AssertComplete(IReadOnlyList<PutRecordsEntry> sent, IReadOnlyList<StreamRecord> stored)
    {
        Assert.Equal(sent.Count, stored.Count);
        Assert.Equal(sent.Select(e => Text(e.Data)).Order(), stored.Select(r => Text(r.Data)).Order());
        foreach (var key in stored.GroupBy(r => r.PartitionKey))
        {
            var inShardOrder = key.OrderBy(r => Numeric(r.SequenceNumber)).Select(r => Text(r.Data));
            Assert.Equal(sent.Where(e => e.PartitionKey == key.Key).Select(e => Text(e.Data)), inShardOrder);
        }
    }

    [JournalFact]
    public async Task Sink_must_write_every_record_to_a_four_shard_stream_and_complete()
    {
        var stream = UniqueName("sink");
        var shards = (await Client.CreateStreamAsync(stream, 4)).Shards;
        var records = Keyed(2000, keys: 200);
        // Under the 1,000 records per shard that throttling allows without the clock moving.
        Assert.All(shards, s => Assert.InRange(records.Count(r => s.HashKeyRange.Contains(HashKey.OfPartitionKey(r.PartitionKey))), 1, 999));

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var done = Source.From(records).RunWith(KinesisSink.Create(Sys, stream), Materializer);
            await done.WaitAsync(Timeout);
        }, Materializer);

        var stored = await ReadStreamAsync(stream);
        AssertComplete(records, stored);
        Assert.Equal(4, stored.Select(r => r.ShardId).Distinct().Count());
    }

    [JournalFact]
    public async Task Sink_must_wait_out_throttling_without_losing_or_reordering_records()
    {
        var stream = UniqueName("throttled");
        await Client.CreateStreamAsync(stream);
        var records = Keyed(3000, keys: 10);

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var done = Source.From(records).RunWith(KinesisSink.Create(Sys, stream), Materializer);
            // 3,000 records at 1,000 per second to one shard: the sink retries on the clock, so move it.
            await WithClockRunningAsync(done, TimeSpan.FromMilliseconds(50), Timeout);
        }, Materializer);

        var stored = await ReadAllAsync(stream, Shard0);
        AssertComplete(records, stored);
        // Throttling spread the writes over at least two seconds of the shard's clock.
        Assert.True(stored[^1].ApproximateArrivalTimestamp - stored[0].ApproximateArrivalTimestamp >= TimeSpan.FromSeconds(1.9));
    }

    [JournalFact]
    public async Task Sink_must_keep_one_partition_keys_order_from_its_very_first_batches()
    {
        // Each run starts on a stream the client has not routed yet, so the first batches all look the route up.
        for (var run = 0; run < 3; run++)
        {
            var stream = UniqueName("firstbatches");
            await Client.CreateStreamAsync(stream);
            var records = Enumerable.Range(0, 300).Select(i => Entry("the-key", $"{i}")).ToList();

            await this.AssertAllStagesStoppedAsync(async () =>
            {
                await Source.From(records).RunWith(KinesisSink.Create(Sys, stream), Materializer).WaitAsync(Timeout);
            }, Materializer);

            Assert.Equal(records.Select(r => Text(r.Data)), (await ReadAllAsync(stream, Shard0)).Select(r => Text(r.Data)));
        }
    }

    [JournalFact]
    public async Task Sink_must_fail_its_task_when_the_stream_does_not_exist()
    {
        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var done = Source.From(Keyed(3, 3)).RunWith(KinesisSink.Create(Sys, UniqueName("missing")), Materializer);
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => done.WaitAsync(Timeout));
        }, Materializer);
        Assert.Throws<ValidationException>(() => KinesisSink.Create(Sys, "bad/name"));
    }

    [JournalFact]
    public async Task Sink_must_take_records_up_to_the_streams_max_record_size_and_fail_on_a_larger_one()
    {
        const int MiB = 1024 * 1024;
        var stream = UniqueName("large");
        // ON_DEMAND: the writes are not held to a shard's 1 MiB/s, so no clock has to run for 15 MiB.
        var shards = (await Client.CreateStreamAsync(stream, 4, StreamMode.OnDemand, warmThroughputMiBps: null, maxRecordSizeInKiB: 10_240)).Shards;
        var five = new byte[5 * MiB];
        var ten = new byte[10 * MiB - 1]; // with its one-byte key exactly 10 MiB, the largest record there is
        Random.Shared.NextBytes(five);
        Random.Shared.NextBytes(ten);
        var maxHashKey = UInt128.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var records = new[] { new PutRecordsEntry(five, "a", "0"), new PutRecordsEntry(ten, "b", maxHashKey) };
            await Source.From(records).RunWith(KinesisSink.Create(Sys, stream), Materializer).WaitAsync(Timeout);
        }, Materializer);

        // One GetRecords call per shard: each large record fills its shard's read.
        foreach (var (shard, data) in new[] { (shards[0].ShardId, five), (shards[^1].ShardId, ten) })
        {
            var page = await Client.GetRecordsAsync(await Client.GetShardIteratorAsync(stream, shard.ToString(), ShardIteratorType.TrimHorizon), null);
            Assert.True(Assert.Single(page.Records).Data.Span.SequenceEqual(data), $"the {data.Length} bytes read back from {shard} differ");
        }

        // A stream at the default 1 MiB: a 2 MiB record fails the sink and is not written.
        var small = UniqueName("small");
        await Client.CreateStreamAsync(small);
        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var records = new[] { Entry("k", "fine"), new PutRecordsEntry(new byte[2 * MiB], "k") };
            var done = Source.From(records).RunWith(KinesisSink.Create(Sys, small), Materializer);
            var e = await Assert.ThrowsAsync<ValidationException>(() => done.WaitAsync(Timeout));
            Assert.Contains("more than the stream's maximum record size of 1048576 bytes", e.Message);
        }, Materializer);
        Assert.DoesNotContain(await ReadAllAsync(small, Shard0), r => r.Data.Length > 1024 * 1024);
    }

    [JournalFact]
    public async Task Sink_must_deal_one_keys_records_out_over_every_shard_of_an_AUTO_stream()
    {
        var stream = UniqueName("auto");
        var shards = (await Client.CreateStreamAsync(stream, 4, StreamMode.OnDemand)).Shards;
        await Client.UpdateStreamRecordDistributionStrategyAsync(stream, RecordDistributionStrategy.Auto);
        var records = Enumerable.Range(0, 400).Select(i => Entry("the-key", $"{i}")).ToList();

        await this.AssertAllStagesStoppedAsync(async () =>
            await Source.From(records).RunWith(KinesisSink.Create(Sys, stream), Materializer).WaitAsync(Timeout), Materializer);

        var stored = await ReadStreamAsync(stream);
        Assert.Equal(records.Select(r => Text(r.Data)).Order(), stored.Select(r => Text(r.Data)).Order());
        Assert.Equal(shards.Count, stored.Select(r => r.ShardId).Distinct().Count());
    }

    [JournalFact]
    public async Task Sink_must_fail_on_an_invalid_record()
    {
        var stream = UniqueName("invalid");
        await Client.CreateStreamAsync(stream);

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var records = new[] { Entry("ok", "fine"), Entry(new string('k', 257), "key too long") };
            var done = Source.From(records).RunWith(KinesisSink.Create(Sys, stream), Materializer);
            await Assert.ThrowsAsync<ValidationException>(() => done.WaitAsync(Timeout));
        }, Materializer);
    }
}

public sealed class KinesisSinkSqliteSpec(ITestOutputHelper output) : KinesisSinkSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class KinesisSinkPostgreSqlSpec(ITestOutputHelper output) : KinesisSinkSpec(output, SpecJournal.PostgreSql);
