using ActorStreams.Dsl;
using Akka.Streams;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.TestKit.Tests;

/// <summary>Two members of a consumer application while the stream doubles, then one member crashes.</summary>
public sealed class ConsumerApplicationScalingTests(ITestOutputHelper output) : ActorStreamsTestKit(output)
{
    [Fact]
    public async Task The_survivor_must_resume_a_crashed_members_shards_with_nothing_lost_and_only_redeliveries()
    {
        await CreateStreamAsync("payments", shardCount: 2);
        var crash = KillSwitches.Shared("member-a");
        var a = ConsumerProbe.Run(this, KinesisSource.Committable(Sys, "payments", "ledger").Via(crash.Flow<CommittableRecord>()));
        var b = ConsumerProbe.Run(this, KinesisSource.Committable(Sys, "payments", "ledger"));

        var load = StartLoad("payments", keys: 20, recordsPerSecond: 100);
        // The members balance at their lease renewals (every 3 s of virtual time): write a second at a time, letting
        // the renewals run, until both read.
        for (var i = 0; i < 60 && (a.Seen.Count == 0 || b.Seen.Count == 0); i++)
        {
            await load.RunForAsync(TimeSpan.FromSeconds(1));
            await Task.Delay(50);
        }
        Assert.NotEmpty(a.Seen);
        Assert.NotEmpty(b.Seen);
        await RescaleAsync("payments", 4);
        await load.RunForAsync(TimeSpan.FromSeconds(10));

        // Member a fails without stopping its source: its leases expire and b takes its shards after the checkpoints.
        crash.Abort(new InvalidOperationException("member a crashed"));
        await load.RunForAsync(TimeSpan.FromSeconds(10));
        await b.AwaitAllAsync(load, TimeSpan.FromSeconds(60), a);

        b.AssertNoLoss(load, a);
        a.AssertPerKeyOrder();
        b.AssertPerKeyOrder();
        // A member's keys may jump ahead when a shard went to the other member and came back, so the replay check
        // (AssertOnlyRedeliveries) applies to a single consumer, not to each member of several.
        b.Control.Stop();
    }
}
