using ActorStreams.Internal;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>The per-second window behind the console's rates and the Firehose delivery statistics.</summary>
public sealed class RollingCountersSpec
{
    private const long Start = 1_800_000_000;

    [Fact]
    public void RollingCounters_must_sum_only_the_last_window_of_seconds_and_keep_the_totals()
    {
        var counters = new RollingCounters(2);
        counters.Add(Start, [5, 50]);
        counters.Add(Start + 1, 1, 7);
        counters.Add(Start + 30, [2, 20]);

        var (totals, window) = counters.Sums(Start + 30);
        Assert.Equal([7L, 77L], totals);
        Assert.Equal([7L, 77L], window);

        // At Start + 60 the first second has left the 60-second window; at Start + 61 the second one too.
        Assert.Equal([2L, 27L], counters.Sums(Start + RollingCounters.WindowSeconds).InWindow);
        Assert.Equal([2L, 20L], counters.Sums(Start + RollingCounters.WindowSeconds + 1).InWindow);
        Assert.Equal([7L, 77L], counters.Sums(Start + 1000).Totals);
        Assert.Equal([0L, 0L], counters.Sums(Start + 1000).InWindow);
    }

    [Fact]
    public void RollingCounters_must_reuse_a_bucket_for_a_new_second_without_its_old_counts()
    {
        var counters = new RollingCounters(1);
        counters.Add(Start, [3]);
        // The same slot, one window later: the old count must not leak into the new second.
        counters.Add(Start + RollingCounters.WindowSeconds, [4]);
        var (totals, series) = counters.Snapshot(Start + RollingCounters.WindowSeconds);
        Assert.Equal(7, totals[0]);
        Assert.Equal(RollingCounters.WindowSeconds, series[0].Length);
        Assert.Equal(4, series[0][^1]);
        Assert.Equal(4, series[0].Sum());
        Assert.Equal(Start + RollingCounters.WindowSeconds, counters.LastActivitySecond);
    }
}
