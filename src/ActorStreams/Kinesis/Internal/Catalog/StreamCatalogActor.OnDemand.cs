using System.Collections.Immutable;
using ActorStreams.Kinesis.Internal.Shards;
using Akka.Actor;
using Akka.Event;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// ON_DEMAND streams: UpdateStreamMode, and the scaling policy (see <see cref="Settings.OnDemandSettings"/>). Every
/// evaluation interval the catalog asks the open shards of each ACTIVE on-demand stream for their write load over the
/// load window (the runtime's clock); the hottest shard at or above the split threshold is split in the middle of its
/// range; failing that, once the stream went the quiet period without resharding, the coldest adjacent pair both
/// below the merge threshold (each measured over a whole window) is merged. One step per stream per evaluation,
/// through the same journaled resharding as SplitShard and MergeShards.
/// </summary>
internal sealed partial class StreamCatalogActor
{
    // When each stream last finished a resharding (runtime clock). In memory: after a restart the quiet period starts again.
    private readonly Dictionary<string, long> _lastReshardAtMs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _evaluating = new(StringComparer.Ordinal);

    private sealed record EvaluateOnDemand
    {
        public static readonly EvaluateOnDemand Instance = new();
    }

    private sealed record OnDemandLoads(string Name, long Epoch, IReadOnlyList<ShardLoadResult> Loads, Exception? Failure);

