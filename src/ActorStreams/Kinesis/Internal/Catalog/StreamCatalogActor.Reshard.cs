using System.Collections.Immutable;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;
using Akka.Actor;
using Akka.Event;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// Resharding as a journaled state machine. A request is checked, journaled as <see cref="ReshardStarted"/> with its
/// plan (split and merge ops named by hash key) and the stream turns UPDATING. Each op then runs in three moves:
/// its children are initialized, its parents closed (each journals ShardClosed and answers with its last event),
/// and <see cref="ReshardStepCompleted"/> switches the map. Every move is idempotent, so after a crash recovery
/// simply runs the first pending op again. When no op is left the stream is ACTIVE and the caller is answered.
/// </summary>
internal sealed partial class StreamCatalogActor
{
    private static readonly TimeSpan ReshardRetryDelay = TimeSpan.FromSeconds(1);

    // Callers waiting for a resharding to finish, by stream name, with the open shard count before it.
    private readonly Dictionary<string, List<(IActorRef ReplyTo, int PreviousOpenShardCount)>> _reshardWaiters = new(StringComparer.Ordinal);

    private sealed record ReshardStepDone(string Name, long Epoch, int PendingOps, long ParentEndingEventNo, long? AdjacentParentEndingEventNo);
    private sealed record ReshardStepFailed(string Name, long Epoch, Exception Cause);
    private sealed record ResumeReshard(string Name, long Epoch);

    private sealed record SweepClosedShards
    {
        public static readonly SweepClosedShards Instance = new();
    }

    /// <summary>
    /// Closed shards take no writes, so nothing keeps their entities running (sharding passivates idle ones); this
    /// wakes them every trim interval so that each notices, by itself, when its data has expired.
    /// </summary>
    private void StartClosedShardSweep() =>
        Timers.StartPeriodicTimer("closed-shard-sweep", SweepClosedShards.Instance, _settings.StreamShard.TrimInterval);

    /// <summary>The shards one op closes and creates, worked out from the current map.</summary>
    internal sealed record ReshardStep(ShardEntry Parent, ShardEntry? AdjacentParent, ImmutableArray<ChildShardEntry> Children);

    private void HandleReshard(object message)
    {
        switch (message)
        {
            case SplitShardCommand cmd:
            {
                var entry = FindReshardable(cmd.Name);
                var shard = FindShard(entry, cmd.ShardIndex);
                RequireOpen(entry, shard);
                var range = shard.HashKeyRange;
                // As AWS: strictly above StartingHashKey + 1 and strictly below EndingHashKey.
                if (cmd.NewStartingHashKey <= range.StartingHashKey || cmd.NewStartingHashKey - range.StartingHashKey <= 1
                    || cmd.NewStartingHashKey >= range.EndingHashKey)
                    throw new InvalidArgumentException(
                        $"NewStartingHashKey {cmd.NewStartingHashKey} used in SplitShard() on shard {new StreamShardId(shard.Index)} in stream {entry.Name} " +
                        $"under account {_settings.AccountId} is not both greater than one plus the shard's StartingHashKey {range.StartingHashKeyText} " +
                        $"and less than the shard's EndingHashKey {range.EndingHashKeyText}.");
                RequireShardLimit(entry.OpenShardCount + 1, entry);
                StartReshard(entry, [new ReshardOp(ReshardOpKind.Split, cmd.NewStartingHashKey)], scaledAtMs: null, Sender);
                return;
            }
            case MergeShardsCommand cmd:
            {
                var entry = FindReshardable(cmd.Name);
                var shard = FindShard(entry, cmd.ShardIndex);
                var adjacent = FindShard(entry, cmd.AdjacentShardIndex);
                if (shard.Index == adjacent.Index)
                    throw new InvalidArgumentException($"ShardToMerge and AdjacentShardToMerge are both {new StreamShardId(shard.Index)}; a shard cannot merge with itself.");
                RequireOpen(entry, shard);
                RequireOpen(entry, adjacent);
                // As in AWS, the adjacent shard is the one whose hash keys follow ShardToMerge's: the pair named the
                // other way round is refused, although its ranges touch.
                if (shard.HashKeyRange.EndingHashKey == UInt128.MaxValue || shard.HashKeyRange.EndingHashKey + 1 != adjacent.HashKeyRange.StartingHashKey)
                    throw new InvalidArgumentException(
                        $"Shards {new StreamShardId(shard.Index)} and {new StreamShardId(adjacent.Index)} in stream {entry.Name} under account {_settings.AccountId} are not an adjacent pair of shards eligible for merging");
                StartReshard(entry, [new ReshardOp(ReshardOpKind.Merge, adjacent.HashKeyRange.StartingHashKey)], scaledAtMs: null, Sender);
                return;
            }
            case UpdateShardCountCommand cmd:
                OnUpdateShardCount(cmd);
                return;
            case ReshardStepDone done:
                OnReshardStepDone(done);
                return;
            case ReshardStepFailed failed:
                _log.Warning(failed.Cause, "A resharding step of stream {0} failed; retrying in {1}", failed.Name, ReshardRetryDelay);
                Timers.StartSingleTimer("reshard-retry/" + failed.Name, new ResumeReshard(failed.Name, failed.Epoch), ReshardRetryDelay);
                return;
            case ResumeReshard resume:
                if (_streams.TryGetValue(resume.Name, out var pending) && pending.Epoch == resume.Epoch && pending.PendingReshard.Length > 0)
                    RunReshardStep(pending);
                return;
            case ClosedShardExpired expired:
                OnClosedShardExpired(expired);
                return;
            case UpdateStreamModeCommand or EvaluateOnDemand or OnDemandLoads:
                HandleOnDemand(message);
                return;
            case ShardAck:
                return; // a RetireShard sent for an expired closed shard was done
            case SweepClosedShards:
                foreach (var entry in _streams.Values.Where(e => e.Status is StreamStatus.Active or StreamStatus.Updating))
                foreach (var shard in entry.Shards.Where(s => !s.IsOpen))
                    _shardRegion.Tell(new WakeShard(StreamShardEntity.EntityId(entry.Name, entry.Epoch, shard.Index)), ActorRefs.NoSender);
                return;
        }
    }

