using System.Text;
using ActorStreams.Firehose;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// Dynamic partitioning survives a restart: the spec's ActorSystem is terminated while one partition cannot be
/// written, and a new system on the same journal delivers that partition's records, once, while the partition
/// delivered before the restart is not delivered again. Snapshots every 3 events make recovery go through a snapshot
/// holding partitions (and replay the events behind it).
/// </summary>
public abstract class DynamicPartitioningRecoverySpec(ITestOutputHelper output, SpecJournal journal)
    : FirehoseSpec(output, journal, "actorstreams.firehose.snapshot-every-events = 3")
{
    [JournalFact]
    public async Task Partitions_undelivered_at_a_restart_must_be_delivered_after_it_and_delivered_ones_not_again()
    {
        var name = UniqueName("dp");
        var bucket = UniqueBucket("bucket");
        // Customer 2's partition cannot be written: a file stands where its folder would be.
        var blocked = Path.Combine(ObjectRoot, bucket, "data", "customer=2");
        Directory.CreateDirectory(Path.GetDirectoryName(blocked)!);
        await File.WriteAllTextAsync(blocked, "not a folder");
        await CreateAsync(name, DynamicPartitioningSpec.Partitioned(bucket, retrySeconds: 7200));
        var sent = Enumerable.Range(0, 20).Select(i => DynamicPartitioningSpec.Event(1 + i % 2, "d", i)).ToList();
        for (var i = 0; i < sent.Count; i += 5)
            Assert.Equal(0, (await Firehose.PutRecordBatchAsync(name, sent.Skip(i).Take(5).Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r)).ToList())).FailedPutCount);
        var before = await WaitForObjectsAsync(bucket, o => o.Keys.Any(k => k.StartsWith("data/customer=1/")));
        var customer1 = Assert.Single(before, o => o.Key.StartsWith("data/customer=1/"));
        await AwaitFailedDeliveryAsync(name); // customer 2's buffer is closed and failing
        await Sys.Terminate();
        File.Delete(blocked);

        var system = StartAnotherSystem("dp-recovered");
        try
        {
            _ = FirehoseExtension.Get(system).Client;
            var after = await WaitForObjectsAsync(bucket, o => o.Keys.Any(k => k.StartsWith("data/customer=2/")));
            await Task.Delay(500);
            after = Objects(bucket);
            var customer2 = Assert.Single(after, o => o.Key.StartsWith("data/customer=2/"));
            Assert.Equal(sent.Where((_, i) => i % 2 == 1).Select(s => s.TrimEnd('\n')), Lines(customer2.Value));
            // Customer 1 was delivered before the restart and keeps its one object.
            Assert.Equal(customer1.Key, Assert.Single(after, o => o.Key.StartsWith("data/customer=1/")).Key);
            Assert.Equal(sent.Where((_, i) => i % 2 == 0).Select(s => s.TrimEnd('\n')), Lines(customer1.Value));
            Assert.DoesNotContain(after.Keys, k => k.StartsWith("errors/"));
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static List<string> Lines(byte[] data) => Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
}

public sealed class DynamicPartitioningRecoverySqliteSpec(ITestOutputHelper output) : DynamicPartitioningRecoverySpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class DynamicPartitioningRecoveryPostgreSqlSpec(ITestOutputHelper output) : DynamicPartitioningRecoverySpec(output, SpecJournal.PostgreSql);
