using ActorStreams.Settings;
using Akka;
using Akka.Streams.Dsl;

namespace ActorStreams.Dsl;

/// <summary>
/// Commits what a consumer application processed, in batches: the sink end of a
/// <see cref="KinesisSource.Committable"/> pipeline.
/// </summary>
public static class Committer
{
    /// <summary>
    /// A sink that commits the <see cref="ICommittable"/>s it receives in batches of up to
    /// <see cref="CommitterSettings.MaxBatch"/> or every <see cref="CommitterSettings.MaxInterval"/>; of a batch only the
    /// newest record per shard is sent, in one journal write per application member. Its task completes when every
    /// batch is committed, and fails with the first commit that failed.
    /// </summary>
    public static Sink<ICommittable, Task<Done>> Sink(CommitterSettings settings) =>
        Flow(settings).ToMaterialized(Akka.Streams.Dsl.Sink.Ignore<Done>(), Keep.Right);

    /// <summary>
    /// A flow that commits like <see cref="Sink"/> and emits <see cref="Done"/> after each committed batch, to go on
    /// once commits are durable.
    /// </summary>
    public static Flow<ICommittable, Done, NotUsed> Flow(CommitterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Akka.Streams.Dsl.Flow.Create<ICommittable>()
            .GroupedWithin(settings.MaxBatch, settings.MaxInterval)
            .SelectAsync(settings.Parallelism, async batch =>
            {
                await CommitBatchAsync(batch).ConfigureAwait(false);
                return Done.Instance;
            });
    }

    private static async Task CommitBatchAsync(IEnumerable<ICommittable> batch)
    {
        var others = new List<ICommittable>();
        var byMember = new Dictionary<ConsumerApplicationMember, List<CommittableRecord>>();
        foreach (var item in batch)
        {
            var committable = item switch
            {
                CommittableRecord r => r,
                CommittableUserRecord u => u.Committable,
                _ => null,
            };
            if (committable is { } record)
            {
                if (!byMember.TryGetValue(record.Member, out var list)) byMember[record.Member] = list = new List<CommittableRecord>();
                list.Add(record);
            }
            else others.Add(item);
        }
        await Task.WhenAll(byMember.Select(m => m.Key.CommitAsync(m.Value, CancellationToken.None))).ConfigureAwait(false);
        foreach (var other in others) await other.CommitAsync().ConfigureAwait(false);
    }
}
