using System.Collections.Immutable;
using ActorStreams.Dsl;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Subscriptions;
using ActorStreams.TestSupport;
using Akka.Actor;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Enhanced fan-out (SubscribeToShard): every starting position, continuations, live pushes, the resubscribe rule,
/// expiry on the runtime's clock, errors, and a subscriber too slow for its buffer. Events hold at most 2 records
/// here, so continuations fall between records, and the live buffer is small, so a slow subscriber is detached.
/// The clock stands still unless a test moves it; moving it may produce heartbeat events without records, which
/// the helpers skip.
/// </summary>
public abstract class SubscribeToShardSpec(ITestOutputHelper output, SpecJournal journal, string? config = null)
    : ActorStreamsSpec(output, journal, config ?? SpecConfigText)
{
    protected const string SpecConfigText = """
        actorstreams.enhanced-fan-out.max-event-records = 2
        actorstreams.enhanced-fan-out.buffer-bytes = 4 KiB
        """;

    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    protected static string StreamArn(string stream) => $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}";

    protected async Task<(string Stream, string ConsumerArn)> StreamWithConsumerAsync(string prefix)
    {
        var stream = UniqueName(prefix);
        await Client.CreateStreamAsync(stream);
        var consumer = await Client.RegisterStreamConsumerAsync(StreamArn(stream), "efo");
        return (stream, consumer.ConsumerArn);
    }

    /// <summary>Puts each text in its own PutRecords call, so each is its own journal event; returns the sequence numbers.</summary>
    protected async Task<List<string>> PutEachAsync(string stream, params string[] texts)
    {
        var sequenceNumbers = new List<string>();
        foreach (var text in texts)
        {
            var result = await Client.PutRecordsAsync(stream, [Entry("key", text)]);
            Assert.Equal(0, result.FailedRecordCount);
            sequenceNumbers.Add(result.Records[0].SequenceNumber!);
        }
        return sequenceNumbers;
    }

    /// <summary>Reads events until <paramref name="records"/> records have arrived; returns the events that carried records.</summary>
    protected static async Task<List<SubscribeToShardEvent>> EventsAsync(IAsyncEnumerator<SubscribeToShardEvent> events, int records)
    {
        var list = new List<SubscribeToShardEvent>();
        var seen = 0;
        while (seen < records)
        {
            Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout), $"the subscription ended after {seen} of {records} records");
            var e = events.Current;
            Assert.Empty(e.ChildShards);
            Assert.NotNull(e.ContinuationSequenceNumber);
            if (e.Records.Count == 0) continue;
            list.Add(e);
            seen += e.Records.Count;
        }
        Assert.Equal(records, seen);
        return list;
    }

    /// <summary>The shard's own account of its subscriptions.</summary>
    private protected async Task<ShardSubscriptionStats> StatsAsync(string stream)
    {
        var route = await Client.Extension.Router.GetRouteAsync(stream, CancellationToken.None);
        // Short: a question sent while the entity is being restarted is lost, and AwaitAssertAsync asks again.
        return await Client.Extension.SubscribeToShard.ShardRegion.Ask<ShardSubscriptionStats>(new GetShardSubscriptionStats(route.EntityId(0, "000000000000")), TimeSpan.FromSeconds(2));
    }

    protected static List<string> Texts(IEnumerable<SubscribeToShardEvent> events) =>
        events.SelectMany(e => e.Records).Select(r => Text(r.Data)).ToList();

    [JournalFact]
    public async Task Subscription_must_deliver_history_from_TRIM_HORIZON_then_records_pushed_as_they_are_appended()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-th");
        var history = await PutEachAsync(stream, "a", "b", "c");

        await using var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.TrimHorizon);
        await using var events = subscription.GetAsyncEnumerator();
        var old = await EventsAsync(events, 3);
        Assert.Equal(["a", "b", "c"], Texts(old));
        Assert.Equal(history, old.SelectMany(e => e.Records).Select(r => r.SequenceNumber));
        foreach (var e in old) Assert.Equal(e.Records[^1].SequenceNumber, e.ContinuationSequenceNumber);
        Assert.Equal(0, old[^1].MillisBehindLatest);

        // Live: each put reaches the open subscription, in order, with nothing read twice.
        var live = await PutEachAsync(stream, "d", "e");
        var fresh = await EventsAsync(events, 2);
        Assert.Equal(["d", "e"], Texts(fresh));
        Assert.Equal(live, fresh.SelectMany(e => e.Records).Select(r => r.SequenceNumber));
        Assert.All(fresh, e => Assert.Equal(0, e.MillisBehindLatest));
        Assert.All(fresh.SelectMany(e => e.Records), r => Assert.Equal(new StreamShardId(0), r.ShardId));
        var more = await Client.PutRecordsAsync(stream, [Entry("k1", "f"), Entry("k2", "g"), Entry("k3", "h")]);
        var batch = await EventsAsync(events, 3);
        Assert.Equal(["f", "g", "h"], Texts(batch));
        Assert.Equal(more.Records[^1].SequenceNumber, batch[^1].ContinuationSequenceNumber);
    }

    [JournalFact]
    public async Task Subscription_must_start_at_every_starting_position()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-pos");
        var seq = await PutEachAsync(stream, "r0", "r1", "r2");
        Clock.Advance(TimeSpan.FromSeconds(3));
        var secondBatchTime = Clock.GetUtcNow();
        seq.AddRange(await PutEachAsync(stream, "r3", "r4"));

        async Task<List<string>> ReadAsync(StartingPosition start, int expected, Func<Task>? afterStart = null)
        {
            Clock.Advance(KinesisLimits.ResubscribeInterval); // one subscription of this consumer after another
            await using var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, start);
            await using var events = subscription.GetAsyncEnumerator();
            if (afterStart is not null) await afterStart();
            return Texts(await EventsAsync(events, expected));
        }

        Assert.Equal(["r0", "r1", "r2", "r3", "r4"], await ReadAsync(StartingPosition.TrimHorizon, 5));
        Assert.Equal(["r1", "r2", "r3", "r4"], await ReadAsync(StartingPosition.AtSequenceNumber(seq[1]), 4));
        Assert.Equal(["r2", "r3", "r4"], await ReadAsync(StartingPosition.AfterSequenceNumber(seq[1]), 3));
        Assert.Equal(["r3", "r4"], await ReadAsync(StartingPosition.AtTimestamp(secondBatchTime), 2));
        Assert.Equal(["r5", "r6"], await ReadAsync(StartingPosition.Latest, 2, () => PutEachAsync(stream, "r5", "r6")));
        // AT_TIMESTAMP in the future: only records that arrive at or after it.
        var future = Clock.GetUtcNow() + KinesisLimits.ResubscribeInterval + TimeSpan.FromSeconds(10);
        Assert.Equal(["r8"], await ReadAsync(StartingPosition.AtTimestamp(future), 1, async () =>
        {
            await PutEachAsync(stream, "r7");
            Clock.Advance(TimeSpan.FromSeconds(11));
            await PutEachAsync(stream, "r8");
        }));
    }

    [JournalFact]
    public async Task Continuation_must_resume_exactly_after_with_AFTER_and_at_the_last_record_with_AT()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-cont");
        await PutEachAsync(stream, "c0", "c1", "c2", "c3", "c4");
        Clock.Advance(TimeSpan.FromSeconds(10));

        string continuation;
        await using (var first = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.TrimHorizon))
        {
            await using var events = first.GetAsyncEnumerator();
            var firstEvent = (await EventsAsync(events, 2)).Single();
            Assert.Equal(["c0", "c1"], Texts([firstEvent]));
            // Written 10 s ago by the runtime's clock, with more after them: that far behind; the last event catches up.
            Assert.Equal(10_000, firstEvent.MillisBehindLatest);
            var rest = await EventsAsync(events, 3);
            Assert.Equal(10_000, rest[0].MillisBehindLatest);
            Assert.Equal(0, rest[^1].MillisBehindLatest);
            continuation = firstEvent.ContinuationSequenceNumber!;
            Assert.Equal(firstEvent.Records[^1].SequenceNumber, continuation);
        }

        Clock.Advance(KinesisLimits.ResubscribeInterval);
        await using (var after = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.AfterSequenceNumber(continuation)))
        {
            await using var events = after.GetAsyncEnumerator();
            Assert.Equal(["c2", "c3", "c4"], Texts(await EventsAsync(events, 3)));
        }

        Clock.Advance(KinesisLimits.ResubscribeInterval);
        await using (var at = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.AtSequenceNumber(continuation)))
        {
            await using var events = at.GetAsyncEnumerator();
            Assert.Equal(["c1", "c2", "c3", "c4"], Texts(await EventsAsync(events, 4)));
        }
    }

    [JournalFact]
    public async Task Continuation_of_an_event_without_records_must_resume_at_the_next_record()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-hb");
        await PutEachAsync(stream, "before");

        string continuation;
        await using (var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest))
        {
            await using var events = subscription.GetAsyncEnumerator();
            var heartbeat = events.MoveNextAsync().AsTask();
            // Idle at the tip: after the heartbeat interval an event without records reports where the subscription is.
            while (!heartbeat.IsCompleted)
            {
                Clock.Advance(TimeSpan.FromSeconds(1));
                await Task.WhenAny(heartbeat, Task.Delay(50));
            }
            Assert.True(await heartbeat);
            Assert.Empty(events.Current.Records);
            Assert.Equal(0, events.Current.MillisBehindLatest);
            continuation = events.Current.ContinuationSequenceNumber!;
            Assert.NotNull(continuation);
        }

        await PutEachAsync(stream, "after-1", "after-2");
        Clock.Advance(KinesisLimits.ResubscribeInterval);
        await using var resumed = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.AfterSequenceNumber(continuation));
        await using var resumedEvents = resumed.GetAsyncEnumerator();
        Assert.Equal(["after-1", "after-2"], Texts(await EventsAsync(resumedEvents, 2)));
    }

    [JournalFact]
    public async Task Second_subscription_within_5_seconds_must_be_ResourceInUse_and_a_later_one_must_take_over()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-inuse");
        await using var first = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest);
        await using var firstEvents = first.GetAsyncEnumerator();
        var firstNext = firstEvents.MoveNextAsync().AsTask();

        await Assert.ThrowsAsync<ResourceInUseException>(() => Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest));
        Clock.Advance(TimeSpan.FromSeconds(4));
        await Assert.ThrowsAsync<ResourceInUseException>(() => Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest));

        // Another consumer has its own slot.
        var other = await Client.RegisterStreamConsumerAsync(StreamArn(stream), "other");
        await using (await Client.SubscribeToShardAsync(other.ConsumerArn, Shard0, StartingPosition.Latest))
        {
        }

        Clock.Advance(TimeSpan.FromSeconds(1));
        await using var second = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest);
        await Assert.ThrowsAsync<ResourceInUseException>(async () =>
        {
            // The first may have a heartbeat event queued; it ends with the takeover either way.
            while (await firstNext.WaitAsync(Timeout)) firstNext = firstEvents.MoveNextAsync().AsTask();
        });

        await using var secondEvents = second.GetAsyncEnumerator();
        await PutEachAsync(stream, "x");
        Assert.Equal(["x"], Texts(await EventsAsync(secondEvents, 1)));
    }

    [JournalFact]
    public async Task Subscription_must_complete_when_its_lifetime_on_the_runtime_clock_is_over()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-exp");
        await using var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.TrimHorizon);
        await using var events = subscription.GetAsyncEnumerator();
        await PutEachAsync(stream, "one");
        Assert.Equal(["one"], Texts(await EventsAsync(events, 1)));

        Clock.Advance(TimeSpan.FromMinutes(4));
        await PutEachAsync(stream, "two");
        Assert.Equal(["two"], Texts(await EventsAsync(events, 1)));

        Clock.Advance(TimeSpan.FromMinutes(1));
        // Heartbeats may come first; then the end.
        while (await events.MoveNextAsync().AsTask().WaitAsync(Timeout)) Assert.Empty(events.Current.Records);

        // The slot is free again (the resubscribe interval has long passed).
        await using var again = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest);
    }

    [JournalFact]
    public async Task Subscription_must_fail_with_typed_errors_before_it_starts()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-err");
        var seq = await PutEachAsync(stream, "only");

        await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            Client.SubscribeToShardAsync($"{StreamArn(stream)}/consumer/never:1700000000", Shard0, StartingPosition.Latest));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            Client.SubscribeToShardAsync($"{StreamArn(UniqueName("nostream"))}/consumer/efo:1700000000", Shard0, StartingPosition.Latest));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            Client.SubscribeToShardAsync(consumer, new StreamShardId(7).ToString(), StartingPosition.Latest));
        await Assert.ThrowsAsync<ValidationException>(() => Client.SubscribeToShardAsync("not-an-arn", Shard0, StartingPosition.Latest));
        await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.AtSequenceNumber("12345")));
        var beyond = new SequenceNumber(SequenceNumber.TryParse(seq[0], out var s) ? s.EventNo + 100 : 0, 0).Format(new StreamShardId(0));
        await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.AfterSequenceNumber(beyond)));

        // None of the failed calls took the slot.
        await using var ok = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.TrimHorizon);
        await using var events = ok.GetAsyncEnumerator();
        Assert.Equal(["only"], Texts(await EventsAsync(events, 1)));

        // A deregistered consumer's subscription is not found.
        await Client.DeregisterStreamConsumerAsync(consumer);
        Clock.Advance(KinesisLimits.ResubscribeInterval);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest));
    }

    [JournalFact]
    public async Task Slow_subscriber_must_be_detached_from_pushes_and_catch_up_by_reading_without_loss_or_duplicates()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-slow");
        await using var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest);
        await using var events = subscription.GetAsyncEnumerator();
        // Attached at the tip (no records yet); now write far more than the 4 KiB live buffer while nobody reads.
        await AwaitAssertAsync(async () => Assert.Equal(1, (await StatsAsync(stream)).LiveSubscribers), Timeout);
        var payload = new string('p', 1000);
        var expected = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            if (i % 10 == 9) Clock.Advance(TimeSpan.FromSeconds(1)); // stay within 1 MiB/s and 1,000 records/s of writes
            var text = $"{i:D2}-{payload}";
            expected.AddRange(await PutEachAsync(stream, text));
        }
        var got = (await EventsAsync(events, 30)).SelectMany(e => e.Records).Select(r => r.SequenceNumber).ToList();
        Assert.Equal(expected, got);
        // The shard cut it loose instead of holding more than the 4 KiB buffer (plus the one event that crossed it).
        var stats = await StatsAsync(stream);
        Assert.True(stats.Detachments >= 1, $"never detached: {stats}");
        Assert.InRange(stats.MaxInFlightBytes, 1, 4 * 1024 + 1100);
        // And it is live again afterwards.
        var later = await PutEachAsync(stream, "later");
        Assert.Equal(later, (await EventsAsync(events, 1)).SelectMany(e => e.Records).Select(r => r.SequenceNumber));
    }

    [JournalFact]
    public async Task Live_records_must_be_pushed_by_the_shard_without_a_single_read()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-push");
        await using var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest);
        await using var events = subscription.GetAsyncEnumerator();
        await AwaitAssertAsync(async () => Assert.Equal(1, (await StatsAsync(stream)).LiveSubscribers), Timeout);
        var readsWhenAttached = (await StatsAsync(stream)).Reads;
        Assert.InRange(readsWhenAttached, 1, 3); // LATEST at an empty tip: one read found nothing, then it attached

        var written = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            written.AddRange(await PutEachAsync(stream, $"live-{i}"));
            // Consumed as they come, so the subscriber never falls behind its buffer and stays attached.
            Assert.Equal(written.Skip(written.Count - 1), (await EventsAsync(events, 1)).SelectMany(e => e.Records).Select(r => r.SequenceNumber));
        }
        var after = await StatsAsync(stream);
        Assert.Equal(readsWhenAttached, after.Reads);
        Assert.Equal(0, after.Detachments);
    }

    [JournalFact]
    public async Task A_subscriber_forgotten_by_a_restarted_shard_must_read_on_after_its_next_heartbeat()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-restart");
        await using var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest);
        await using var events = subscription.GetAsyncEnumerator();
        await AwaitAssertAsync(async () => Assert.Equal(1, (await StatsAsync(stream)).LiveSubscribers), Timeout);

        // The shard entity crashes and recovers from its journal: it no longer knows its live subscribers.
        Sys.ActorSelection("/system/sharding/actorstreams-stream-shard/*/*").Tell(Kill.Instance);
        await AwaitAssertAsync(async () => Assert.Equal(0, (await StatsAsync(stream)).LiveSubscribers), Timeout);
        var written = await PutEachAsync(stream, "after-restart-1", "after-restart-2");

        var next = events.MoveNextAsync().AsTask();
        // With the clock standing still no timer fires, so only a push could bring a record; and the shard, which took
        // both writes before this query, has nobody to push to.
        Assert.Equal(0, (await StatsAsync(stream)).LiveSubscribers);
        Assert.False(next.IsCompleted, "a record arrived although nobody pushes to this subscriber");
        Clock.Advance(ActorStreamsExtension.Get(Sys).Settings.EnhancedFanOut.HeartbeatInterval);
        Assert.True(await next.WaitAsync(Timeout));
        var got = events.Current.Records.Select(r => r.SequenceNumber).ToList();
        if (got.Count < written.Count) got.AddRange((await EventsAsync(events, written.Count - got.Count)).SelectMany(e => e.Records).Select(r => r.SequenceNumber));
        Assert.Equal(written, got);
    }

    [JournalFact]
    public async Task Deleting_the_stream_must_end_its_subscriptions_with_ResourceNotFound()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-del");
        await using var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest);
        await using var events = subscription.GetAsyncEnumerator();
        await PutEachAsync(stream, "last");
        Assert.Equal(["last"], Texts(await EventsAsync(events, 1)));

        await Client.DeleteStreamAsync(stream);
        await Assert.ThrowsAsync<ResourceNotFoundException>(async () =>
        {
            while (await events.MoveNextAsync().AsTask().WaitAsync(Timeout)) Assert.Empty(events.Current.Records);
        });
    }

    [JournalFact]
    public async Task Deregistering_the_consumer_must_end_its_subscription_at_the_next_heartbeat()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-dereg");
        await using var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest);
        await using var events = subscription.GetAsyncEnumerator();
        await AwaitAssertAsync(async () => Assert.Equal(1, (await StatsAsync(stream)).LiveSubscribers), Timeout);

        await Client.DeregisterStreamConsumerAsync(consumer);
        var ended = Assert.ThrowsAsync<ResourceNotFoundException>(async () =>
        {
            while (await events.MoveNextAsync()) Assert.Empty(events.Current.Records);
        });
        await Eventually.EventuallyAsync(() =>
        {
            if (ended.IsCompleted) return true;
            Clock.Advance(TimeSpan.FromSeconds(1));
            return false;
        }, "the subscription to end", Timeout);
        await ended.WaitAsync(Timeout);
    }

    [JournalFact]
    public async Task Ending_a_subscription_must_free_its_slot_and_stop_the_pushes()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-end");
        var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest);
        await using (var events = subscription.GetAsyncEnumerator())
        {
            await PutEachAsync(stream, "x");
            Assert.Equal(["x"], Texts(await EventsAsync(events, 1)));
        }
        var before = await StatsAsync(stream);
        Assert.Equal((1, 1, 0), (before.HeldSlots, before.LiveSubscribers, before.Detachments));

        await subscription.DisposeAsync();
        await AwaitAssertAsync(async () =>
        {
            var stats = await StatsAsync(stream);
            Assert.Equal(0, stats.HeldSlots);
            Assert.Equal(0, stats.LiveSubscribers);
        }, Timeout);
        // The interval still runs from the start of the ended subscription.
        await Assert.ThrowsAsync<ResourceInUseException>(() => Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest));
    }

    [JournalFact]
    public async Task Subscription_to_a_shard_that_is_split_must_end_after_its_last_record_with_the_children()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-split");
        await PutEachAsync(stream, "a", "b");
        await using var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.TrimHorizon);
        await using var events = subscription.GetAsyncEnumerator();
        Assert.Equal(["a", "b"], Texts(await EventsAsync(events, 2)));

        await Client.SplitShardAsync(stream, Shard0, (UInt128.One << 127).ToString());
        await PutEachAsync(stream, "to-a-child"); // the parent is closed: this goes to a child, not to this subscription

        // The closing shard detaches its live subscribers, which read to its end and get the children there (a
        // heartbeat's catalog look-up is the fallback; heartbeats fired by moving the clock may come first).
        SubscribeToShardEvent? last = null;
        for (var i = 0; i < 200 && last is null; i++)
        {
            if (i > 0) await Task.Delay(25);
            Clock.Advance(TimeSpan.FromSeconds(5));
            Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout), "the subscription ended without its children");
            Assert.Empty(events.Current.Records);
            if (events.Current.ChildShards.Count > 0) last = events.Current;
        }
        Assert.NotNull(last);
        Assert.Null(last!.ContinuationSequenceNumber);
        Assert.Equal([new StreamShardId(1), new StreamShardId(2)], last.ChildShards.Select(c => c.ShardId));
        Assert.All(last.ChildShards, c => Assert.Equal([new StreamShardId(0)], c.ParentShards));
        Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(Timeout));
    }

    [JournalFact]
    public async Task Subscriptions_to_merged_parents_must_read_each_to_its_end_and_name_the_child_with_both_parents()
    {
        var stream = UniqueName("efo-merge");
        await Client.CreateStreamAsync(stream, 2);
        var consumer = (await Client.RegisterStreamConsumerAsync(StreamArn(stream), "efo")).ConsumerArn;
        var upper = (UInt128.One << 127).ToString();
        await Client.PutRecordsAsync(stream, [Entry("k", "low-1", "0"), Entry("k", "high-1", upper)]);
        await Client.PutRecordsAsync(stream, [Entry("k", "low-2", "1"), Entry("k", "high-2", upper)]);

        // Subscribed to the lower parent before the merge: live there when it closes.
        var live = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.TrimHorizon);
        await using var liveEvents = live.GetAsyncEnumerator();
        Assert.Equal(["low-1", "low-2"], Texts(await EventsAsync(liveEvents, 2)));

        await Client.MergeShardsAsync(stream, Shard0, new StreamShardId(1).ToString());
        var child = Assert.Single(await Client.ListShardsAsync(stream), d => d.IsOpen);
        Assert.Equal(new StreamShardId(2), child.ShardId);

        async Task<SubscribeToShardEvent> EndAsync(IAsyncEnumerator<SubscribeToShardEvent> events)
        {
            // The shard detaches its subscribers when it closes: no heartbeat (the clock stands still) is needed.
            Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout), "the subscription ended without its children");
            var end = events.Current;
            Assert.Empty(end.Records);
            Assert.Null(end.ContinuationSequenceNumber);
            Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(Timeout));
            return end;
        }

        var lowerEnd = await EndAsync(liveEvents);
        var named = Assert.Single(lowerEnd.ChildShards);
        Assert.Equal(new StreamShardId(2), named.ShardId);
        Assert.Equal([new StreamShardId(0), new StreamShardId(1)], named.ParentShards);
        Assert.Equal(child.HashKeyRange, named.HashKeyRange);

        // Subscribed to the upper parent after it closed: catches up by reading, then the same end.
        await using var late = await Client.SubscribeToShardAsync(consumer, new StreamShardId(1).ToString(), StartingPosition.TrimHorizon);
        await using var lateEvents = late.GetAsyncEnumerator();
        Assert.Equal(["high-1", "high-2"], Texts(await EventsAsync(lateEvents, 2)));
        Assert.Equal(lowerEnd.ChildShards, (await EndAsync(lateEvents)).ChildShards, new ChildShardComparer());
        await live.DisposeAsync();
    }

    private sealed class ChildShardComparer : IEqualityComparer<ChildShard>
    {
        public bool Equals(ChildShard? x, ChildShard? y) =>
            x is not null && y is not null && x.ShardId == y.ShardId && x.HashKeyRange == y.HashKeyRange && x.ParentShards.SequenceEqual(y.ParentShards);

        public int GetHashCode(ChildShard obj) => obj.ShardId.GetHashCode();
    }

    [JournalFact]
    public async Task KinesisSource_SubscribeToShard_must_emit_events_and_fail_with_typed_errors()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-src");
        await PutEachAsync(stream, "s0", "s1", "s2");
        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var (control, probe) = KinesisSource.SubscribeToShard(Sys, consumer, new StreamShardId(0), StartingPosition.TrimHorizon)
                .ToMaterialized(this.SinkProbe<SubscribeToShardEvent>(), Keep.Both).Run(Materializer);
            probe.Request(10);
            var first = await probe.ExpectNextAsync(Timeout);
            var second = await probe.ExpectNextAsync(Timeout);
            Assert.Equal(["s0", "s1", "s2"], Texts([first, second]));
            await PutEachAsync(stream, "s3");
            Assert.Equal(["s3"], Texts([await probe.ExpectNextAsync(Timeout)]));
            control.Stop();
            await probe.ExpectCompleteAsync();
        }, Materializer);

        Clock.Advance(KinesisLimits.ResubscribeInterval);
        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var (control, probe) = KinesisSource.SubscribeToShard(Sys, consumer, new StreamShardId(3), StartingPosition.Latest)
                .ToMaterialized(this.SinkProbe<SubscribeToShardEvent>(), Keep.Both).Run(Materializer);
            probe.Request(1);
            Assert.IsType<ResourceNotFoundException>(await probe.ExpectErrorAsync());
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => control.Completion.WaitAsync(Timeout));
        }, Materializer);
    }
}

