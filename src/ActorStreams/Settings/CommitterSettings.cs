using Akka.Actor;
using Akka.Configuration;

namespace ActorStreams.Settings;

/// <summary>
/// How <see cref="Dsl.Committer"/> batches commits: a batch is committed when it holds <see cref="MaxBatch"/>
/// records or <see cref="MaxInterval"/> after its first one, whichever comes first; only the newest position per
/// shard is sent. Read from <c>actorstreams.committer</c>; change a copy with the <c>With...</c> methods.
/// </summary>
public sealed record CommitterSettings
{
    /// <summary>Creates validated settings.</summary>
    public CommitterSettings(int maxBatch, TimeSpan maxInterval, int parallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        MaxBatch = maxBatch;
        MaxInterval = maxInterval;
        Parallelism = parallelism;
    }

    /// <summary>Most records in one batch.</summary>
    public int MaxBatch { get; }

    /// <summary>Longest a record waits in a batch before the batch is committed (real time).</summary>
    public TimeSpan MaxInterval { get; }

    /// <summary>Batches committed at the same time.</summary>
    public int Parallelism { get; }

    /// <summary>A copy with another batch size.</summary>
    public CommitterSettings WithMaxBatch(int maxBatch) => Copy(maxBatch: maxBatch);

    /// <summary>A copy with another batch interval.</summary>
    public CommitterSettings WithMaxInterval(TimeSpan maxInterval) => Copy(maxInterval: maxInterval);

    /// <summary>A copy with another parallelism.</summary>
    public CommitterSettings WithParallelism(int parallelism) => Copy(parallelism: parallelism);

    private CommitterSettings Copy(int? maxBatch = null, TimeSpan? maxInterval = null, int? parallelism = null) =>
        new(maxBatch ?? MaxBatch, maxInterval ?? MaxInterval, parallelism ?? Parallelism);

    /// <summary>Reads <c>actorstreams.committer</c> of the system's configuration.</summary>
    public static CommitterSettings Create(ActorSystem system) => Create(system.Settings.Config.GetConfig("actorstreams.committer"));

    /// <summary>Reads a <c>committer</c> section, falling back to the embedded defaults.</summary>
    public static CommitterSettings Create(Config? section)
    {
        var c = (section ?? Config.Empty).WithFallback(ActorStreamsConfig.Default.GetConfig("actorstreams.committer"));
        return new CommitterSettings(c.GetInt("max-batch"), c.GetTimeSpan("max-interval"), c.GetInt("parallelism"));
    }
}