    private void StartOnDemandScaling()
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var name in _streams.Keys) _lastReshardAtMs.TryAdd(name, now);
        Timers.StartPeriodicTimer("on-demand-scaling", EvaluateOnDemand.Instance, _settings.OnDemand.EvaluationInterval);
    }

    private void HandleOnDemand(object message)
    {
        switch (message)
        {
            case UpdateStreamModeCommand cmd:
                OnUpdateStreamMode(cmd);
                return;
            case EvaluateOnDemand:
                foreach (var entry in _streams.Values.Where(e => e is { Mode: StreamMode.OnDemand, Status: StreamStatus.Active }))
                {
                    if (!_evaluating.Add(entry.Name)) continue; // the previous evaluation is still asking
                    AskLoads(entry);
                }
                return;
            case OnDemandLoads loads:
                _evaluating.Remove(loads.Name);
                if (loads.Failure is not null)
                {
                    _log.Debug("Reading the shard loads of {0} failed: {1}", loads.Name, loads.Failure.Message);
                    return;
                }
                if (_streams.TryGetValue(loads.Name, out var current) && current.Epoch == loads.Epoch
                    && current is { Mode: StreamMode.OnDemand, Status: StreamStatus.Active })
                    Scale(current, loads.Loads);
                return;
        }
    }

    private void OnUpdateStreamMode(UpdateStreamModeCommand cmd)
    {
        var entry = Find(cmd.Name);
        if (cmd.WarmThroughputMiBps is { } warm)
        {
            RequireWarmThroughputAllowed(cmd.Name, cmd.Mode, warm);
            if (entry.Mode == cmd.Mode)
            {
                // Already ON_DEMAND: the call sets its warm throughput and nothing else.
                OnUpdateWarmThroughput(new UpdateWarmThroughputCommand(cmd.Name, warm));
                return;
            }
        }
        if (entry.Status != StreamStatus.Active) throw NotActive(entry);
        if (entry.Mode == cmd.Mode)
        {
            Sender.Tell(entry);
            return;
        }
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var recent = RecentTimes(entry.ModeChangeTimesMs, now);
        if (recent.Length >= _settings.MaxStreamModeChangesPerDay)
            throw new LimitExceededException(
                $"Stream {cmd.Name} under account {_settings.AccountId} changed its capacity mode {recent.Length} times in the last 24 hours; " +
                $"at most {_settings.MaxStreamModeChangesPerDay} are allowed (actorstreams.limits.max-stream-mode-changes-per-day).");
        if (cmd.WarmThroughputMiBps is { } target)
            RequireShardLimit(Math.Max(entry.OpenShardCount, (entry with { WarmThroughputMiBps = target }).WarmShardCount), entry);
        var replyTo = Sender;
        PersistEvent(new StreamModeChanged(cmd.Name, cmd.Mode, now), () =>
        {
            _lastReshardAtMs[cmd.Name] = now;
            if (cmd.WarmThroughputMiBps is not null)
            {
                PersistEvent(new StreamWarmThroughputChanged(cmd.Name, cmd.WarmThroughputMiBps), () => PreSplit(cmd.Name, replyTo));
                return;
            }
            MarkUpdating(cmd.Name);
            replyTo.Tell(View(_streams[cmd.Name]));
        });
    }

    private void AskLoads(StreamEntry entry)
    {
        var region = _shardRegion;
        var timeout = _settings.AskTimeout;
        var open = entry.Shards.Where(s => s.IsOpen).ToList();
        async Task<OnDemandLoads> Run()
        {
            var loads = await Task.WhenAll(open.Select(async s =>
                (ShardLoadResult)await AskShard(region, new GetShardLoad(StreamShardEntity.EntityId(entry.Name, entry.Epoch, s.Index)), timeout)
                    .ConfigureAwait(false))).ConfigureAwait(false);
            return new OnDemandLoads(entry.Name, entry.Epoch, loads, null);
        }
        PipeWork(Run(), success: loads => loads, failure: ex => new OnDemandLoads(entry.Name, entry.Epoch, [], ex));
    }

    private void Scale(StreamEntry entry, IReadOnlyList<ShardLoadResult> loads)
    {
        var policy = _settings.OnDemand;
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var byIndex = loads.ToDictionary(l => ShardIndexOf(l.EntityId));
        var open = entry.Shards.Where(s => s.IsOpen && byIndex.ContainsKey(s.Index)).OrderBy(s => s.HashKeyRange.StartingHashKey).ToList();
        if (open.Count != entry.OpenShardCount) return; // the map changed while the loads were read

        var hot = open
            .Where(s => byIndex[s.Index].CapacityShare >= policy.SplitThreshold && s.HashKeyRange.EndingHashKey > s.HashKeyRange.StartingHashKey)
            .MaxBy(s => byIndex[s.Index].CapacityShare);
        if (hot is not null)
        {
            if (_streams.Values.Sum(s => s.OpenShardCount) >= _settings.MaxShards)
            {
                _log.Warning("ON_DEMAND stream {0} has a hot shard {1} but the account shard limit ({2}) is reached", entry.Name,
                    new StreamShardId(hot.Index), _settings.MaxShards);
                return;
            }
            var range = hot.HashKeyRange;
            var middle = range.StartingHashKey + (range.EndingHashKey - range.StartingHashKey) / 2 + 1;
            _log.Info("ON_DEMAND stream {0}: {1} carries {2:P0} of a shard's write capacity; splitting it", entry.Name,
                new StreamShardId(hot.Index), byIndex[hot.Index].CapacityShare);
            StartReshard(entry, [new ReshardOp(ReshardOpKind.Split, middle)], scaledAtMs: null, replyTo: null);
            return;
        }

        // Merges never take the stream below its warm throughput's shards.
        if (open.Count <= Math.Max(policy.MinShards, entry.WarmShardCount)) return;
        // A stream first seen here (created since the catalog started) starts its quiet period now.
        if (!_lastReshardAtMs.TryGetValue(entry.Name, out var lastReshard)) _lastReshardAtMs[entry.Name] = lastReshard = now;
        if (now - lastReshard < (long)policy.QuietPeriod.TotalMilliseconds) return;
        var windowMs = (long)policy.LoadWindow.TotalMilliseconds;
        bool Cold(ShardEntry s) => byIndex[s.Index].CapacityShare < policy.MergeThreshold && now - byIndex[s.Index].MeasuredSinceMs >= windowMs;
        var pairs = open.Zip(open.Skip(1))
            .Where(p => Cold(p.Item1) && Cold(p.Item2))
            .OrderBy(p => byIndex[p.Item1.Index].CapacityShare + byIndex[p.Item2.Index].CapacityShare)
            .ToList();
        if (pairs.Count == 0) return;
        var cold = pairs[0];
        _log.Info("ON_DEMAND stream {0}: {1} and {2} are below {3:P0} of a shard's write capacity; merging them", entry.Name,
            new StreamShardId(cold.Item1.Index), new StreamShardId(cold.Item2.Index), policy.MergeThreshold);
        StartReshard(entry, [new ReshardOp(ReshardOpKind.Merge, cold.Item2.HashKeyRange.StartingHashKey)], scaledAtMs: null, replyTo: null);
    }
}
