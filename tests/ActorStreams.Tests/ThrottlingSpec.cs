using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Per-shard limits on the fake clock: writes 1,000 records and 1 MiB per second, reads 5 calls per second,
/// GetShardIterator 5 calls per second.
/// The clock stands still unless a test moves it, so a bucket refills only when the test says so.
/// </summary>
public abstract class ThrottlingSpec(ITestOutputHelper output, SpecJournal journal)
    : ActorStreamsSpec(output, journal, "actorstreams.stream-shard.hot-tail-bytes = 32 MiB") // keeps the 12 MiB read below in memory
{
    private const string Throttled = "ProvisionedThroughputExceededException";

    private static List<PutRecordsEntry> Batch(int count, string prefix) =>
        Enumerable.Range(0, count).Select(i => Entry($"key-{i % 10}", $"{prefix}-{i}")).ToList();

    [JournalFact]
    public async Task Put_records_over_1000_records_per_second_must_fail_the_excess_entries_with_provisioned_throughput_exceeded()
    {
        var stream = UniqueName("burst");
        await Client.CreateStreamAsync(stream);

        var results = new List<PutRecordsResult>();
        for (var call = 0; call < 3; call++) results.Add(await Client.PutRecordsAsync(stream, Batch(500, $"c{call}")));

        var entries = results.SelectMany(r => r.Records).ToList();
        Assert.Equal(1000, entries.Count(e => e.Succeeded));
        Assert.Equal(500, results.Sum(r => r.FailedRecordCount));
        Assert.True(results[^1].FailedRecordCount > 0);
        Assert.All(entries.Where(e => !e.Succeeded), e =>
        {
            Assert.Equal(Throttled, e.ErrorCode);
            Assert.False(string.IsNullOrEmpty(e.ErrorMessage));
            Assert.Null(e.SequenceNumber);
            Assert.Null(e.ShardId);
        });

        var ex = await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => Client.PutRecordAsync(stream, Bytes("one more"), "k"));
        Assert.Equal(Throttled, ex.ErrorCode);

        Clock.Advance(TimeSpan.FromSeconds(1));
        var again = await Client.PutRecordsAsync(stream, Batch(500, "again"));
        Assert.Equal(0, again.FailedRecordCount);
        await Client.PutRecordAsync(stream, Bytes("single"), "k");

        // Exactly what was acknowledged was stored.
        var stored = await ReadAllAsync(stream, Shard0);
        Assert.Equal(1501, stored.Count);
    }

    [JournalFact]
    public async Task Put_records_must_fail_only_the_entries_of_the_shard_that_is_over_its_limit()
    {
        var stream = UniqueName("partial");
        var shards = (await Client.CreateStreamAsync(stream, 2)).Shards;
        var hot = shards[0].HashKeyRange.StartingHashKey.ToString();
        var cold = shards[1].HashKeyRange.StartingHashKey.ToString();
        await Client.PutRecordsAsync(stream, Enumerable.Range(0, 500).Select(i => Entry($"h{i}", "fill", hot)).ToList());
        await Client.PutRecordsAsync(stream, Enumerable.Range(0, 490).Select(i => Entry($"h{i}", "fill", hot)).ToList());

        // Shard 0 has room for 10 more records, shard 1 for 1,000.
        var mixed = Enumerable.Range(0, 40).Select(i => Entry($"m{i}", $"m{i}", i % 2 == 0 ? hot : cold)).ToList();
        var result = await Client.PutRecordsAsync(stream, mixed);

        Assert.Equal(10, result.FailedRecordCount);
        var toHot = result.Records.Where((_, i) => i % 2 == 0).ToList();
        var toCold = result.Records.Where((_, i) => i % 2 == 1).ToList();
        Assert.All(toCold, r => Assert.Equal(shards[1].ShardId, r.ShardId));
        Assert.Equal(10, toHot.Count(r => r.ShardId == shards[0].ShardId));
        Assert.Equal(10, toHot.Count(r => r.ErrorCode == Throttled));
    }

    [JournalFact]
    public async Task Writes_over_1_MiB_per_second_must_be_throttled()
    {
        var stream = UniqueName("bytes");
        await Client.CreateStreamAsync(stream);
        var big = new byte[400 * 1024];

        await Client.PutRecordAsync(stream, big, "a");
        await Client.PutRecordAsync(stream, big, "b");
        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => Client.PutRecordAsync(stream, big, "c"));

        Clock.Advance(TimeSpan.FromMilliseconds(500)); // half a second refills 512 KiB
        await Client.PutRecordAsync(stream, big, "c");
        Assert.Equal(["a", "b", "c"], (await ReadAllAsync(stream, Shard0)).Select(r => r.PartitionKey));
    }

    [JournalFact]
    public async Task Get_records_over_5_calls_per_second_must_be_throttled()
    {
        var stream = UniqueName("reads");
        await Client.CreateStreamAsync(stream);
        await Client.PutRecordAsync(stream, Bytes("x"), "k");
        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);

        for (var call = 0; call < 5; call++) Assert.Single((await Client.GetRecordsAsync(iterator)).Records);
        var ex = await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => Client.GetRecordsAsync(iterator));
        Assert.Equal(Throttled, ex.ErrorCode);

        Clock.Advance(TimeSpan.FromMilliseconds(200)); // one call's worth
        Assert.Single((await Client.GetRecordsAsync(iterator)).Records);
        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => Client.GetRecordsAsync(iterator));

        Clock.Advance(TimeSpan.FromSeconds(1));
        for (var call = 0; call < 5; call++) Assert.Single((await Client.GetRecordsAsync(iterator)).Records);
    }

    [JournalFact]
    public async Task Get_records_must_return_at_most_10_MiB_and_throttle_the_calls_that_follow_a_large_one()
    {
        var stream = UniqueName("large");
        await Client.CreateStreamAsync(stream);
        var almostOneMiB = new byte[1024 * 1024 - 1024];
        for (var i = 0; i < 12; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1)); // a second of write capacity per record
            await Client.PutRecordAsync(stream, almostOneMiB, $"k{i}");
        }
        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var large = await Client.GetRecordsAsync(iterator);
        Assert.InRange(large.Records.Sum(r => (long)r.Data.Length + r.PartitionKey.Length), 9 * 1024 * 1024, 10 * 1024 * 1024);
        Assert.Equal(10, large.Records.Count);
        Assert.True(large.MillisBehindLatest > 0);

        // 10 MiB read at 2 MiB per second: the shard's read capacity is spent for the next seconds.
        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => Client.GetRecordsAsync(large.NextShardIterator!));
        Clock.Advance(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => Client.GetRecordsAsync(large.NextShardIterator!));
        Clock.Advance(TimeSpan.FromSeconds(2));
        var rest = await Client.GetRecordsAsync(large.NextShardIterator!);
        Assert.Equal(["k10", "k11"], rest.Records.Select(r => r.PartitionKey));
        Assert.Equal(0, rest.MillisBehindLatest);
    }

    [JournalFact]
    public async Task Get_shard_iterator_over_5_calls_per_second_must_be_throttled_but_not_sources_starting()
    {
        var stream = UniqueName("iterators");
        await Client.CreateStreamAsync(stream, 2);
        var shard0 = new StreamShardId(0).ToString();

        for (var i = 0; i < 5; i++) await Client.GetShardIteratorAsync(stream, shard0, ShardIteratorType.TrimHorizon);
        var ex = await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(
            () => Client.GetShardIteratorAsync(stream, shard0, ShardIteratorType.Latest));
        Assert.Contains("GetShardIterator", ex.Message);

        // Per shard: the other shard still has its five.
        await Client.GetShardIteratorAsync(stream, new StreamShardId(1).ToString(), ShardIteratorType.Latest);
        Clock.Advance(TimeSpan.FromMilliseconds(200)); // one call's worth
        await Client.GetShardIteratorAsync(stream, shard0, ShardIteratorType.Latest);
    }

    [JournalFact]
    public async Task Read_limits_must_be_per_shard()
    {
        var stream = UniqueName("pershard");
        var shards = (await Client.CreateStreamAsync(stream, 2)).Shards;
        var first = await Client.GetShardIteratorAsync(stream, shards[0].ShardId.ToString(), ShardIteratorType.TrimHorizon);
        var second = await Client.GetShardIteratorAsync(stream, shards[1].ShardId.ToString(), ShardIteratorType.TrimHorizon);

        for (var call = 0; call < 5; call++) await Client.GetRecordsAsync(first);
        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => Client.GetRecordsAsync(first));

        for (var call = 0; call < 5; call++) Assert.Equal(0, (await Client.GetRecordsAsync(second)).MillisBehindLatest);
    }
}

public sealed class ThrottlingSqliteSpec(ITestOutputHelper output) : ThrottlingSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class ThrottlingPostgreSqlSpec(ITestOutputHelper output) : ThrottlingSpec(output, SpecJournal.PostgreSql);
