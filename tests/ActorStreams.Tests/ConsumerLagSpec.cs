using System.Diagnostics.Metrics;
using ActorStreams.Diagnostics;
using ActorStreams.Dsl;
using ActorStreams.Kinesis;
using ActorStreams.Settings;
using Akka.Streams.Dsl;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Consumer lag (<see cref="ActorStreamsClient.GetConsumerLagAsync"/>): an enhanced fan-out consumer's lag is what its
/// last event said, a consumer application's is the age of the first record after its checkpoint, and anonymous
/// polling readers show as the shard's largest iterator age over the last minute. The clock moves only when a test
/// advances it, so every MillisBehindLatest here is known to the millisecond. Events hold at most 2 records.
/// </summary>
public abstract class ConsumerLagSpec(ITestOutputHelper output, SpecJournal journal, bool hotTailOff = false)
    : ActorStreamsSpec(output, journal, """
        actorstreams.throttling.enabled = off
        actorstreams.enhanced-fan-out.max-event-records = 2
        """ + (hotTailOff ? "\nactorstreams.stream-shard.hot-tail-bytes = 0" : ""))
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private async Task PutEachAsync(string stream, params string[] texts)
    {
        foreach (var text in texts) Assert.Equal(0, (await Client.PutRecordsAsync(stream, [Entry("key", text)])).FailedRecordCount);
    }

    [JournalFact]
    public async Task An_enhanced_fan_out_consumer_must_show_the_lag_its_subscription_last_sent_and_stay_listed_after_it_ends()
    {
        var stream = UniqueName("lag-efo");
        await Client.CreateStreamAsync(stream);
        var consumer = await Client.RegisterStreamConsumerAsync(stream, "efo");
        await Client.RegisterStreamConsumerAsync(stream, "idle");
        await PutEachAsync(stream, "a", "b", "c", "d", "e");
        Clock.Advance(TimeSpan.FromSeconds(3));

        var before = await Client.GetConsumerLagAsync(stream);
        Assert.Equal(["efo", "idle"], before.Consumers.Select(c => c.Name));
        Assert.All(before.Consumers, c => Assert.Equal(ConsumerLagKind.EnhancedFanOut, c.Kind));
        Assert.All(before.Consumers, c => Assert.Empty(c.Shards));
        Assert.Equal(1, before.NodesAsked);
        Assert.Equal(1, before.NodesAnswered);

        var events = new List<SubscribeToShardEvent>();
        await using (var subscription = await Client.SubscribeToShardAsync(consumer.ConsumerArn, Shard0, StartingPosition.TrimHorizon))
        {
            var reader = subscription.GetAsyncEnumerator();
            Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Timeout));
            events.Add(reader.Current);
            // Two of five records, all 3 s old: the first event is 3 s behind (so is the second, which may already be emitted).
            Assert.Equal(3000, reader.Current.MillisBehindLatest);
            var during = await Client.GetConsumerLagAsync(stream);
            var shard = Assert.Single(during.Consumers.Single(c => c.Name == "efo").Shards);
            Assert.Equal(new StreamShardId(0), shard.ShardId);
            Assert.Equal(3000, shard.MillisBehindLatest);
            Assert.True(shard.Active);
            Assert.Equal(consumer.ConsumerArn, during.Consumers.Single(c => c.Name == "efo").ConsumerArn);
            Assert.Empty(during.Consumers.Single(c => c.Name == "idle").Shards);
            Assert.Equal(3000, GaugeValue("actorstreams.consumer.lag", stream, "efo"));

            // Read to the tip: the last event says 0 and carries the last continuation.
            while (events.Sum(e => e.Records.Count) < 5)
            {
                Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Timeout));
                events.Add(reader.Current);
            }
            Assert.Equal(0, events[^1].MillisBehindLatest);
            await AwaitAssertAsync(async () =>
            {
                var caughtUp = Assert.Single((await Client.GetConsumerLagAsync(stream)).Consumers.Single(c => c.Name == "efo").Shards);
                Assert.Equal(0, caughtUp.MillisBehindLatest);
                Assert.Equal(events[^1].ContinuationSequenceNumber, caughtUp.SequenceNumber);
            }, Timeout);
        }

        await AwaitAssertAsync(async () =>
        {
            var ended = Assert.Single((await Client.GetConsumerLagAsync(stream)).Consumers.Single(c => c.Name == "efo").Shards);
            Assert.False(ended.Active);
            Assert.Equal(events[^1].ContinuationSequenceNumber, ended.SequenceNumber);
        }, Timeout);
        Assert.Null(GaugeValue("actorstreams.consumer.lag", stream, "efo"));
    }

    [JournalFact]
    public async Task Polling_readers_must_show_as_the_largest_iterator_age_of_the_last_minute()
    {
        var stream = UniqueName("lag-poll");
        await Client.CreateStreamAsync(stream, shardCount: 2);
        await Client.PutRecordsAsync(stream, Enumerable.Range(0, 20).Select(i => Entry($"k{i}", $"r{i}", "0")).ToList());
        Clock.Advance(TimeSpan.FromSeconds(4));

        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);
        var first = await Client.GetRecordsAsync(iterator, limit: 1);
        Assert.Single(first.Records);
        Assert.Equal(4000, first.MillisBehindLatest);
        var rest = await Client.GetRecordsAsync(first.NextShardIterator!);
        Assert.Equal(0, rest.MillisBehindLatest);

        var lag = await Client.GetConsumerLagAsync(stream);
        var age = Assert.Single(lag.IteratorAges);
        Assert.Equal(new StreamShardId(0), age.ShardId);
        Assert.Equal(4000, age.MaxMillisBehindLatest);
        Assert.Equal(0, age.LastMillisBehindLatest);
        Assert.Equal(Clock.GetUtcNow().ToUnixTimeMilliseconds(), age.LastReadAt.ToUnixTimeMilliseconds());
        Assert.Empty(lag.Consumers);
        Assert.Equal(4000, GaugeValue("actorstreams.iterator.age.max", stream, null));

        // A minute without reads: the shard's readers are gone.
        Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Empty((await Client.GetConsumerLagAsync(stream)).IteratorAges);
        Assert.Null(GaugeValue("actorstreams.iterator.age.max", stream, null));
    }

    [JournalFact]
    public async Task A_consumer_application_must_show_the_age_of_the_first_record_after_its_checkpoint()
    {
        var stream = UniqueName("lag-app");
        await Client.CreateStreamAsync(stream);
        await PutEachAsync(stream, "r0");
        Clock.Advance(TimeSpan.FromSeconds(2));
        await PutEachAsync(stream, "r1", "r2");
        Clock.Advance(TimeSpan.FromSeconds(5));

        // The member commits r0 only: its checkpoint is just after r0, so r1, written 5 s ago, is the first unprocessed record.
        var control = KinesisSource.Committable(Sys, stream, "billing")
            .Where(r => Text(r.Record.Data) == "r0")
            .Select(r => (ICommittable)r)
            .ToMaterialized(Committer.Sink(new CommitterSettings(maxBatch: 1, maxInterval: TimeSpan.FromMilliseconds(10), parallelism: 1)), Keep.Left)
            .Run(Materializer);
        try
        {
            await AwaitAssertAsync(async () =>
            {
                var app = Assert.Single((await Client.GetConsumerLagAsync(stream)).Consumers);
                Assert.Equal(ConsumerLagKind.ConsumerApplication, app.Kind);
                Assert.Equal("billing", app.Name);
                Assert.Null(app.ConsumerArn);
                var shard = Assert.Single(app.Shards);
                if (hotTailOff)
                {
                    // Only r2's event is in memory: the checkpoint's event (r0's) is dated by the time index, which cannot tell
                    // whether r0 was its last record, so the lag is the upper bound from r0's arrival, 7 s ago.
                    Assert.Equal(7000, shard.MillisBehindLatest);
                    Assert.True(shard.Approximate);
                }
                else
                {
                    Assert.Equal(5000, shard.MillisBehindLatest);
                    Assert.False(shard.Approximate);
                }
                Assert.True(shard.Active);
                var state = await Client.Extension.ConsumerApplications.GetAsync(stream, "billing", CancellationToken.None);
                Assert.Equal(state.Checkpoints[0].Position.Format(new StreamShardId(state.Checkpoints[0].ShardIndex)), shard.SequenceNumber);
            }, Timeout);
        }
        finally
        {
            control.Stop();
        }

        // A second member of the same application that commits everything: the checkpoint reaches the tip, the lag 0.
        var second = KinesisSource.Committable(Sys, stream, "billing")
            .Select(r => (ICommittable)r)
            .ToMaterialized(Committer.Sink(new CommitterSettings(maxBatch: 1, maxInterval: TimeSpan.FromMilliseconds(10), parallelism: 1)), Keep.Left)
            .Run(Materializer);
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var shard = (await Client.GetConsumerLagAsync(stream)).Consumers.Single().Shards.SingleOrDefault();
                if (shard is { MillisBehindLatest: 0 }) return;
                // The first member's lease runs out on the runtime clock before the second one gets the shard.
                Clock.Advance(TimeSpan.FromSeconds(2));
                await Task.Delay(300);
            }
            Assert.Fail("the checkpoint never reached the tip");
        }
        finally
        {
            second.Stop();
        }
    }

    /// <summary>The value a consumer-lag gauge reports now for <paramref name="stream"/> (and consumer), or null when it reports none.</summary>
    private static long? GaugeValue(string instrument, string stream, string? consumer)
    {
        long? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == ActorStreamsMetrics.MeterName && i.Name == instrument) l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, tags, _) =>
        {
            string? s = null, c = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "stream") s = tag.Value as string;
                if (tag.Key == "consumer") c = tag.Value as string;
            }
            if (s == stream && c == consumer) value = measurement;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}

public sealed class ConsumerLagSqliteSpec(ITestOutputHelper output) : ConsumerLagSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class ConsumerLagPostgreSqlSpec(ITestOutputHelper output) : ConsumerLagSpec(output, SpecJournal.PostgreSql);

/// <summary>Every consumer lag spec again with only the newest event in memory: checkpoints are dated by the time index.</summary>
public sealed class ConsumerLagFromJournalSpec(ITestOutputHelper output) : ConsumerLagSpec(output, SpecJournal.Sqlite, hotTailOff: true);