    private void OnUpdateShardCount(UpdateShardCountCommand cmd)
    {
        var entry = FindReshardable(cmd.Name);
        var current = entry.OpenShardCount;
        var target = cmd.TargetShardCount;
        if (target > current * 2)
            throw new LimitExceededException(
                $"UpdateShardCount cannot scale up over double the current open shard count of stream {entry.Name}. Current open shard count: {current}, target shard count: {target}.");
        if (target * 2 < current)
            throw new LimitExceededException(
                $"UpdateShardCount cannot scale down below half the current open shard count of stream {entry.Name}. Current open shard count: {current}, target shard count: {target}.");
        RequireShardLimit(entry.OpenShardCount - current + target, entry);
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var recent = RecentScalings(entry, now);
        if (recent.Length >= _settings.MaxUpdateShardCountPerDay)
            throw new LimitExceededException(
                $"Rate exceeded for stream {entry.Name} under account {_settings.AccountId}: UpdateShardCount was called {recent.Length} times in the last 24 hours " +
                $"and at most {_settings.MaxUpdateShardCountPerDay} are allowed (actorstreams.limits.max-update-shard-count-per-day).");
        var ops = UniformScalingPlan(entry, target);
        if (ops.IsEmpty)
        {
            // Already exactly the uniform layout asked for: nothing to change, nothing counted.
            Sender.Tell(new ReshardDone(entry, current));
            return;
        }
        StartReshard(entry, ops, now, Sender);
    }

    private static ImmutableArray<long> RecentScalings(StreamEntry entry, long nowMs) => RecentTimes(entry.ScalingTimesMs, nowMs);

    private static ImmutableArray<long> RecentTimes(ImmutableArray<long> times, long nowMs) =>
        times.Where(t => t > nowMs - (long)TimeSpan.FromHours(24).TotalMilliseconds).ToImmutableArray();

    /// <summary>
    /// The ops that turn the open shards into <paramref name="target"/> shards of equal width (the ranges CreateStream
    /// gives): a split at every target boundary the shards lack, then a merge at every current boundary the target
    /// lacks. Doubling only splits and halving only merges; other targets pass through short-lived shards, as in Kinesis.
    /// </summary>
    internal static ImmutableArray<ReshardOp> UniformScalingPlan(StreamEntry entry, int target)
    {
        var current = entry.Shards.Where(s => s.IsOpen).Select(s => s.HashKeyRange.StartingHashKey).Where(k => k != UInt128.Zero).ToHashSet();
        var wanted = HashKey.UniformRanges(target).Select(r => r.StartingHashKey).Where(k => k != UInt128.Zero).ToHashSet();
        var ops = ImmutableArray.CreateBuilder<ReshardOp>();
        foreach (var key in wanted.Where(k => !current.Contains(k)).Order()) ops.Add(new ReshardOp(ReshardOpKind.Split, key));
        foreach (var key in current.Where(k => !wanted.Contains(k)).Order()) ops.Add(new ReshardOp(ReshardOpKind.Merge, key));
        return ops.ToImmutable();
    }

    private StreamEntry FindReshardable(string name)
    {
        var entry = Find(name);
        if (entry.Mode == StreamMode.OnDemand)
            throw new ValidationException($"Resharding is only supported for streams in PROVISIONED mode; stream {name} is ON_DEMAND.");
        if (entry.Status != StreamStatus.Active) throw NotActive(entry);
        return entry;
    }