public sealed class SubscribeToShardSqliteSpec(ITestOutputHelper output) : SubscribeToShardSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class SubscribeToShardPostgreSqlSpec(ITestOutputHelper output) : SubscribeToShardSpec(output, SpecJournal.PostgreSql);

/// <summary>Every subscription spec again with no hot tail beyond the newest event: catching up reads the journal.</summary>
public sealed class SubscribeToShardFromJournalSpec(ITestOutputHelper output)
    : SubscribeToShardSpec(output, SpecJournal.Sqlite, SpecConfigText + "\nactorstreams.stream-shard.hot-tail-bytes = 0");

/// <summary>The consumer's own read throughput: here 1 KiB/s, so the second event waits for the clock to move.</summary>
public sealed class SubscribeToShardThrottlingSpec(ITestOutputHelper output) : ActorStreamsSpec(output, SpecJournal.Sqlite, """
    actorstreams.enhanced-fan-out.max-event-records = 2
    actorstreams.throttling.subscription-bytes-per-second = 1 KiB
    """)
{
    [Fact]
    public async Task Subscription_must_wait_for_the_consumers_read_capacity()
    {
        var stream = UniqueName("efo-thr");
        await Client.CreateStreamAsync(stream);
        var consumer = await Client.RegisterStreamConsumerAsync($"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}", "slowpoke");
        var payload = new string('t', 600);
        for (var i = 0; i < 4; i++) await Client.PutRecordsAsync(stream, [Entry("k", $"{i}{payload}")]);

        await using var subscription = await Client.SubscribeToShardAsync(consumer.ConsumerArn, Shard0, StartingPosition.TrimHorizon);
        await using var events = subscription.GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal(2, events.Current.Records.Count); // 1.2 KiB: a full bucket lets one event over the rate through

        var second = events.MoveNextAsync().AsTask();
        await Task.Delay(500); // a quiet window: with the clock standing still the throttle must hold the second event
        Assert.False(second.IsCompleted, "the second event came before the consumer's read capacity refilled");
        Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal(["2", "3"], events.Current.Records.Select(r => Text(r.Data)[..1]));
    }
}

