using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Subscriptions;
using ActorStreams.TestSupport;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// A SubscribeToShard consumer that does not read: what its subscription holds is drawn from the node's memory budget,
/// stays within <c>enhanced-fan-out.buffer-bytes</c> and within the budget, is given back when the subscription ends,
/// and nothing is lost (the records it could not hold wait in the journal). The hot tail is kept to one record, so
/// the budget's use is the subscription's plus that record.
/// </summary>
public abstract class SubscriptionMemoryBudgetSpec(ITestOutputHelper output, string config)
    : ActorStreamsSpec(output, SpecJournal.Sqlite, config)
{
    protected const string BaseConfig = """
        actorstreams.enhanced-fan-out.max-event-records = 2
        actorstreams.stream-shard.hot-tail-bytes = 1 KiB
        """;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    // "NN-" and 1,000 bytes of payload, with the one-byte partition key.
    private const int RecordBytes = 1004;

    private protected long BudgetUsed => Client.Extension.MemoryBudget.UsedBytes;

    /// <summary>
    /// A consumer subscribes and does not read while 30 records are written: the budget shows what its subscription holds,
    /// within <paramref name="maxHeld"/>; then it reads them all, in order, and ends.
    /// </summary>
    protected async Task StalledSubscriberAsync(string prefix, long maxHeld)
    {
        var (stream, subscription, expected) = await StallAsync(prefix, maxHeld);

        // Nothing lost or repeated: once the consumer reads, it gets every record in order.
        var got = new List<string>();
        await using (var events = subscription.GetAsyncEnumerator())
        {
            while (got.Count < expected.Count)
            {
                Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout), $"ended after {got.Count} records");
                got.AddRange(events.Current.Records.Select(r => r.SequenceNumber));
                Assert.InRange(BudgetUsed, 0, maxHeld + RecordBytes);
            }
        }
        Assert.Equal(expected, got);

        // Ended (and the stream with its hot tail gone): every byte is back.
        await subscription.DisposeAsync();
        await Client.DeleteStreamAsync(stream);
        await AwaitAssertAsync(() => Assert.Equal(0, BudgetUsed), Timeout);
    }

    /// <summary>A stalled subscription that ends with an error (its stream deleted) gives back what it held.</summary>
    protected async Task StalledSubscriberFailingAsync(string prefix, long maxHeld)
    {
        var (stream, subscription, _) = await StallAsync(prefix, maxHeld);
        await Client.DeleteStreamAsync(stream);
        await AwaitAssertAsync(() => Assert.Equal(0, BudgetUsed), Timeout);
        await using var events = subscription.GetAsyncEnumerator();
        await Assert.ThrowsAsync<ResourceNotFoundException>(async () =>
        {
            while (await events.MoveNextAsync().AsTask().WaitAsync(Timeout)) { }
        });
        await subscription.DisposeAsync();
    }

    private async Task<(string Stream, ShardSubscription Subscription, List<string> Expected)> StallAsync(string prefix, long maxHeld)
    {
        var stream = UniqueName(prefix);
        await Client.CreateStreamAsync(stream);
        var consumer = (await Client.RegisterStreamConsumerAsync($"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}", "efo")).ConsumerArn;
        var subscription = await Client.SubscribeToShardAsync(consumer, Shard0, StartingPosition.Latest);
        await AwaitAssertAsync(async () => Assert.Equal(1, (await StatsAsync(stream)).LiveSubscribers), Timeout);
        var expected = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            if (i % 10 == 9) Clock.Advance(TimeSpan.FromSeconds(1)); // stay within the shard's write limits
            var result = await Client.PutRecordsAsync(stream, [Entry("k", $"{i:D2}-{new string('p', 1000)}")]);
            Assert.Equal(0, result.FailedRecordCount);
            expected.Add(result.Records[0].SequenceNumber!);
        }
        // The shard has pushed everything it will (it cut the subscriber loose at its cap, or pushed the 29 after the first, which went out at once); what the
        // subscription took of that is what the budget shows.
        await AwaitAssertAsync(async () =>
        {
            var pushed = await StatsAsync(stream);
            Assert.True(pushed.LiveSubscribers == 0 || pushed.MaxInFlightBytes >= 29 * RecordBytes, pushed.ToString());
        }, Timeout);
        var held = BudgetUsed;
        var stats = await StatsAsync(stream);
        Output.WriteLine($"stalled subscriber: budget used {held} B (hot tail included); shard pushed {stats.MaxInFlightBytes} B unconsumed to it");
        Assert.InRange(held, RecordBytes, maxHeld + RecordBytes);
        return (stream, subscription, expected);
    }

    private async Task<ShardSubscriptionStats> StatsAsync(string stream)
    {
        var route = await Client.Extension.Router.GetRouteAsync(stream, CancellationToken.None);
        return await Client.Extension.SubscribeToShard.ShardRegion.Ask<ShardSubscriptionStats>(new GetShardSubscriptionStats(route.EntityId(0, "000000000000")), TimeSpan.FromSeconds(2));
    }
}

/// <summary>The per-subscription cap binds: 4 KiB of a large budget.</summary>
public sealed class SubscriptionBufferCapSpec(ITestOutputHelper output)
    : SubscriptionMemoryBudgetSpec(output, BaseConfig + "\n" + """
        actorstreams.enhanced-fan-out.buffer-bytes = 4 KiB
        actorstreams.memory-budget = 64 MiB
        """)
{
    [Fact]
    public Task Stalled_subscriber_must_hold_at_most_its_buffer_bytes_from_the_budget_and_give_them_back() =>
        StalledSubscriberAsync("budget-cap", 4 * 1024);

    [Fact]
    public Task Stalled_subscriber_ended_by_an_error_must_give_back_what_it_held() =>
        StalledSubscriberFailingAsync("budget-fail", 4 * 1024);
}

/// <summary>The node budget binds: 6 KiB in all, hot tail included, under a 1 MiB per-subscription cap.</summary>
public sealed class SubscriptionBudgetExhaustedSpec(ITestOutputHelper output)
    : SubscriptionMemoryBudgetSpec(output, BaseConfig + "\n" + """
        actorstreams.enhanced-fan-out.buffer-bytes = 1 MiB
        actorstreams.memory-budget = 6 KiB
        """)
{
    [Fact]
    public Task Stalled_subscriber_must_stop_taking_pushes_when_the_budget_is_spent_and_lose_nothing() =>
        StalledSubscriberAsync("budget-spent", 6 * 1024);
}
