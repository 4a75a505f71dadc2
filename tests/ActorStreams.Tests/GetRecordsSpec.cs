using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>GetShardIterator of every type and GetRecords: limits, continuation, expiry and lag.</summary>
public abstract class GetRecordsSpec(ITestOutputHelper output, SpecJournal journal, string? config = null)
    : ActorStreamsSpec(output, journal, config)
{
    /// <summary>Writes <paramref name="calls"/> PutRecords of <paramref name="perCall"/> records each (one journal event per call).</summary>
    protected async Task<List<(string Data, string SequenceNumber)>> WriteAsync(string stream, int calls, int perCall, string prefix = "r")
    {
        var written = new List<(string, string)>();
        for (var call = 0; call < calls; call++)
        {
            var entries = Enumerable.Range(0, perCall).Select(i => Entry($"key-{i % 3}", $"{prefix}{call * perCall + i}")).ToList();
            var result = await Client.PutRecordsAsync(stream, entries);
            Assert.Equal(0, result.FailedRecordCount);
            written.AddRange(entries.Select((e, i) => (Text(e.Data), result.Records[i].SequenceNumber!)));
        }
        return written;
    }

    [JournalFact]
    public async Task Trim_horizon_must_return_every_record_in_sequence_number_order()
    {
        var stream = UniqueName("horizon");
        await Client.CreateStreamAsync(stream);
        var written = await WriteAsync(stream, calls: 6, perCall: 5);

        var read = await ReadAllAsync(stream, Shard0);

        Assert.Equal(written.Select(w => w.Data), read.Select(r => Text(r.Data)));
        Assert.Equal(written.Select(w => w.SequenceNumber), read.Select(r => r.SequenceNumber));
        Assert.All(read, r => Assert.Equal(Shard0, r.ShardId.ToString()));
        Assert.Equal(["key-0", "key-1", "key-2"], read.Take(3).Select(r => r.PartitionKey));
    }

    [JournalFact]
    public async Task Latest_must_see_only_records_written_after_the_iterator_was_taken()
    {
        var stream = UniqueName("latest");
        await Client.CreateStreamAsync(stream);
        await WriteAsync(stream, calls: 2, perCall: 4, prefix: "old");

        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.Latest);
        var before = await Client.GetRecordsAsync(iterator);
        Assert.Empty(before.Records);
        Assert.Equal(0, before.MillisBehindLatest);

        var written = await WriteAsync(stream, calls: 2, perCall: 3, prefix: "new");
        var after = await ReadFromAsync(before.NextShardIterator!);
        Assert.Equal(written.Select(w => w.Data), after.Select(r => Text(r.Data)));

        // The iterator taken before those writes still starts after the old ones.
        var fromFirst = await ReadFromAsync(iterator);
        Assert.Equal(written.Select(w => w.Data), fromFirst.Select(r => Text(r.Data)));
    }

    [JournalFact]
    public async Task At_and_after_sequence_number_must_start_at_and_right_after_that_record()
    {
        var stream = UniqueName("atseq");
        await Client.CreateStreamAsync(stream);
        var written = await WriteAsync(stream, calls: 4, perCall: 5);

        // 7 is the third record of the second event, 10 the first of the third, 19 the very last.
        foreach (var k in new[] { 0, 7, 10, 19 })
        {
            var at = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtSequenceNumber, written[k].SequenceNumber);
            Assert.Equal(written.Skip(k).Select(w => w.Data), at.Select(r => Text(r.Data)));
            var after = await ReadAllAsync(stream, Shard0, ShardIteratorType.AfterSequenceNumber, written[k].SequenceNumber);
            Assert.Equal(written.Skip(k + 1).Select(w => w.Data), after.Select(r => Text(r.Data)));
        }
    }

    [JournalFact]
    public async Task Get_shard_iterator_must_check_its_arguments()
    {
        var stream = UniqueName("itargs");
        await Client.CreateStreamAsync(stream);
        var written = await WriteAsync(stream, calls: 1, perCall: 2);
        var seq = written[0].SequenceNumber;

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.AtSequenceNumber));
        // Well formed for Kinesis but not a sequence number this service issued.
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.AtSequenceNumber, "123"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.AtTimestamp));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon, seq));
        await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.AtSequenceNumber, seq, DateTimeOffset.UtcNow));
        // A well-formed sequence number past the end of the shard.
        var beyond = new SequenceNumber(SequenceNumber.TryParse(seq, out var s) ? s.EventNo + 100 : 0, 0).Format(new StreamShardId(0));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.AtSequenceNumber, beyond));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            Client.GetShardIteratorAsync(stream, new StreamShardId(1).ToString(), ShardIteratorType.TrimHorizon));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.GetShardIteratorAsync(stream, "not-a-shard", ShardIteratorType.TrimHorizon));
    }

    [JournalFact]
    public async Task At_timestamp_must_start_at_the_first_record_that_arrived_at_or_after_it()
    {
        var stream = UniqueName("atts");
        await Client.CreateStreamAsync(stream);
        var timeOfA = Clock.GetUtcNow();
        var batchA = await WriteAsync(stream, calls: 2, perCall: 3, prefix: "a");
        Clock.Advance(TimeSpan.FromSeconds(10));
        var timeOfB = Clock.GetUtcNow();
        var batchB = await WriteAsync(stream, calls: 2, perCall: 3, prefix: "b");

        var atB = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtTimestamp, timestamp: timeOfB);
        Assert.Equal(batchB.Select(w => w.Data), atB.Select(r => Text(r.Data)));
        Assert.All(atB, r => Assert.Equal(timeOfB.ToUnixTimeMilliseconds(), r.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds()));

        var between = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtTimestamp, timestamp: timeOfA.AddSeconds(5));
        Assert.Equal(batchB.Select(w => w.Data), between.Select(r => Text(r.Data)));

        var justAfterA = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtTimestamp, timestamp: timeOfA.AddMilliseconds(1));
        Assert.Equal(batchB.Select(w => w.Data), justAfterA.Select(r => Text(r.Data)));

        var beforeA = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtTimestamp, timestamp: timeOfA.AddHours(-1));
        Assert.Equal(batchA.Concat(batchB).Select(w => w.Data), beforeA.Select(r => Text(r.Data)));
    }

    [JournalFact]
    public async Task Get_records_must_respect_the_limit_and_continue_without_gaps_or_duplicates()
    {
        var stream = UniqueName("limit");
        await Client.CreateStreamAsync(stream);
        var written = await WriteAsync(stream, calls: 5, perCall: 5);

        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);
        var pages = new List<int>();
        var read = new List<StreamRecord>();
        while (true)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(200));
            var page = await Client.GetRecordsAsync(iterator, limit: 7);
            if (page.Records.Count == 0) break;
            pages.Add(page.Records.Count);
            read.AddRange(page.Records);
            iterator = page.NextShardIterator!;
        }

        // A page may stop early (at the end of a journal range), but never holds more than the limit.
        Assert.Equal(7, pages[0]);
        Assert.All(pages, p => Assert.InRange(p, 1, 7));
        Assert.Equal(written.Select(w => w.SequenceNumber), read.Select(r => r.SequenceNumber));
        Assert.Equal(written.Select(w => w.Data), read.Select(r => Text(r.Data)));
    }

    [JournalFact]
    public async Task Get_records_must_reject_a_limit_out_of_range_and_an_iterator_it_did_not_issue()
    {
        var stream = UniqueName("badread");
        await Client.CreateStreamAsync(stream);
        await WriteAsync(stream, calls: 1, perCall: 2);
        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);

        await Assert.ThrowsAsync<ValidationException>(() => Client.GetRecordsAsync(iterator, 0));
        await Assert.ThrowsAsync<ValidationException>(() => Client.GetRecordsAsync(iterator, 10_001));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetRecordsAsync("garbage"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetRecordsAsync("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        var tampered = iterator[..10] + (iterator[10] == 'A' ? 'B' : 'A') + iterator[11..];
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetRecordsAsync(tampered));
        Assert.True(iterator.Length <= 512);

        Assert.Equal(2, (await Client.GetRecordsAsync(iterator, 10_000)).Records.Count);
        Assert.Single((await Client.GetRecordsAsync(iterator, 1)).Records);
    }

    [JournalFact]
    public async Task Iterators_must_expire_5_minutes_after_they_were_issued()
    {
        var stream = UniqueName("expiry");
        await Client.CreateStreamAsync(stream);
        await WriteAsync(stream, calls: 1, perCall: 3);
        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);

        Clock.Advance(TimeSpan.FromMinutes(4));
        var page = await Client.GetRecordsAsync(iterator, 1);
        Assert.Single(page.Records);

        Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<ExpiredIteratorException>(() => Client.GetRecordsAsync(iterator));
        // The next iterator was issued by the later call, so it still has a minute to go.
        Assert.Equal(2, (await Client.GetRecordsAsync(page.NextShardIterator!)).Records.Count);

        var fresh = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.Latest);
        Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var ex = await Assert.ThrowsAsync<ExpiredIteratorException>(() => Client.GetRecordsAsync(fresh));
        Assert.Equal("ExpiredIteratorException", ex.ErrorCode);
    }

    [JournalFact]
    public async Task Millis_behind_latest_must_be_zero_when_caught_up_and_the_age_of_the_next_record_otherwise()
    {
        var stream = UniqueName("behind");
        await Client.CreateStreamAsync(stream);
        await WriteAsync(stream, calls: 1, perCall: 3, prefix: "a");
        Clock.Advance(TimeSpan.FromSeconds(10));
        await WriteAsync(stream, calls: 1, perCall: 3, prefix: "b");

        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);
        var first = await Client.GetRecordsAsync(iterator, 2);
        Assert.InRange(first.MillisBehindLatest, 10_000, 11_000);

        // A page may hold fewer records than are there; read until an empty page.
        var pages = new List<GetRecordsResult> { first };
        while (pages[^1].Records.Count > 0)
            pages.Add(await Client.GetRecordsAsync(pages[^1].NextShardIterator!));

        Assert.Equal(6, pages.Sum(p => p.Records.Count));
        Assert.Equal(0, pages[^2].MillisBehindLatest); // the page that returned the newest record
        Assert.Equal(0, pages[^1].MillisBehindLatest);
        Assert.NotNull(pages[^1].NextShardIterator);
    }
}

public sealed class GetRecordsSqliteSpec(ITestOutputHelper output) : GetRecordsSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class GetRecordsPostgreSqlSpec(ITestOutputHelper output) : GetRecordsSpec(output, SpecJournal.PostgreSql);