/// <summary>The ChildShards of a subscription's last event, from the stream's shard lineage.</summary>
public sealed class SubscriptionChildShardsSpec
{
    [Fact]
    public void Child_shards_must_come_from_the_stream_lineage()
    {
        var all = HashKeyRange.All;
        var low = new HashKeyRange(UInt128.Zero, UInt128.MaxValue / 2);
        var high = new HashKeyRange(UInt128.MaxValue / 2 + 1, UInt128.MaxValue);
        var entry = new StreamEntry("s", 1, StreamStatus.Active, StreamMode.Provisioned, 24, 0,
            [
                new ShardEntry(0, all, null, null, 10),
                new ShardEntry(1, low, 0, null, 20),
                new ShardEntry(2, high, 0, null, 20),
                new ShardEntry(3, all, 1, 2, null),
            ],
            ImmutableSortedDictionary<string, string>.Empty, []);

        var split = SubscribeToShardCalls.ChildShardsOf(entry, 0);
        Assert.Equal([new StreamShardId(1), new StreamShardId(2)], split.Select(c => c.ShardId));
        Assert.Equal(low, split[0].HashKeyRange);
        Assert.Equal([new StreamShardId(0)], split[0].ParentShards);
        var merged = Assert.Single(SubscribeToShardCalls.ChildShardsOf(entry, 2));
        Assert.Equal(new StreamShardId(3), merged.ShardId);
        Assert.Equal([new StreamShardId(1), new StreamShardId(2)], merged.ParentShards);
        Assert.Empty(SubscribeToShardCalls.ChildShardsOf(entry, 3));
    }
}
