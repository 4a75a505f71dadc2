using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Every GetRecords spec again with no hot tail (<c>hot-tail-bytes = 0</c>): the tail keeps only the newest event,
/// so reads of anything older come from the journal through the read journal.
/// </summary>
public abstract class JournalGetRecordsSpec(ITestOutputHelper output, SpecJournal journal)
    : GetRecordsSpec(output, journal, "actorstreams.stream-shard.hot-tail-bytes = 0")
{
    [JournalFact]
    public async Task Reads_behind_the_hot_tail_must_return_every_record_in_order_across_many_journal_events()
    {
        var stream = UniqueName("journal");
        await Client.CreateStreamAsync(stream);
        // More events than one journal read fetches (64), single records and batches mixed.
        var written = new List<(string Data, string SequenceNumber)>();
        for (var i = 0; i < 90; i++)
            written.Add(($"single-{i}", (await Client.PutRecordAsync(stream, Bytes($"single-{i}"), $"k{i % 4}")).SequenceNumber));
        written.AddRange(await WriteAsync(stream, calls: 3, perCall: 10, prefix: "batch"));

        var all = await ReadAllAsync(stream, Shard0);
        Assert.Equal(written.Select(w => w.Data), all.Select(r => Text(r.Data)));
        Assert.Equal(written.Select(w => w.SequenceNumber), all.Select(r => r.SequenceNumber));

        var paged = await ReadAllAsync(stream, Shard0, limit: 9);
        Assert.Equal(written.Select(w => w.SequenceNumber), paged.Select(r => r.SequenceNumber));

        var fromMiddle = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtSequenceNumber, written[95].SequenceNumber, limit: 4);
        Assert.Equal(written.Skip(95).Select(w => w.Data), fromMiddle.Select(r => Text(r.Data)));
    }
}

public sealed class JournalGetRecordsSqliteSpec(ITestOutputHelper output) : JournalGetRecordsSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class JournalGetRecordsPostgreSqlSpec(ITestOutputHelper output) : JournalGetRecordsSpec(output, SpecJournal.PostgreSql);