    private ShardEntry FindShard(StreamEntry entry, int index) =>
        entry.Shards.FirstOrDefault(s => s.Index == index)
        ?? throw new ResourceNotFoundException($"Could not find shard {new StreamShardId(index)} in stream {entry.Name} under account {_settings.AccountId}.");

    private void RequireOpen(StreamEntry entry, ShardEntry shard)
    {
        if (!shard.IsOpen)
            throw new InvalidArgumentException(
                $"Shard {new StreamShardId(shard.Index)} in stream {entry.Name} under account {_settings.AccountId} has already been merged or split, and thus is not eligible for merging or splitting.");
    }

    private void RequireShardLimit(int streamOpenShardsAfter, StreamEntry entry)
    {
        var others = _streams.Values.Where(s => s.Name != entry.Name).Sum(s => s.OpenShardCount);
        if (others + streamOpenShardsAfter > _settings.MaxShards)
            throw new LimitExceededException(ShardLimitMessage(others + entry.OpenShardCount, streamOpenShardsAfter - entry.OpenShardCount));
    }

    private void StartReshard(StreamEntry entry, ImmutableArray<ReshardOp> ops, long? scaledAtMs, IActorRef? replyTo)
    {
        // With an update delay the caller is answered at once, the stream UPDATING, as Kinesis does; without one when it is done.
        var answerNow = replyTo is not null && Delays.UpdateStream > TimeSpan.Zero;
        var previous = entry.OpenShardCount;
        if (replyTo is not null && !answerNow) AddReshardWaiter(entry.Name, replyTo, previous);
        PersistEvent(new ReshardStarted(entry.Name, ops, scaledAtMs), () =>
        {
            if (answerNow)
            {
                MarkUpdating(entry.Name);
                replyTo!.Tell(new ReshardDone(View(_streams[entry.Name]), previous));
            }
            RunReshardStep(_streams[entry.Name]);
        });
    }

    private void AddReshardWaiter(string name, IActorRef replyTo, int previousOpenShardCount)
    {
        if (!_reshardWaiters.TryGetValue(name, out var waiters)) _reshardWaiters[name] = waiters = new();
        waiters.Add((replyTo, previousOpenShardCount));
    }

    /// <summary>The parents and children of <paramref name="op"/> in <paramref name="entry"/>'s current map.</summary>
    internal static ReshardStep PlanStep(StreamEntry entry, ReshardOp op)
    {
        var open = entry.Shards.Where(s => s.IsOpen).ToList();
        var next = entry.NextShardIndex;
        if (op.Kind == ReshardOpKind.Split)
        {
            var parent = open.First(s => s.HashKeyRange.Contains(op.Key));
            var range = parent.HashKeyRange;
            return new ReshardStep(parent, null,
            [
                new ChildShardEntry(next, parent.Index, null, new HashKeyRange(range.StartingHashKey, op.Key - 1)),
                new ChildShardEntry(next + 1, parent.Index, null, new HashKeyRange(op.Key, range.EndingHashKey)),
            ]);
        }
        var lower = open.First(s => s.HashKeyRange.EndingHashKey == op.Key - 1);
        var upper = open.First(s => s.HashKeyRange.StartingHashKey == op.Key);
        var (first, second) = op.UpperIsParent ? (upper, lower) : (lower, upper);
        return new ReshardStep(first, second,
            [new ChildShardEntry(next, first.Index, second.Index, new HashKeyRange(lower.HashKeyRange.StartingHashKey, upper.HashKeyRange.EndingHashKey))]);
    }

    private void RunReshardStep(StreamEntry entry)
    {
        var step = PlanStep(entry, entry.PendingReshard[0]);
        var pendingOps = entry.PendingReshard.Length;
        var timeout = _settings.AskTimeout;
        var region = _shardRegion;
        async Task<ReshardStepDone> Run()
        {
            // Children first: a writer refused by a closed parent goes straight to them.
            await Task.WhenAll(step.Children.Select(child => AskShard(region, new InitializeShard(
                StreamShardEntity.EntityId(entry.Name, entry.Epoch, child.Index),
                new ShardInitialized(entry.Name, entry.Epoch, child.Index, child.HashKeyRange.StartingHashKey, child.HashKeyRange.EndingHashKey,
                    entry.RetentionHours, entry.CreatedAtMs), entry.EncryptionKeyId), timeout))).ConfigureAwait(false);
            var parentEnd = await CloseAsync(step.Parent).ConfigureAwait(false);
            long? adjacentEnd = step.AdjacentParent is null ? null : await CloseAsync(step.AdjacentParent).ConfigureAwait(false);
            return new ReshardStepDone(entry.Name, entry.Epoch, pendingOps, parentEnd, adjacentEnd);
        }
        async Task<long> CloseAsync(ShardEntry parent)
        {
            var reply = await AskShard(region, new CloseShard(StreamShardEntity.EntityId(entry.Name, entry.Epoch, parent.Index), step.Children), timeout)
                .ConfigureAwait(false);
            return reply is ShardClosedResult closed
                ? closed.EndingEventNo
                : throw new InvalidOperationException($"Unexpected reply {reply.GetType().Name} to closing {new StreamShardId(parent.Index)}.");
        }
        PipeWork(Run(), success: done => done, failure: ex => new ReshardStepFailed(entry.Name, entry.Epoch, ex));
    }

