using ActorStreams.Dsl;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Reads;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;
using ActorStreams.Settings;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Streams.Dsl;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Reads behind the hot tail (<c>hot-tail-bytes = 0</c>) through <see cref="SqlJournalReader"/>, the direct journal
/// reader: the same records as Akka.Persistence.Sql's read journal returns, pages within their record and byte caps,
/// sealed events opened, trimmed events skipped, and a reader racing a writer sees every record once, in order.
/// </summary>
public abstract class DirectJournalReadSpec(ITestOutputHelper output, SpecJournal journal)
    : ActorStreamsSpec(output, journal, $$"""
        actorstreams.stream-shard.hot-tail-bytes = 0
        actorstreams.throttling.enabled = off
        actorstreams.encryption.keys { "{{KeyAlias}}" = "{{Convert.ToBase64String(new byte[32])}}" }
        """)
{
    protected const string KeyAlias = "alias/direct-read";

    private async Task<(string EntityId, string PersistenceId)> ShardOfAsync(string stream)
    {
        var entry = await Client.Extension.Router.GetEntryAsync(stream, CancellationToken.None);
        var entityId = StreamShardEntity.EntityId(entry.Name, entry.Epoch, 0);
        return (entityId, StreamShardEntity.PersistenceId(entityId));
    }

    /// <summary>Writes single records and batches of different sizes: one journal event per call.</summary>
    private async Task<List<(string Key, string Data, string SequenceNumber)>> WriteMixedAsync(string stream, int calls)
    {
        var written = new List<(string, string, string)>();
        for (var call = 0; call < calls; call++)
        {
            var entries = Enumerable.Range(0, 1 + call % 7).Select(i => Entry($"key-{call}-{i}", $"data-{call}-{i}-" + new string('x', call % 13))).ToList();
            var result = await Client.PutRecordsAsync(stream, entries);
            Assert.Equal(0, result.FailedRecordCount);
            written.AddRange(entries.Select((e, i) => (e.PartitionKey, Text(e.Data), result.Records[i].SequenceNumber!)));
        }
        return written;
    }

    /// <summary>Every record of the shard as the read journal (CurrentEventsByPersistenceId) returns its events: the oracle.</summary>
    private async Task<List<(string Key, string Data, string SequenceNumber)>> ReadJournalOracleAsync(string persistenceId)
    {
        var journal = PersistenceQuery.Get(Sys).ReadJournalFor<ICurrentEventsByPersistenceIdQuery>("akka.persistence.query.journal.sql");
        var envelopes = await journal.CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue).RunAggregate(
            new List<EventEnvelope>(), (list, e) => { list.Add(e); return list; }, Materializer);
        var keys = ActorStreamsExtension.Get(Sys).Keys;
        return envelopes.Select(e => (e.SequenceNr, Event: e.Event switch
            {
                RecordsAppended plain => plain,
                EncryptedRecordsAppended sealedBatch => RecordCipher.Open(keys, persistenceId, e.SequenceNr, sealedBatch),
                _ => new RecordsAppended(0, []),
            }))
            // The shards of these tests are shard 0; a sequence number's text carries its event's arrival second.
            .SelectMany(e => e.Event.Records.Select((r, i) =>
                (r.PartitionKey, Text(r.Data), new SequenceNumber(e.SequenceNr, i).Format(new StreamShardId(0), e.Event.TimestampMs))))
            .ToList();
    }

    [JournalFact]
    public async Task Direct_reads_must_return_what_the_read_journal_returns_at_every_page_size()
    {
        Assert.NotNull(SqlJournalReader.Create(Sys.Settings.Config));
        var stream = UniqueName("oracle");
        await Client.CreateStreamAsync(stream);
        var written = await WriteMixedAsync(stream, calls: 60);
        var (_, persistenceId) = await ShardOfAsync(stream);

        var oracle = await ReadJournalOracleAsync(persistenceId);
        Assert.Equal(written, oracle);
        foreach (var limit in new[] { 1, 3, 7, 10_000 })
        {
            var read = await ReadAllAsync(stream, Shard0, limit: limit);
            Assert.Equal(oracle, read.Select(r => (r.PartitionKey, Text(r.Data), r.SequenceNumber)).ToList());
        }
        // From inside an event, and after a record.
        var middle = written[100];
        var at = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtSequenceNumber, middle.SequenceNumber, limit: 5);
        Assert.Equal(written.Skip(100).Select(w => w.SequenceNumber), at.Select(r => r.SequenceNumber));
        var after = await ReadAllAsync(stream, Shard0, ShardIteratorType.AfterSequenceNumber, middle.SequenceNumber, limit: 5);
        Assert.Equal(written.Skip(101).Select(w => w.SequenceNumber), after.Select(r => r.SequenceNumber));
    }

    [JournalFact]
    public async Task Direct_reads_must_keep_every_page_within_its_byte_cap_and_always_serve_the_first_record()
    {
        var stream = UniqueName("bytes");
        await Client.CreateStreamAsync(stream);
        // One event of 40 records of 12 + 5 bytes each (data + key), then a record larger than the cap.
        var batch = Enumerable.Range(0, 40).Select(i => Entry($"k{i:D4}", $"payload-{i:D4}")).ToList();
        var result = await Client.PutRecordsAsync(stream, batch);
        await Client.PutRecordAsync(stream, Bytes(new string('L', 200)), "large");
        await Client.PutRecordAsync(stream, Bytes("last"), "k");
        var (entityId, _) = await ShardOfAsync(stream);

        const long cap = 60; // three records of 17 bytes fit, a fourth does not
        var position = new SequenceNumber(1, 0);
        var pages = new List<ShardPage>();
        for (var i = 0; i < 100; i++)
        {
            var page = await Client.Extension.Reads.ReadAsync(entityId, new StreamShardId(0), position, 0, 10_000, TimeSpan.Zero, CancellationToken.None, maxBytes: cap);
            if (page.Records.Count == 0) break;
            pages.Add(page);
            position = page.Next;
        }
        var records = pages.SelectMany(p => p.Records).ToList();
        Assert.Equal(batch.Select(b => Text(b.Data)).Append(new string('L', 200)).Append("last"), records.Select(r => Text(r.Data)));
        Assert.Equal(result.Records.Select(r => r.SequenceNumber), records.Take(40).Select(r => r.SequenceNumber));
        foreach (var page in pages)
        {
            var bytes = page.Records.Sum(r => r.Data.Length + r.PartitionKey.Length);
            Assert.Equal(bytes, page.Bytes);
            Assert.True(page.Records.Count == 1 || bytes <= cap, $"a page of {page.Records.Count} records holds {bytes} bytes");
        }
        Assert.Equal(3, pages[0].Records.Count);
        Assert.Contains(pages, p => p.Records is [{ PartitionKey: "large" }]);
    }

    [JournalFact]
    public async Task Direct_reads_must_open_sealed_events_that_are_stored_sealed()
    {
        var stream = UniqueName("sealed");
        await Client.CreateStreamAsync(stream);
        await Client.StartStreamEncryptionAsync(stream, KeyAlias);
        var written = await WriteMixedAsync(stream, calls: 12);
        var (_, persistenceId) = await ShardOfAsync(stream);

        var read = await ReadAllAsync(stream, Shard0, limit: 4);
        Assert.Equal(written, read.Select(r => (r.PartitionKey, Text(r.Data), r.SequenceNumber)).ToList());
        Assert.Equal(written, await ReadJournalOracleAsync(persistenceId));

        // The rows in the table are sealed: no record's data is in them in clear.
        using var reader = SqlJournalReader.Create(Sys.Settings.Config)!;
        var manifests = new List<string?>();
        await foreach (var row in reader.ReadAsync(persistenceId, 1, long.MaxValue))
        {
            manifests.Add(row.Manifest);
            if (row.Manifest == ActorStreamsSerializer.EncryptedRecordsAppendedManifest)
                Assert.DoesNotContain("data-", Text(row.ReadMessage()));
        }
        Assert.Equal(12, manifests.Count(m => m == ActorStreamsSerializer.EncryptedRecordsAppendedManifest));
    }

    [JournalFact]
    public async Task Direct_reads_must_skip_trimmed_events_and_refuse_expired_iterators()
    {
        var stream = UniqueName("trimmed");
        await Client.CreateStreamAsync(stream);
        var old = await WriteMixedAsync(stream, calls: 5);
        var oldIterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);
        Clock.Advance(TimeSpan.FromHours(25));
        var fresh = await WriteMixedAsync(stream, calls: 4);
        await AwaitAssertAsync(async () =>
                Assert.Equal(fresh.Select(f => f.SequenceNumber), (await ReadAllAsync(stream, Shard0)).Select(r => r.SequenceNumber)),
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));

        // The journal keeps the newest trimmed row, marked deleted; the reader never returns it nor any older one.
        var (_, persistenceId) = await ShardOfAsync(stream);
        using var reader = SqlJournalReader.Create(Sys.Settings.Config)!;
        var firstFresh = SequenceNumber.Parse(fresh[0].SequenceNumber, "fresh").EventNo;
        var lastOld = SequenceNumber.Parse(old[^1].SequenceNumber, "old").EventNo;
        await foreach (var row in reader.ReadAsync(persistenceId, 1, long.MaxValue))
            Assert.True(row.SequenceNr > lastOld, $"trimmed event {row.SequenceNr} was read (the last old one is {lastOld}, the first fresh one {firstFresh})");

        // A sequence number inside the trimmed range starts at the oldest record still kept.
        var fromTrimmed = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtSequenceNumber, old[3].SequenceNumber, limit: 3);
        Assert.Equal(fresh.Select(f => f.SequenceNumber), fromTrimmed.Select(r => r.SequenceNumber));
        await Assert.ThrowsAsync<ExpiredIteratorException>(() => Client.GetRecordsAsync(oldIterator));
    }

    [JournalFact]
    public async Task A_source_reading_behind_a_writer_must_see_every_record_once_in_order()
    {
        var stream = UniqueName("race");
        await Client.CreateStreamAsync(stream);
        const int total = 30_000;
        var payload = new byte[40];
        // Written while the source reads from TRIM_HORIZON: with no hot tail every page but the newest comes from the journal.
        var reading = KinesisSource.Shard(Sys, stream, new StreamShardId(0), StartingPosition.TrimHorizon)
            .Take(total)
            .RunAggregate(new List<StreamRecord>(), (list, r) => { list.Add(r); return list; }, Materializer);
        var writing = Source.From(Enumerable.Range(0, total))
            .Select(i => new PutRecordsEntry(payload.Select((_, j) => j < 4 ? (byte)(i >> (8 * j)) : (byte)0).ToArray(), $"pk-{i % 97}"))
            .RunWith(KinesisSink.Create(Sys, stream), Materializer);
        await Task.WhenAll(writing, reading).WaitAsync(TimeSpan.FromSeconds(120));

        var records = await reading;
        Assert.Equal(total, records.Count);
        Assert.Equal(Enumerable.Range(0, total), records.Select(r => BitConverter.ToInt32(r.Data.Span[..4])));
        for (var i = 1; i < records.Count; i++)
            Assert.True(string.CompareOrdinal(records[i - 1].SequenceNumber, records[i].SequenceNumber) < 0);
    }
}

