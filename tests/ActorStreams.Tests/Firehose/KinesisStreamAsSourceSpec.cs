using System.Text;
using ActorStreams.Firehose;
using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// A delivery stream reading an ActorStreams stream as a consumer application: every record delivered, checkpoints
/// committed only after delivery, and a restart resuming from them. Resharding, restarts on both journals, leases
/// and the migration of older checkpoints are in <see cref="KinesisStreamAsSourceReshardingSpec"/>.
/// </summary>
public sealed class KinesisStreamAsSourceSpec(ITestOutputHelper output)
    : FirehoseSpec(output, config: "actorstreams.throttling.enabled = off")
{
    private DeliveryStreamConfiguration Configuration(string name, string stream, string bucket) => new()
    {
        DeliveryStreamName = name,
        DeliveryStreamType = DeliveryStreamType.KinesisStreamAsSource,
        KinesisStreamSource = new KinesisStreamSourceConfiguration { KinesisStreamArn = Client.Extension.Settings.StreamArn(stream) },
        Destination = S3(bucket, intervalSeconds: 0),
    };

    private async Task<List<string>> PutAsync(string stream, string label, int count, ActorStreamsClient? client = null)
    {
        var records = Enumerable.Range(0, count).Select(i => $"{label}-{i}").ToList();
        var result = await (client ?? Client).PutRecordsAsync(stream, records.Select(r => new PutRecordsEntry(Encoding.UTF8.GetBytes(r + "\n"), r, null)).ToList());
        Assert.Equal(0, result.FailedRecordCount);
        return records;
    }

    private static List<string> Lines(string content) => content.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    [Fact]
    public async Task Records_of_every_shard_must_be_delivered_and_checkpointed_after_delivery()
    {
        var stream = UniqueName("src");
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await Client.CreateStreamAsync(stream, 3);
        var sent = await PutAsync(stream, "before", 60);
        await Firehose.CreateDeliveryStreamAsync(Configuration(name, stream, bucket));
        sent.AddRange(await PutAsync(stream, "after", 60));

        var objects = await WaitForObjectsAsync(bucket, o => Lines(Content(o)).Count >= sent.Count);
        Assert.Equal(sent.Order(StringComparer.Ordinal), Lines(Content(objects)).Order(StringComparer.Ordinal));

        // Each shard's checkpoint in the delivery stream's consumer application is just past its newest record.
        var newest = (await ReadStreamAsync(stream)).GroupBy(r => r.ShardId.Index)
            .ToDictionary(g => g.Key, g => SequenceNumber.Parse(g.Last().SequenceNumber, "SequenceNumber").Next);
        await AwaitAssertAsync(async () =>
        {
            var (application, state) = await Firehose.GetSourceApplicationAsync(name);
            Assert.StartsWith($"firehose-{name}-", application);
            Assert.Equal(newest.OrderBy(kv => kv.Key), state.Checkpoints.Select(c => KeyValuePair.Create(c.Key, c.Value.Position)));
            Assert.Equal([0, 1, 2], state.Leases.Keys);
        }, TimeSpan.FromSeconds(10));

        var description = await Firehose.DescribeDeliveryStreamAsync(name);
        Assert.Equal(DeliveryStreamType.KinesisStreamAsSource, description.DeliveryStreamType);
        Assert.Equal(Client.Extension.Settings.StreamArn(stream), description.KinesisStreamSource!.KinesisStreamArn);
        // Deliveries are counted by the same graph; the records waiting are in the source stream, so no backlog is reported.
        Assert.Equal(sent.Count, description.Statistics!.DeliveredRecords);
        Assert.Null(description.Statistics.BacklogRecords);
        Assert.Null(description.Statistics.DataFreshness);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Firehose.PutRecordAsync(name, Bytes("direct")));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Firehose.StartDeliveryStreamEncryptionAsync(name));
        Assert.Equal([name], (await Firehose.ListDeliveryStreamsAsync(deliveryStreamType: DeliveryStreamType.KinesisStreamAsSource)).DeliveryStreamNames);
    }

    [Fact]
    public async Task A_restart_must_resume_from_the_checkpoints_redelivering_only_what_was_not_delivered()
    {
        var stream = UniqueName("src");
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await Client.CreateStreamAsync(stream, 2);
        await Firehose.CreateDeliveryStreamAsync(Configuration(name, stream, bucket));
        var delivered = await PutAsync(stream, "first", 40);
        await WaitForObjectsAsync(bucket, o => Lines(Content(o)).Count >= delivered.Count);
        // Committed up to the newest record of each shard (commits are batched, so wait for the last batch).
        var newest = (await ReadStreamAsync(stream)).GroupBy(r => r.ShardId.Index)
            .ToDictionary(g => g.Key, g => SequenceNumber.Parse(g.Last().SequenceNumber, "SequenceNumber").Next);
        await AwaitAssertAsync(async () => Assert.Equal(newest.OrderBy(kv => kv.Key),
            (await Firehose.GetSourceApplicationAsync(name)).State.Checkpoints.Select(c => KeyValuePair.Create(c.Key, c.Value.Position))), TimeSpan.FromSeconds(10));

        // The store goes down: these records are read but not delivered, so no checkpoint moves past them.
        Directory.CreateDirectory(ObjectRoot);
        var blocker = Path.Combine(ObjectRoot, bucket);
        Directory.Move(blocker, blocker + ".delivered");
        await File.WriteAllTextAsync(blocker, "not a folder");
        var pending = await PutAsync(stream, "second", 40);
        await AwaitFailedDeliveryAsync(name);
        await Sys.Terminate();
        File.Delete(blocker);

        var system = StartAnotherSystem("firehose-source-recovered");
        // The recovered application leases nothing for one lease duration of the runtime clock (a reader of before might still run).
        using var clock = new RunningClock(Clock);
        try
        {
            var client = ActorStreamsExtension.Get(system).Client;
            var later = await PutAsync(stream, "third", 20, client);
            var objects = await WaitForObjectsAsync(bucket, o => Lines(Content(o)).Count >= pending.Count + later.Count);
            await Task.Delay(500);
            // Exactly the records not delivered before the restart, and the new ones: the first 40 were checkpointed.
            Assert.Equal(pending.Concat(later).Order(StringComparer.Ordinal), Lines(Content(Objects(bucket))).Order(StringComparer.Ordinal));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task Dynamic_partitioning_must_put_each_partition_of_the_stream_in_its_own_objects_and_unpartitionable_records_in_the_error_output()
    {
        var stream = UniqueName("src");
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await Client.CreateStreamAsync(stream, 2);
        await Firehose.CreateDeliveryStreamAsync(Configuration(name, stream, bucket) with { Destination = DynamicPartitioningSpec.Partitioned(bucket) });
        var good = Enumerable.Range(0, 40).Select(i => DynamicPartitioningSpec.Event(i % 3, i % 2 == 0 ? "mobile" : "desktop", i)).ToList();
        string[] bad = ["not json\n", "{\"customer_id\":1,\"tags\":[\"x\"]}\n"];
        var put = await Client.PutRecordsAsync(stream,
            good.Concat(bad).Select((r, i) => new PutRecordsEntry(Encoding.UTF8.GetBytes(r), $"key-{i}", null)).ToList());
        Assert.Equal(0, put.FailedRecordCount);

        var objects = await WaitForObjectsAsync(bucket, o => o.Values.Sum(v => Lines(Encoding.UTF8.GetString(v)).Count) >= good.Count + bad.Length);
        var partitions = objects.Where(o => o.Key.StartsWith("data/", StringComparison.Ordinal))
            .GroupBy(o => o.Key[..(o.Key.LastIndexOf('/') + 1)])
            .ToDictionary(g => g.Key, g => g.SelectMany(o => Lines(Encoding.UTF8.GetString(o.Value))).Order(StringComparer.Ordinal).ToList());
        // 3 customers x 2 devices, each under the prefix evaluated with its keys, holding exactly its records.
        Assert.Equal(6, partitions.Count);
        foreach (var customer in new[] { 0, 1, 2 })
        foreach (var device in new[] { "mobile", "desktop" })
        {
            var expected = good.Where(r => r.Contains($"\"customer_id\":{customer},", StringComparison.Ordinal) && r.Contains($"\"{device}\"", StringComparison.Ordinal))
                .Select(r => r.TrimEnd('\n')).Order(StringComparer.Ordinal);
            Assert.Equal(expected, partitions[$"data/customer={customer}/device={device}/"]);
        }
        var errors = objects.Where(o => o.Key.StartsWith("errors/partitioning-failed/", StringComparison.Ordinal))
            .SelectMany(o => Lines(Encoding.UTF8.GetString(o.Value))).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(bad.Order(StringComparer.Ordinal), errors.Select(e => Encoding.UTF8.GetString(e.GetProperty("rawData").GetBytesFromBase64())).Order(StringComparer.Ordinal));
        Assert.All(errors, e => Assert.Equal("DynamicPartitioning.MetadataExtractionFailed", e.GetProperty("errorCode").GetString()));
        Assert.All(objects.Keys, k => Assert.True(k.StartsWith("data/", StringComparison.Ordinal) || k.StartsWith("errors/partitioning-failed/", StringComparison.Ordinal), k));

        // Delivered or in the error output: every shard's checkpoint moves past its newest record.
        var newest = (await ReadStreamAsync(stream)).GroupBy(r => r.ShardId.Index)
            .ToDictionary(g => g.Key, g => SequenceNumber.Parse(g.Last().SequenceNumber, "SequenceNumber").Next);
        await AwaitAssertAsync(async () => Assert.Equal(newest.OrderBy(kv => kv.Key),
            (await Firehose.GetSourceApplicationAsync(name)).State.Checkpoints.Select(c => KeyValuePair.Create(c.Key, c.Value.Position))), TimeSpan.FromSeconds(10));
    }
}
