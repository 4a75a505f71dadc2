using Akka.Configuration;

namespace ActorStreams.Settings;

/// <summary>
/// How ON_DEMAND streams scale themselves (<c>actorstreams.on-demand</c>). Every <see cref="EvaluationInterval"/>
/// the catalog reads each open shard's write load, averaged over the last <see cref="LoadWindow"/> of the runtime's
/// clock, as a share of one shard's write capacity (the larger of bytes and records). A shard at or above
/// <see cref="SplitThreshold"/> is split in the middle of its hash-key range (the hottest one first, one step per
/// evaluation). When no resharding happened for <see cref="QuietPeriod"/>, two adjacent shards both below
/// <see cref="MergeThreshold"/> are merged, down to <see cref="MinShards"/>.
/// </summary>
public sealed record OnDemandSettings
{
    /// <summary>Creates validated settings.</summary>
    public OnDemandSettings(TimeSpan evaluationInterval, TimeSpan loadWindow, double splitThreshold, double mergeThreshold, TimeSpan quietPeriod,
        int minShards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(evaluationInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(loadWindow, TimeSpan.FromSeconds(1));
        if (splitThreshold is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(splitThreshold), splitThreshold, "must be above 0 and at most 1");
        if (mergeThreshold < 0 || mergeThreshold >= splitThreshold / 2)
            throw new ArgumentOutOfRangeException(nameof(mergeThreshold), mergeThreshold,
                "must be at least 0 and below half the split threshold (two merged shards must not be hot at once)");
        ArgumentOutOfRangeException.ThrowIfLessThan(quietPeriod, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(minShards, 1);
        EvaluationInterval = evaluationInterval;
        LoadWindow = loadWindow;
        SplitThreshold = splitThreshold;
        MergeThreshold = mergeThreshold;
        QuietPeriod = quietPeriod;
        MinShards = minShards;
    }

    /// <summary>How often (real time) the catalog evaluates ON_DEMAND streams.</summary>
    public TimeSpan EvaluationInterval { get; init; }
    /// <summary>The span of the runtime's clock over which a shard's write load is averaged ("sustained" load).</summary>
    public TimeSpan LoadWindow { get; init; }
    /// <summary>Share of one shard's write capacity at or above which a shard splits.</summary>
    public double SplitThreshold { get; init; }
    /// <summary>Share of one shard's write capacity below which two adjacent shards may merge.</summary>
    public double MergeThreshold { get; init; }
    /// <summary>How long (runtime clock) a stream must go without resharding before cold shards merge.</summary>
    public TimeSpan QuietPeriod { get; init; }
    /// <summary>Fewest open shards merging leaves.</summary>
    public int MinShards { get; init; }

    /// <summary>Reads <c>actorstreams.on-demand</c>.</summary>
    public static OnDemandSettings Create(Config config) => new(
        config.GetTimeSpan("evaluation-interval"),
        config.GetTimeSpan("load-window"),
        config.GetDouble("split-threshold"),
        config.GetDouble("merge-threshold"),
        config.GetTimeSpan("quiet-period"),
        config.GetInt("min-shards"));
}