public sealed class DirectJournalReadSqliteSpec(ITestOutputHelper output) : DirectJournalReadSpec(output, SpecJournal.Sqlite)
{
    [Fact]
    public void The_direct_reader_must_be_used_only_for_the_journals_ActorStreams_configures_itself()
    {
        static SqlJournalReader? ReaderFor(string hocon) => SqlJournalReader.Create(ActorStreamsConfig.Build(ConfigurationFactory.ParseString(hocon)));
        using (var sqlite = ReaderFor("actorstreams.data-dir = \"/tmp/actorstreams-tests/direct-reader-config\""))
            Assert.NotNull(sqlite);
        Assert.Null(ReaderFor("actorstreams.journal.direct-reads = off"));
        Assert.Null(ReaderFor("actorstreams.journal.provider = inmemory"));
        Assert.Null(ReaderFor("actorstreams.journal.provider = custom"));
    }

    [Fact]
    public async Task Direct_reads_must_not_wait_for_a_writer_holding_the_SQLite_write_lock()
    {
        var stream = UniqueName("locked");
        await Client.CreateStreamAsync(stream);
        await Client.PutRecordsAsync(stream, [Entry("a", "first"), Entry("b", "second")]);
        await Client.PutRecordAsync(stream, Bytes("third"), "c");
        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);

        // Another connection takes SQLite's write lock and keeps it while the read runs: with the read journal's
        // BEGIN IMMEDIATE the read would wait for it (up to the busy timeout).
        await using var writer = new SqliteConnection($"Data Source={ActorStreamsConfig.SqliteFile(Sys.Settings.Config)}");
        writer.Open();
        await using var lockTx = writer.BeginTransaction(deferred: false);
        var read = Client.GetRecordsAsync(iterator);
        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(read, finished);
        // The journal's part of the shard (the newest event is the hot tail's, read on the next page).
        Assert.Equal(["first", "second"], (await read).Records.Select(r => Text(r.Data)));
        lockTx.Rollback();
    }
}

[PostgreSqlSpec]
public sealed class DirectJournalReadPostgreSqlSpec(ITestOutputHelper output) : DirectJournalReadSpec(output, SpecJournal.PostgreSql);
