using ActorStreams.Kinesis;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Durability: the spec's ActorSystem is terminated and a new one is started on the same journal (same SQLite file,
/// same PostgreSQL schema), which must serve the same streams and records. Snapshots are taken every 5 events so
/// recovery goes through snapshots and replay both.
/// </summary>
public abstract class RecoverySpec(ITestOutputHelper output, SpecJournal journal)
    : ActorStreamsSpec(output, journal, "actorstreams.stream-shard.snapshot-every-events = 5")
{
    /// <summary>Terminates the spec's system and runs <paramref name="body"/> against a new one on the same data.</summary>
    private async Task AfterRestartAsync(Func<ActorStreamsClient, Task> body)
    {
        await Sys.Terminate();
        var system = StartAnotherSystem("actorstreams-recovered");
        try
        {
            await body(ActorStreamsExtension.Get(system).Client);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static List<(string Shard, string Seq, string Key, string Data, DateTimeOffset Arrival)> Flatten(IEnumerable<StreamRecord> records) =>
        records.Select(r => (r.ShardId.ToString(), r.SequenceNumber, r.PartitionKey, Text(r.Data), r.ApproximateArrivalTimestamp)).ToList();

    [JournalFact]
    public async Task Recovery_must_serve_the_same_records_with_the_same_sequence_numbers_and_continue_above_them()
    {
        var stream = UniqueName("recover");
        await Client.CreateStreamAsync(stream, 2);
        for (var call = 0; call < 12; call++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            var entries = Enumerable.Range(0, 6).Select(i => Entry($"key-{i}", $"{call}-{i}")).ToList();
            Assert.Equal(0, (await Client.PutRecordsAsync(stream, entries)).FailedRecordCount);
        }
        var before = Flatten(await ReadStreamAsync(stream));
        Assert.Equal(72, before.Count);
        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);
        var middle = before.Where(r => r.Shard == Shard0).ElementAt(10);

        await AfterRestartAsync(async client =>
        {
            Assert.Equal(before, Flatten(await ReadStreamAsync(stream, client)));
            // Iterators are signed with the configured secret, so one issued before the restart still reads.
            Assert.Equal(before.Where(r => r.Shard == Shard0), Flatten(await ReadFromAsync(iterator, client: client)));
            var atTimestamp = await ReadAllAsync(stream, Shard0, ShardIteratorType.AtTimestamp, timestamp: middle.Arrival, client: client);
            Assert.Equal(before.Where(r => r.Shard == Shard0 && r.Arrival >= middle.Arrival), Flatten(atTimestamp));

            var after = await client.PutRecordsAsync(stream, Enumerable.Range(0, 6).Select(i => Entry($"key-{i}", $"after-{i}")).ToList());
            Assert.Equal(0, after.FailedRecordCount);
            foreach (var entry in after.Records)
            {
                var newestBefore = before.Where(r => r.Shard == entry.ShardId.ToString()).Max(r => Numeric(r.Seq));
                Assert.True(Numeric(entry.SequenceNumber!) > newestBefore);
            }
            Assert.Equal(78, (await ReadStreamAsync(stream, client)).Count);
        });
    }

    [JournalFact]
    public async Task Recovery_must_keep_streams_retention_periods_and_tags_and_forget_deleted_streams()
    {
        var kept = UniqueName("kept");
        var deleted = UniqueName("deleted");
        await Client.CreateStreamAsync(kept, 3);
        await Client.CreateStreamAsync(deleted);
        await Client.PutRecordAsync(deleted, Bytes("gone"), "k");
        await Client.IncreaseStreamRetentionPeriodAsync(kept, 72);
        await Client.AddTagsToStreamAsync(kept, new Dictionary<string, string> { ["owner"] = "tests" });
        await Client.DeleteStreamAsync(deleted);
        var description = await Client.DescribeStreamAsync(kept);

        await AfterRestartAsync(async client =>
        {
            Assert.Equal([kept], (await client.ListStreamsAsync()).StreamNames);
            var recovered = await client.DescribeStreamAsync(kept);
            Assert.Equal(description.Shards, recovered.Shards);
            Assert.Equal(72, recovered.RetentionPeriodHours);
            Assert.Equal(description.StreamCreationTimestamp, recovered.StreamCreationTimestamp);
            Assert.Equal("tests", (await client.ListTagsForStreamAsync(kept))["owner"]);
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => client.DescribeStreamAsync(deleted));

            await client.CreateStreamAsync(deleted);
            Assert.Empty(await ReadAllAsync(deleted, Shard0, client: client));
        });
    }

    [JournalFact]
    public async Task Recovery_must_not_reuse_sequence_numbers_after_retention_trimmed_every_record()
    {
        var stream = UniqueName("trimmed");
        await Client.CreateStreamAsync(stream);
        var last = "";
        for (var i = 0; i < 8; i++) last = (await Client.PutRecordAsync(stream, Bytes($"old-{i}"), "k")).SequenceNumber;
        Clock.Advance(TimeSpan.FromHours(25));
        await AwaitAssertAsync(async () => Assert.Empty(await ReadAllAsync(stream, Shard0)), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));

        await AfterRestartAsync(async client =>
        {
            Assert.Empty(await ReadAllAsync(stream, Shard0, client: client));
            var put = await client.PutRecordAsync(stream, Bytes("new"), "k");
            Assert.True(Numeric(put.SequenceNumber) > Numeric(last), $"{put.SequenceNumber} is not above {last}");
            Assert.Equal(["new"], (await ReadAllAsync(stream, Shard0, client: client)).Select(r => Text(r.Data)));
        });
    }
}

public sealed class RecoverySqliteSpec(ITestOutputHelper output) : RecoverySpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class RecoveryPostgreSqlSpec(ITestOutputHelper output) : RecoverySpec(output, SpecJournal.PostgreSql);
