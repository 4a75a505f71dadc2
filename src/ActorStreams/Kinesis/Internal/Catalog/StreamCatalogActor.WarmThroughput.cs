using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// Warm throughput: an ON_DEMAND stream given a write throughput to be ready for (UpdateStreamWarmThroughput, or
/// WarmThroughputMiBps on CreateStream and UpdateStreamMode) gets one open shard per MiB/s of it. The shards it lacks
/// are split in, widest first, through the same journaled resharding as the on-demand scaling policy, whose merges
/// never take the stream below them. As in Kinesis it needs the account's minimum throughput billing commitment.
/// </summary>
internal sealed partial class StreamCatalogActor
{
    /// <summary>What Kinesis refuses before taking a warm throughput for a stream of <paramref name="mode"/>.</summary>
    private void RequireWarmThroughputAllowed(string name, StreamMode mode, int mibps)
    {
        if (mode != StreamMode.OnDemand)
            throw new ValidationException(
                $"Warm throughput is only supported for streams in ON_DEMAND mode; stream {name} under account {_settings.AccountId} is PROVISIONED.");
        if (!CommitmentInEffect)
            throw new InvalidArgumentException(
                $"Warm throughput requires the MinimumThroughputBillingCommitment to be enabled for account {_settings.AccountId} (UpdateAccountSettings).");
        if (mibps > KinesisLimits.MaxWarmThroughputMiBps)
            throw new LimitExceededException(
                $"Warm throughput of {mibps} MiB/s for stream {name} under account {_settings.AccountId} exceeds the limit of {KinesisLimits.MaxWarmThroughputMiBps} MiB/s.");
    }

    private void OnUpdateWarmThroughput(UpdateWarmThroughputCommand cmd)
    {
        var entry = Find(cmd.Name);
        RequireWarmThroughputAllowed(cmd.Name, entry.Mode, cmd.MiBps);
        if (entry.Status != StreamStatus.Active) throw NotActive(entry);
        RequireShardLimit(Math.Max(entry.OpenShardCount, (entry with { WarmThroughputMiBps = cmd.MiBps }).WarmShardCount), entry);
        var replyTo = Sender;
        PersistEvent(new StreamWarmThroughputChanged(cmd.Name, cmd.MiBps), () => PreSplit(cmd.Name, replyTo));
    }

    /// <summary>
    /// Starts splitting the stream up to its <see cref="StreamEntry.WarmShardCount"/> and answers <paramref name="replyTo"/>
    /// with the stream, UPDATING while the splits run.
    /// </summary>
    private void PreSplit(string name, IActorRef? replyTo)
    {
        var ops = WarmSplitPlan(_streams[name]);
        if (ops.IsEmpty)
        {
            MarkUpdating(name);
            replyTo?.Tell(View(_streams[name]));
            return;
        }
        _log.Info("ON_DEMAND stream {0}: warm throughput of {1} MiB/s; splitting {2} shards in", name, _streams[name].WarmThroughputMiBps, ops.Length);
        PersistEvent(new ReshardStarted(name, ops, ScaledAtMs: null), () =>
        {
            MarkUpdating(name);
            replyTo?.Tell(View(_streams[name]));
            RunReshardStep(_streams[name]);
        });
    }

    /// <summary>The splits that give <paramref name="entry"/> its warm shard count: the widest open range split in the middle, again and again.</summary>
    internal static ImmutableArray<ReshardOp> WarmSplitPlan(StreamEntry entry)
    {
        var ranges = entry.Shards.Where(s => s.IsOpen).Select(s => s.HashKeyRange).ToList();
        var ops = ImmutableArray.CreateBuilder<ReshardOp>();
        while (ranges.Count < entry.WarmShardCount)
        {
            var widest = ranges.MaxBy(r => r.EndingHashKey - r.StartingHashKey)!;
            // A split needs a key strictly inside the range, above its first key plus one.
            if (widest.EndingHashKey - widest.StartingHashKey < 3) break;
            var middle = widest.StartingHashKey + (widest.EndingHashKey - widest.StartingHashKey) / 2 + 1;
            ranges.Remove(widest);
            ranges.Add(new HashKeyRange(widest.StartingHashKey, middle - 1));
            ranges.Add(new HashKeyRange(middle, widest.EndingHashKey));
            ops.Add(new ReshardOp(ReshardOpKind.Split, middle));
        }
        return ops.ToImmutable();
    }
}
