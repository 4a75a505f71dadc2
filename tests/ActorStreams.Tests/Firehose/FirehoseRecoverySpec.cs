using System.Text;
using ActorStreams.Firehose;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// Durability of delivery streams: the spec's ActorSystem is terminated with records accepted but not delivered,
/// and a new system on the same journal delivers every one of them without being asked. Snapshots every 3 events
/// make recovery go through a snapshot (which carries the undelivered records) and replay both.
/// </summary>
public abstract class FirehoseRecoverySpec(ITestOutputHelper output, SpecJournal journal)
    : FirehoseSpec(output, journal, "actorstreams.firehose.snapshot-every-events = 3")
{
    [JournalFact]
    public async Task Records_accepted_before_a_restart_must_all_be_delivered_after_it_and_the_configuration_kept()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, S3(bucket, intervalSeconds: 0, compression: CompressionFormat.Gzip));
        await Firehose.TagDeliveryStreamAsync(name, new Dictionary<string, string> { ["k"] = "v" });
        // The store is down: everything stays in the backlog (and the journal).
        Directory.CreateDirectory(ObjectRoot);
        var blocker = Path.Combine(ObjectRoot, bucket);
        await File.WriteAllTextAsync(blocker, "not a folder");
        var sent = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var records = Enumerable.Range(0, 25).Select(j => $"r-{i}-{j}").ToList();
            Assert.Equal(0, (await Firehose.PutRecordBatchAsync(name, records.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r + "\n")).ToList())).FailedPutCount);
            sent.AddRange(records);
        }
        await AwaitFailedDeliveryAsync(name);
        await Sys.Terminate();
        Assert.Empty(Objects(bucket));
        File.Delete(blocker);

        var system = StartAnotherSystem("firehose-recovered");
        try
        {
            // Starting the runtime is all it takes (as a host does on start): no request names the delivery stream.
            var firehose = FirehoseExtension.Get(system).Client;
            var objects = await WaitForObjectsAsync(bucket, o => Lines(Content(o, CompressionFormat.Gzip)).Count >= sent.Count);
            Assert.Equal(sent.Order(StringComparer.Ordinal), Lines(Content(objects, CompressionFormat.Gzip)).Order(StringComparer.Ordinal));

            var description = await firehose.DescribeDeliveryStreamAsync(name);
            Assert.Equal(CompressionFormat.Gzip, Assert.IsType<ObjectStoreDestination>(description.Destination).CompressionFormat);
            Assert.Equal("v", (await firehose.ListTagsForDeliveryStreamAsync(name))["k"]);
            Assert.Contains(name, (await firehose.ListDeliveryStreamsAsync(limit: 1000)).DeliveryStreamNames);

            // New records after the restart are delivered too, and nothing is delivered twice.
            await firehose.PutRecordAsync(name, Encoding.UTF8.GetBytes("after\n"));
            objects = await WaitForObjectsAsync(bucket, o => Lines(Content(o, CompressionFormat.Gzip)).Contains("after"));
            Assert.Equal(sent.Count + 1, Lines(Content(objects, CompressionFormat.Gzip)).Count);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static List<string> Lines(string content) => content.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
}

public sealed class FirehoseRecoverySqliteSpec(ITestOutputHelper output) : FirehoseRecoverySpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class FirehoseRecoveryPostgreSqlSpec(ITestOutputHelper output) : FirehoseRecoverySpec(output, SpecJournal.PostgreSql);
