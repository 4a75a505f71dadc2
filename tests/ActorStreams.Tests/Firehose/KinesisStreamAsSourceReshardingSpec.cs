using System.Collections.Immutable;
using System.Text;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Internal;
using ActorStreams.Kinesis;
using ActorStreams.TestSupport;
using Akka.Actor;
using Akka.Persistence;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// A KinesisStreamAsSource delivery stream follows its source stream across splits and merges: it is a consumer
/// application of the stream, so children are read only after their parents were delivered to their end. Checked on
/// what landed in the object store, in delivery order: every record delivered at least once, nothing that was not
/// written, and each partition key's records in the order they were written (a redelivery after a restart may repeat
/// records, but never skips ahead of one not yet delivered). Also: a restart in the middle, DeleteDeliveryStream
/// releasing the application's leases, and checkpoints journaled by a delivery stream of before moving into its
/// application.
/// </summary>
public abstract class KinesisStreamAsSourceReshardingSpec(ITestOutputHelper output, SpecJournal journal)
    : FirehoseSpec(output, journal, """
        actorstreams.throttling.enabled = off
        actorstreams.committer.max-interval = 50ms
        """)
{
    private const int Keys = 12;

    private DeliveryStreamConfiguration Configuration(string name, string stream, string bucket) => new()
    {
        DeliveryStreamName = name,
        DeliveryStreamType = DeliveryStreamType.KinesisStreamAsSource,
        KinesisStreamSource = new KinesisStreamSourceConfiguration { KinesisStreamArn = Client.Extension.Settings.StreamArn(stream) },
        Destination = S3(bucket, intervalSeconds: 0),
    };

    /// <summary>One record per key, <c>key-K:ROUND</c>; rounds are written one after the other, so per key in round order.</summary>
    private static async Task<List<string>> PutRoundsAsync(ActorStreamsClient client, string stream, int from, int count)
    {
        var written = new List<string>();
        for (var round = from; round < from + count; round++)
        {
            var entries = Enumerable.Range(0, Keys).Select(k => Entry($"key-{k}", $"key-{k}:{round}\n")).ToList();
            var result = await client.PutRecordsAsync(stream, entries);
            Assert.Equal(0, result.FailedRecordCount);
            written.AddRange(entries.Select(e => Text(e.Data).TrimEnd('\n')));
        }
        return written;
    }

    private static async Task SplitAsync(ActorStreamsClient client, string stream, int shard)
    {
        var range = (await client.ListShardsAsync(stream)).Single(s => s.ShardId.Index == shard).HashKeyRange;
        await client.SplitShardAsync(stream, new StreamShardId(shard).ToString(),
            (range.StartingHashKey + (range.EndingHashKey - range.StartingHashKey) / 2).ToString());
    }

    /// <summary>Every record in the bucket, in delivery order: objects are written one at a time, so by their write time.</summary>
    private List<string> Delivered(string bucket) => AllLines(bucket).Where(l => !l.StartsWith(MarkerPrefix, StringComparison.Ordinal)).ToList();

    private List<string> AllLines(string bucket)
    {
        var dir = Path.Combine(ObjectRoot, bucket);
        if (!Directory.Exists(dir)) return [];
        return Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Select(f => new FileInfo(f))
            .OrderBy(f => f.LastWriteTimeUtc)
            .ThenBy(f => f.FullName, StringComparer.Ordinal)
            .SelectMany(f => File.ReadAllText(f.FullName).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .ToList();
    }

    private Task<List<string>> WaitForAllAsync(string bucket, IReadOnlyCollection<string> written)
    {
        var expected = written.ToHashSet();
        return Eventually.EventuallyAsync(() =>
        {
            var delivered = Delivered(bucket);
            if (!expected.IsSubsetOf(delivered))
                Assert.Fail($"{expected.Except(delivered).Count()} of {expected.Count} records not delivered within 60 s, e.g. "
                            + string.Join(", ", expected.Except(delivered).Take(10)));
            return Task.FromResult(delivered);
        }, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Nothing lost, nothing invented, and per key no record delivered before every earlier record of its key was:
    /// each record is a repeat or the next one. Without <paramref name="allowRepeats"/>, exactly once in order.
    /// </summary>
    private const string MarkerPrefix = "marker:";

    /// <summary>
    /// Proves that nothing more is coming instead of waiting a while: one marker record goes to every open shard, and once
    /// every marker is delivered, each shard was read and delivered past everything written before it (a shard is read in
    /// order, and objects are written one at a time), so a repeat would already be in the bucket.
    /// </summary>
    private async Task SettleAsync(ActorStreamsClient client, string stream, string bucket)
    {
        var open = (await client.ListShardsAsync(stream)).Where(s => s.IsOpen).ToList();
        var markers = open.Select(s => Entry("marker", $"{MarkerPrefix}{s.ShardId}:{Guid.NewGuid():N}\n", s.HashKeyRange.StartingHashKey.ToString())).ToList();
        Assert.Equal(0, (await client.PutRecordsAsync(stream, markers)).FailedRecordCount);
        var expected = markers.Select(m => Text(m.Data).TrimEnd('\n')).ToHashSet();
        await Eventually.EventuallyAsync(() => expected.IsSubsetOf(AllLines(bucket)), "every shard's marker is delivered", TimeSpan.FromSeconds(60));
    }

    private void AssertDelivery(IReadOnlyCollection<string> written, List<string> delivered, bool allowRepeats)
    {
        var writtenSet = written.ToHashSet();
        Assert.DoesNotContain(delivered, d => !writtenSet.Contains(d));
        Assert.True(writtenSet.SetEquals(delivered), "every written record is delivered");
        var next = new Dictionary<string, int>();
        foreach (var record in delivered)
        {
            var parts = record.Split(':');
            var round = int.Parse(parts[1]);
            var expected = next.GetValueOrDefault(parts[0]);
            Assert.True(round == expected || (allowRepeats && round < expected),
                $"{parts[0]}: round {round} delivered when round {expected} was next ({(allowRepeats ? "repeats allowed" : "exactly once")})");
            if (round == expected) next[parts[0]] = expected + 1;
        }
        var repeats = delivered.Count - writtenSet.Count;
        Output.WriteLine($"{written.Count} records written, {delivered.Count} delivered ({repeats} repeated)");
    }

    [JournalFact]
    public async Task Splits_and_merges_while_delivering_must_deliver_every_record_in_key_order()
    {
        var stream = UniqueName("fhres");
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await Client.CreateStreamAsync(stream, 2);
        await Firehose.CreateDeliveryStreamAsync(Configuration(name, stream, bucket));
        // Lease renewals run on the runtime clock; children are leased at once after their parents' SHARD_END anyway.
        using var clock = new RunningClock(Clock);

        var written = await PutRoundsAsync(Client, stream, 0, 10);
        await SplitAsync(Client, stream, 0);                                  // 0 -> 2, 3
        written.AddRange(await PutRoundsAsync(Client, stream, 10, 10));
        await Client.MergeShardsAsync(stream, new StreamShardId(2).ToString(), new StreamShardId(3).ToString()); // 2 + 3 -> 4
        written.AddRange(await PutRoundsAsync(Client, stream, 20, 10));
        await SplitAsync(Client, stream, 1);                                  // 1 -> 5, 6
        written.AddRange(await PutRoundsAsync(Client, stream, 30, 10));

        var delivered = await WaitForAllAsync(bucket, written);
        await SettleAsync(Client, stream, bucket);
        AssertDelivery(written, Delivered(bucket), allowRepeats: false);
        Assert.True(delivered.Count >= written.Count);

        await AwaitAssertAsync(async () =>
        {
            var state = (await Firehose.GetSourceApplicationAsync(name)).State;
            foreach (var closed in new[] { 0, 1, 2, 3 })
                Assert.True(state.Checkpoints.TryGetValue(closed, out var c) && c.ShardEnd, $"shard {closed} has its SHARD_END checkpoint");
            Assert.Equal([4, 5, 6], state.Leases.Keys);
        }, TimeSpan.FromSeconds(10));
    }

    [JournalFact]
    public async Task A_restart_in_the_middle_of_resharding_must_redeliver_rather_than_lose()
    {
        var stream = UniqueName("fhrst");
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await Client.CreateStreamAsync(stream, 2);
        await Firehose.CreateDeliveryStreamAsync(Configuration(name, stream, bucket));
        var written = new List<string>();
        using (new RunningClock(Clock))
        {
            written.AddRange(await PutRoundsAsync(Client, stream, 0, 10));
            await WaitForAllAsync(bucket, written);
            await SplitAsync(Client, stream, 0);
            // Written and not waited for: some of it is in flight when the node stops.
            written.AddRange(await PutRoundsAsync(Client, stream, 10, 10));
        }
        await Sys.Terminate();

        var system = StartAnotherSystem("firehose-reshard-restarted");
        try
        {
            // The recovered application leases nothing for one lease duration of the runtime clock.
            using var clock = new RunningClock(Clock);
            var client = ActorStreamsExtension.Get(system).Client;
            written.AddRange(await PutRoundsAsync(client, stream, 20, 5));
            await client.MergeShardsAsync(stream, new StreamShardId(2).ToString(), new StreamShardId(3).ToString());
            written.AddRange(await PutRoundsAsync(client, stream, 25, 10));

            await WaitForAllAsync(bucket, written);
            await SettleAsync(client, stream, bucket);
            AssertDelivery(written, Delivered(bucket), allowRepeats: true);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [JournalFact]
    public async Task DeleteDeliveryStream_must_release_the_leases_of_its_consumer_application()
    {
        var stream = UniqueName("fhdel");
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await Client.CreateStreamAsync(stream, 2);
        await Firehose.CreateDeliveryStreamAsync(Configuration(name, stream, bucket));
        var written = await PutRoundsAsync(Client, stream, 0, 3);
        await WaitForAllAsync(bucket, written);
        string application = "";
        await AwaitAssertAsync(async () =>
        {
            var (app, state) = await Firehose.GetSourceApplicationAsync(name);
            application = app;
            Assert.Equal([0, 1], state.Leases.Keys);
            Assert.Single(state.Members);
        }, TimeSpan.FromSeconds(10));

        await Firehose.DeleteDeliveryStreamAsync(name);

        // Released at once, not after the lease duration: the clock does not move here.
        await AwaitAssertAsync(async () =>
        {
            var state = await Client.Extension.ConsumerApplications.GetAsync(stream, application, CancellationToken.None);
            Assert.Empty(state.Leases);
            Assert.Empty(state.Members);
        }, TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Firehose.DescribeDeliveryStreamAsync(name));
    }

    [JournalFact]
    public async Task Checkpoints_journaled_before_consumer_applications_must_carry_over_instead_of_starting_at_TRIM_HORIZON()
    {
        var stream = UniqueName("fhmig");
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await Client.CreateStreamAsync(stream, 2);
        // Shard 0 is split before the delivery stream exists: the reader of before never read it (it read open shards).
        var ancient = await PutRoundsAsync(Client, stream, 0, 3);
        await SplitAsync(Client, stream, 0); // 0 -> 2, 3
        Clock.Advance(TimeSpan.FromSeconds(1));
        var createdAtMs = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var old = await PutRoundsAsync(Client, stream, 3, 6);
        var records = await ReadStreamAsync(stream);
        var lastOfShard1 = records.Last(r => r.ShardId.Index == 1);
        var shard2 = records.Where(r => r.ShardId.Index == 2).ToList();
        Assert.True(shard2.Count >= 4 && records.Any(r => r.ShardId.Index == 3), "the split's children both hold records");
        var shard2Checkpoint = shard2[shard2.Count / 2];

        // What a delivery stream of before journaled: its configuration, and per shard the last sequence number it
        // delivered (shard 1 all of it, shard 2 half, shard 3 nothing yet).
        var metadata = new DeliveryStreamMetadata(name, DeliveryStreamType.KinesisStreamAsSource,
            new KinesisStreamSourceConfiguration { KinesisStreamArn = Client.Extension.Settings.StreamArn(stream) }, S3(bucket, intervalSeconds: 0),
            DeliveryStreamEncryption.Disabled, ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal), 1, createdAtMs, createdAtMs);
        object[] events =
        [
            new DeliveryStreamChanged(metadata),
            new SourceCheckpointed(new StreamShardId(1).ToString(), lastOfShard1.SequenceNumber),
            new SourceCheckpointed(new StreamShardId(2).ToString(), shard2Checkpoint.SequenceNumber),
        ];
        var persistenceId = DeliveryStreamEntity.PersistenceId(name);
        var writer = Sys.ActorOf(Props.Create(() => new JournalWriter(persistenceId, events)));
        Watch(writer);
        writer.Tell("write");
        ExpectMsg("written", TimeSpan.FromSeconds(10));
        Sys.Stop(writer);
        ExpectTerminated(writer);

        // The entity starts with the first message to it, and moves the checkpoints into its application.
        Assert.Equal(DeliveryStreamType.KinesisStreamAsSource, (await Firehose.DescribeDeliveryStreamAsync(name)).DeliveryStreamType);
        var expected = shard2.Where(r => Numeric(r.SequenceNumber) > Numeric(shard2Checkpoint.SequenceNumber))
            .Concat(records.Where(r => r.ShardId.Index == 3))
            .Select(r => Text(r.Data).TrimEnd('\n'))
            .ToList();
        using var clock = new RunningClock(Clock);
        var later = await PutRoundsAsync(Client, stream, 9, 2);
        expected.AddRange(later);

        await WaitForAllAsync(bucket, expected);
        await SettleAsync(Client, stream, bucket);
        var delivered = Delivered(bucket);
        // Neither the never-read shard 0, nor what shards 1 and 2 had delivered, comes again.
        Assert.Equal(expected.Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));
        Assert.Empty(delivered.Intersect(ancient));
        Assert.NotEmpty(delivered.Intersect(old));

        var state = (await Firehose.GetSourceApplicationAsync(name)).State;
        Assert.True(state.Checkpoints[0].ShardEnd, "the shard closed before the delivery stream existed is finished");
    }

    /// <summary>Writes the given events under a persistence id, as an entity of an earlier version would have.</summary>
    private sealed class JournalWriter(string persistenceId, object[] events) : UntypedPersistentActor
    {
        public override string PersistenceId { get; } = persistenceId;

        protected override void OnRecover(object message)
        {
        }

        protected override void OnCommand(object message)
        {
            var replyTo = Sender;
            var left = events.Length;
            PersistAll(events, _ =>
            {
                if (--left == 0) replyTo.Tell("written");
            });
        }
    }
}

public sealed class KinesisStreamAsSourceReshardingSqliteSpec(ITestOutputHelper output)
    : KinesisStreamAsSourceReshardingSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class KinesisStreamAsSourceReshardingPostgreSqlSpec(ITestOutputHelper output)
    : KinesisStreamAsSourceReshardingSpec(output, SpecJournal.PostgreSql);