    private static async Task<object> AskShard(IActorRef region, IStreamShardCommand command, TimeSpan timeout)
    {
        var reply = await region.Ask<object>(command, timeout).ConfigureAwait(false);
        if (reply is ErrorReply error) throw error.ToException();
        return reply;
    }

    private void OnReshardStepDone(ReshardStepDone done)
    {
        // A stale answer (the step was already journaled by an earlier run of it) changes nothing.
        if (!_streams.TryGetValue(done.Name, out var entry) || entry.Epoch != done.Epoch || entry.PendingReshard.Length != done.PendingOps) return;
        PersistEvent(new ReshardStepCompleted(done.Name, done.ParentEndingEventNo, done.AdjacentParentEndingEventNo, _clock.GetUtcNow().ToUnixTimeMilliseconds()), () =>
        {
            var updated = _streams[done.Name];
            if (updated.PendingReshard.Length > 0)
            {
                RunReshardStep(updated);
                return;
            }
            _lastReshardAtMs[done.Name] = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (_reshardWaiters.Remove(done.Name, out var waiters))
                foreach (var (replyTo, previous) in waiters) replyTo.Tell(new ReshardDone(View(updated), previous));
        });
    }

    private void OnClosedShardExpired(ClosedShardExpired expired)
    {
        var entityId = StreamShardEntity.EntityId(expired.StreamName, expired.Epoch, expired.ShardIndex);
        if (_streams.TryGetValue(expired.StreamName, out var entry) && entry.Epoch == expired.Epoch
            && entry.Shards.FirstOrDefault(s => s.Index == expired.ShardIndex) is { IsOpen: false })
        {
            PersistEvent(new ClosedShardRemoved(expired.StreamName, expired.ShardIndex), () => _shardRegion.Tell(new RetireShard(entityId), Self));
            return;
        }
        // Removed already (the retirement was lost in a crash) or the stream is gone: retiring again is harmless.
        if (entry is null || entry.Epoch != expired.Epoch || entry.Shards.All(s => s.Index != expired.ShardIndex))
            _shardRegion.Tell(new RetireShard(entityId), Self);
    }

    private void ApplyReshard(IActorStreamsEvent e)
    {
        switch (e)
        {
            case ReshardStarted r:
                Update(r.Name, s => s with
                {
                    Status = StreamStatus.Updating,
                    PendingReshard = r.Ops,
                    ScalingTimesMs = r.ScaledAtMs is { } at ? RecentScalings(s, at).Add(at) : s.ScalingTimesMs,
                });
                break;
            case ReshardStepCompleted c:
                Update(c.Name, s =>
                {
                    var step = PlanStep(s, s.PendingReshard[0]);
                    var shards = s.Shards.Select(shard =>
                        shard.Index == step.Parent.Index ? shard with { EndingEventNo = c.ParentEndingEventNo, ClosedAtMs = c.CompletedAtMs }
                        : shard.Index == step.AdjacentParent?.Index ? shard with { EndingEventNo = c.AdjacentParentEndingEventNo, ClosedAtMs = c.CompletedAtMs }
                        : shard);
                    var children = step.Children.Select(child =>
                        new ShardEntry(child.Index, child.HashKeyRange, child.ParentIndex, child.AdjacentParentIndex, null, CreatedAtMs: c.CompletedAtMs));
                    var rest = s.PendingReshard.RemoveAt(0);
                    return s with
                    {
                        Shards = shards.Concat(children).ToImmutableArray(),
                        PendingReshard = rest,
                        Status = rest.IsEmpty ? StreamStatus.Active : StreamStatus.Updating,
                    };
                });
                break;
            case ClosedShardRemoved r:
                Update(r.Name, s => s with { Shards = s.Shards.RemoveAll(shard => shard.Index == r.ShardIndex) });
                break;
            case StreamModeChanged m:
                // A PROVISIONED stream has no warm throughput.
                Update(m.Name, s => s with
                {
                    Mode = m.Mode, ModeChangeTimesMs = RecentTimes(s.ModeChangeTimesMs, m.AtMs).Add(m.AtMs),
                    WarmThroughputMiBps = m.Mode == StreamMode.OnDemand ? s.WarmThroughputMiBps : null,
                });
                break;
        }
    }
}
