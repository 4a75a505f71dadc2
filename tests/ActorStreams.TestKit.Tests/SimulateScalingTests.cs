using ActorStreams.Dsl;
using ActorStreams.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.TestKit.Tests;

public sealed class SimulateScalingTests(ITestOutputHelper output) : ActorStreamsTestKit(output)
{
    [Fact]
    public async Task Simulate_scaling()
    {
        await CreateStreamAsync("orders", shardCount: 2);

        // A consumer application reads the whole stream and commits what it processed.
        var consumer = ConsumerProbe.Run(this, KinesisSource.Committable(Sys, "orders", "order-processor"));

        // 40 keys at 200 records per second of virtual time; the shards double twice and halve once meanwhile.
        var load = StartLoad("orders", keys: 40, recordsPerSecond: 200);
        await load.RunForAsync(TimeSpan.FromSeconds(5));
        await RescaleAsync("orders", 4);
        await load.RunForAsync(TimeSpan.FromSeconds(5));
        await RescaleAsync("orders", 8);
        await load.RunForAsync(TimeSpan.FromSeconds(5));
        await RescaleAsync("orders", 4);
        await load.RunForAsync(TimeSpan.FromSeconds(5));

        await consumer.AwaitAllAsync(load);
        consumer.AssertNoLoss(load);
        consumer.AssertPerKeyOrder();
        consumer.AssertOnlyRedeliveries();
        Assert.Equal(4, (await OpenShardsAsync("orders")).Count);
    }
}
