using ActorStreams.Settings;
using ActorStreams.Streams;
using Akka.Actor;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// SQLite journal reads run in deferred (read) transactions: they must not wait for the write lock, which a writer
/// holds for each group commit. Here, after a restart (so no record is in memory), another connection holds the write
/// lock (BEGIN IMMEDIATE) while every record is read again from the journal; with reads in BEGIN IMMEDIATE
/// transactions (the driver's default) the reads would wait for the lock (the busy timeout is 30 s).
/// </summary>
public sealed class SqliteJournalReadSpec(ITestOutputHelper output)
    : ActorStreamsSpec(output, SpecJournal.Sqlite, "actorstreams.stream-shard.snapshot-every-events = 5")
{
    [Fact]
    public async Task Journal_reads_must_not_wait_for_a_writer_holding_the_write_lock()
    {
        var stream = UniqueName("readlock");
        await Client.CreateStreamAsync(stream, 2);
        for (var call = 0; call < 8; call++)
        {
            var entries = Enumerable.Range(0, 5).Select(i => Entry($"key-{i}", $"{call}-{i}")).ToList();
            Assert.Equal(0, (await Client.PutRecordsAsync(stream, entries)).FailedRecordCount);
        }
        var before = (await ReadStreamAsync(stream)).Select(r => (r.ShardId, r.SequenceNumber, Text(r.Data))).ToList();
        Assert.Equal(40, before.Count);
        await Sys.Terminate();

        var system = ActorSystem.Create("actorstreams-readlock", ActorStreamsSetup.CreateActorSystemSetup(SpecConfig, Clock));
        try
        {
            // After the restart the shards hold no hot tail: every read below comes from the journal.
            var client = ActorStreamsExtension.Get(system).Client;
            Assert.Equal(before, (await ReadStreamAsync(stream, client)).Select(r => (r.ShardId, r.SequenceNumber, Text(r.Data))).ToList());

            var file = ActorStreamsConfig.SqliteFile(ActorStreamsConfig.Build(SpecConfig));
            await using var writer = new SqliteConnection($"Data Source={file};Pooling=False");
            writer.Open();
            await using var writeLock = writer.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock
            using (var probe = new SqliteConnection($"Data Source={file};Pooling=False"))
            {
                // The lock is really held: a second writer cannot begin.
                probe.Open();
                using var busy = probe.CreateCommand();
                busy.CommandText = "BEGIN IMMEDIATE;";
                busy.CommandTimeout = 1; // the driver retries a busy database until the command timeout
                Assert.Equal(5, Assert.Throws<SqliteException>(() => busy.ExecuteNonQuery()).SqliteErrorCode); // SQLITE_BUSY
            }

            var read = ReadStreamAsync(stream, client).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(before, (await read).Select(r => (r.ShardId, r.SequenceNumber, Text(r.Data))).ToList());
            writeLock.Rollback();
        }
        finally
        {
            await system.Terminate();
        }
    }
}
