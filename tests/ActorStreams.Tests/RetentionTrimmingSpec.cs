using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Retention trimming driven by the fake clock: the trim timer runs every 200 ms of the clock and compares arrival
/// times with it, so a test moves the clock past the retention period and awaits the trim that move fired.
/// </summary>
public abstract class RetentionTrimmingSpec(ITestOutputHelper output, SpecJournal journal) : ActorStreamsSpec(output, journal)
{
    private static readonly TimeSpan TrimWait = TimeSpan.FromSeconds(15);

    private async Task<List<string>> WriteAsync(string stream, string prefix, int calls = 3)
    {
        var data = new List<string>();
        for (var call = 0; call < calls; call++)
        {
            var entries = Enumerable.Range(0, 4).Select(i => Entry($"k{i}", $"{prefix}{call * 4 + i}")).ToList();
            Assert.Equal(0, (await Client.PutRecordsAsync(stream, entries)).FailedRecordCount);
            data.AddRange(entries.Select(e => Text(e.Data)));
        }
        return data;
    }

    private async Task<List<string>> ReadDataAsync(string stream) => (await ReadAllAsync(stream, Shard0)).Select(r => Text(r.Data)).ToList();

    /// <summary>
    /// Runs a few trim rounds, for checks that nothing was trimmed: moves the clock one trim interval (200 ms) at a time
    /// and asks the shard for an iterator after each, a request queued behind the trim the clock just fired.
    /// </summary>
    private async Task SeveralTrimRoundsAsync(string stream)
    {
        for (var round = 0; round < 3; round++)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(200));
            await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.Latest);
        }
    }

    [JournalFact]
    public async Task Retention_must_trim_records_older_than_the_retention_period()
    {
        var stream = UniqueName("trim");
        await Client.CreateStreamAsync(stream);
        var old = await WriteAsync(stream, "old");
        Assert.Equal(old, await ReadDataAsync(stream));

        Clock.Advance(TimeSpan.FromHours(25));
        await AwaitAssertAsync(async () => Assert.Empty(await ReadDataAsync(stream)), TrimWait, TimeSpan.FromMilliseconds(100));

        var fresh = await WriteAsync(stream, "new");
        Assert.Equal(fresh, await ReadDataAsync(stream));
        var atTimestamp = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtTimestamp, timestamp: Clock.GetUtcNow().AddDays(-2));
        Assert.Equal(fresh, atTimestamp.Select(r => Text(r.Data)));
    }

    [JournalFact]
    public async Task Retention_must_trim_old_records_even_when_new_ones_arrived_right_after_the_clock_moved()
    {
        var stream = UniqueName("gap");
        await Client.CreateStreamAsync(stream);
        var old = await WriteAsync(stream, "old");

        Clock.Advance(TimeSpan.FromHours(25));
        var fresh = await WriteAsync(stream, "new");

        // The old records are 25 hours old, past the 24-hour retention period, whatever was written since.
        await AwaitAssertAsync(async () => Assert.Equal(fresh, await ReadDataAsync(stream)), TrimWait, TimeSpan.FromMilliseconds(100));
        var fromOld = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtTimestamp, timestamp: Clock.GetUtcNow().AddHours(-26));
        Assert.DoesNotContain(fromOld, r => old.Contains(Text(r.Data)));
    }

    [JournalFact]
    public async Task Retention_must_keep_records_younger_than_the_retention_period()
    {
        var stream = UniqueName("young");
        await Client.CreateStreamAsync(stream);
        var early = await WriteAsync(stream, "early");
        Clock.Advance(TimeSpan.FromHours(12));
        var late = await WriteAsync(stream, "late");

        // 23 hours after the early records: nothing is old enough.
        Clock.Advance(TimeSpan.FromHours(11));
        await SeveralTrimRoundsAsync(stream);
        Assert.Equal(early.Concat(late), await ReadDataAsync(stream));

        // 25 hours after the early records and 13 after the late ones: only the early ones go.
        Clock.Advance(TimeSpan.FromHours(2));
        await AwaitAssertAsync(async () => Assert.Equal(late, await ReadDataAsync(stream)), TrimWait, TimeSpan.FromMilliseconds(100));
    }

    [JournalFact]
    public async Task Retention_must_follow_an_increased_and_then_decreased_retention_period()
    {
        var stream = UniqueName("period");
        await Client.CreateStreamAsync(stream);
        await Client.IncreaseStreamRetentionPeriodAsync(stream, 48);
        var old = await WriteAsync(stream, "old");

        Clock.Advance(TimeSpan.FromHours(30));
        await SeveralTrimRoundsAsync(stream);
        Assert.Equal(old, await ReadDataAsync(stream));

        await Client.DecreaseStreamRetentionPeriodAsync(stream, 24);
        await AwaitAssertAsync(async () => Assert.Empty(await ReadDataAsync(stream)), TrimWait, TimeSpan.FromMilliseconds(100));

        // Raising the period again does not bring the trimmed records back.
        await Client.IncreaseStreamRetentionPeriodAsync(stream, 168);
        await SeveralTrimRoundsAsync(stream);
        Assert.Empty(await ReadDataAsync(stream));
    }

    [JournalFact]
    public async Task Retention_must_trim_every_shard_of_a_stream()
    {
        var stream = UniqueName("shards");
        await Client.CreateStreamAsync(stream, 3);
        var entries = Enumerable.Range(0, 30).Select(i => Entry($"key-{i}", $"old-{i}")).ToList();
        Assert.Equal(0, (await Client.PutRecordsAsync(stream, entries)).FailedRecordCount);
        Assert.Equal(30, (await ReadStreamAsync(stream)).Count);

        Clock.Advance(TimeSpan.FromHours(25));
        await AwaitAssertAsync(async () => Assert.Empty(await ReadStreamAsync(stream)), TrimWait, TimeSpan.FromMilliseconds(100));

        Assert.Equal(0, (await Client.PutRecordsAsync(stream, [Entry("a", "new-a"), Entry("b", "new-b")])).FailedRecordCount);
        Assert.Equal(["new-a", "new-b"], (await ReadStreamAsync(stream)).Select(r => Text(r.Data)).Order());
    }
}

public sealed class RetentionTrimmingSqliteSpec(ITestOutputHelper output) : RetentionTrimmingSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class RetentionTrimmingPostgreSqlSpec(ITestOutputHelper output) : RetentionTrimmingSpec(output, SpecJournal.PostgreSql);
