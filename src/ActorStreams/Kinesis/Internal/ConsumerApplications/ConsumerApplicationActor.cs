using System.Collections.Immutable;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Shards;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorStreams.Kinesis.Internal.ConsumerApplications;

/// <summary>
/// One consumer application of one stream (a KCL lease table and checkpoint store in an actor). Checkpoints are
/// journaled; leases live in memory and are renewed by the members' heartbeats, measured on the runtime clock. A
/// shard is leased only when every parent still listed has a SHARD_END checkpoint. Each heartbeat balances the
/// shards: a member gets free shards up to its fair share (eligible shards / live members, rounded up) and is told
/// to give up shards above it, which the others then take. After a restart with state, no free shard is granted for
/// one lease duration, so members that still read keep their shards by renewing them.
/// </summary>
internal sealed class ConsumerApplicationActor : PersistentActor
{
    private const int SnapshotEveryEvents = 500;

    private readonly string _entityId;
    private readonly string _streamName;
    private readonly long _epoch;
    private readonly IActorRef _catalog;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _askTimeout;
    private readonly TimeSpan _recoveryGrace;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ConsumerLagTracker? _lag;

    private ApplicationStarted? _started;
    private readonly Dictionary<int, CheckpointUpdate> _checkpoints = new();
    private int _eventsSinceSnapshot;

    private readonly Dictionary<string, (long LastSeenMs, long LeaseDurationMs)> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _leases = new();
    private long _graceUntilMs;
    private StreamEntry? _entry;
    private bool _entryStale;
    private bool _fetching;
    private readonly List<(ConsumerHeartbeat Heartbeat, IActorRef ReplyTo)> _waiting = new();

    private sealed record EntryFetched(object Reply);

    public ConsumerApplicationActor(string entityId, IActorRef catalog, TimeProvider clock, TimeSpan askTimeout, TimeSpan recoveryGrace,
        ConsumerLagTracker? lag = null)
    {
        _lag = lag;
        _entityId = entityId;
        (_streamName, _epoch, _) = ConsumerApplicationEntity.Parse(entityId);
        _catalog = catalog;
        _clock = clock;
        _askTimeout = askTimeout;
        _recoveryGrace = recoveryGrace;
    }

    public static Props Props(string entityId, IActorRef catalog, TimeProvider clock, TimeSpan askTimeout, TimeSpan recoveryGrace,
        ConsumerLagTracker? lag = null) =>
        Akka.Actor.Props.Create(() => new ConsumerApplicationActor(entityId, catalog, clock, askTimeout, recoveryGrace, lag));

    // The lag report lists the applications whose entity runs on this node.
    protected override void PreStart()
    {
        base.PreStart();
        _lag?.ApplicationStarted(_entityId);
    }

    protected override void PostStop()
    {
        _lag?.ApplicationStopped(_entityId);
        base.PostStop();
    }

    public override string PersistenceId => ConsumerApplicationEntity.PersistenceId(_entityId);

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: ConsumerApplicationSnapshot s }:
                _started = s.Started;
                _checkpoints.Clear();
                foreach (var c in s.Checkpoints) _checkpoints[c.ShardIndex] = c;
                return true;
            case IConsumerApplicationSerializable e:
                Apply(e);
                return true;
            case RecoveryCompleted:
                if (_started is not null) _graceUntilMs = NowMs + (long)_recoveryGrace.TotalMilliseconds;
                return true;
        }
        return false;
    }

    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case ConsumerHeartbeat hb:
                OnHeartbeat(hb, Sender);
                return true;
            case EntryFetched fetched:
                OnEntryFetched(fetched.Reply);
                return true;
            case CommitCheckpoints cmd:
                OnCommit(cmd);
                return true;
            case GetConsumerApplication:
                Sender.Tell(new ConsumerApplicationState(
                    _checkpoints.Values.ToImmutableSortedDictionary(c => c.ShardIndex, c => c),
                    _leases.ToImmutableSortedDictionary(l => l.Key, l => l.Value),
                    _members.Keys.Order(StringComparer.Ordinal).ToImmutableArray()));
                return true;
            case SaveSnapshotSuccess ok:
                DeleteMessages(ok.Metadata.SequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(ok.Metadata.SequenceNr - 1));
                return true;
            case SaveSnapshotFailure fail:
                _log.Warning(fail.Cause, "Snapshot of {0} failed; recovery will replay more events", PersistenceId);
                return true;
            case DeleteMessagesFailure fail:
                _log.Warning(fail.Cause, "Deleting the events of {0} up to {1} failed", PersistenceId, fail.ToSequenceNr);
                return true;
            case DeleteSnapshotsFailure fail:
                _log.Warning(fail.Cause, "Deleting old snapshots of {0} failed", PersistenceId);
                return true;
            case DeleteMessagesSuccess or DeleteSnapshotsSuccess:
                return true;
        }
        return false;
    }

    private void Apply(IConsumerApplicationSerializable e)
    {
        switch (e)
        {
            case ApplicationStarted started:
                _started = started;
                break;
            case CheckpointsAdvanced advanced:
                foreach (var u in advanced.Updates) _checkpoints[u.ShardIndex] = u;
                break;
        }
    }

    private void PersistEvent(IConsumerApplicationSerializable e, Action then)
    {
        Persist(e, persisted =>
        {
            Apply(persisted);
            then();
            if (++_eventsSinceSnapshot >= SnapshotEveryEvents)
            {
                _eventsSinceSnapshot = 0;
                SaveSnapshot(new ConsumerApplicationSnapshot(_started, _checkpoints.Values.OrderBy(c => c.ShardIndex).ToImmutableArray()));
            }
        });
    }

    // ---------------- checkpoints ----------------

    private void OnCommit(CommitCheckpoints cmd)
    {
        var updates = cmd.Updates.Where(Advances).GroupBy(u => u.ShardIndex).Select(g => g.Last()).ToImmutableArray();
        var replyTo = Sender;
        if (updates.IsEmpty)
        {
            replyTo.Tell(new CheckpointsCommitted(_entityId));
            return;
        }
        PersistEvent(new CheckpointsAdvanced(updates), () =>
        {
            // A finished shard may free its children: the next heartbeat reads the shard map again.
            if (updates.Any(u => u.ShardEnd)) _entryStale = true;
            replyTo.Tell(new CheckpointsCommitted(_entityId));
        });
    }

    /// <summary>Checkpoints only move forward: a late commit from a member that lost the lease cannot move one back.</summary>
    private bool Advances(CheckpointUpdate u)
    {
        if (!_checkpoints.TryGetValue(u.ShardIndex, out var current)) return true;
        if (current.ShardEnd) return false;
        return u.ShardEnd || u.Position > current.Position || (u.Position == current.Position && u.UserRecordsDone > current.UserRecordsDone);
    }

    // ---------------- leases ----------------

    private void OnHeartbeat(ConsumerHeartbeat hb, IActorRef replyTo)
    {
        if (hb.Leaving)
        {
            _members.Remove(hb.MemberId);
            FreeLeasesOf(hb.MemberId);
            replyTo.Tell(new LeaseAssignment([], []));
            return;
        }
        if (_fetching || _entry is null || _entryStale || hb.Held.Any(h => _entry.Shards.All(s => s.Index != h)))
        {
            _waiting.Add((hb, replyTo));
            FetchEntry();
            return;
        }
        if (_started is null)
        {
            PersistEvent(Start(hb.InitialLatest, _entry), () => replyTo.Tell(Assign(hb)));
            return;
        }
        replyTo.Tell(Assign(hb));
    }

    private void FetchEntry()
    {
        if (_fetching) return;
        _fetching = true;
        _catalog.Ask<object>(new GetStream(_streamName), _askTimeout)
            .PipeTo(Self, success: reply => new EntryFetched(reply),
                failure: e => new EntryFetched(new ErrorReply(InternalFailureException.Code, $"The stream catalog did not answer: {e.Message}")));
    }

    private void OnEntryFetched(object reply)
    {
        _fetching = false;
        var waiting = _waiting.ToList();
        _waiting.Clear();
        ErrorReply? error = reply switch
        {
            StreamEntry e when e.Epoch != _epoch => new ErrorReply(ResourceNotFoundException.Code,
                $"Stream {_streamName} was deleted and created again; the consumer application belonged to the earlier stream."),
            StreamEntry => null,
            ErrorReply e => e,
            _ => new ErrorReply(InternalFailureException.Code, $"Unexpected reply {reply.GetType().Name} from the stream catalog."),
        };
        if (error is not null)
        {
            foreach (var (_, replyTo) in waiting) replyTo.Tell(error);
            return;
        }
        _entry = (StreamEntry)reply;
        _entryStale = false;
        if (waiting.Count == 0) return;
        // Shards the map does not list (a member that read a shard now expired) are revoked by Assign.
        if (_started is null)
            PersistEvent(Start(waiting[0].Heartbeat.InitialLatest, _entry), () =>
            {
                foreach (var (hb, replyTo) in waiting) replyTo.Tell(Assign(hb));
            });
        else
            foreach (var (hb, replyTo) in waiting) replyTo.Tell(Assign(hb));
    }

    private static ApplicationStarted Start(bool initialLatest, StreamEntry entry) =>
        initialLatest
            ? new ApplicationStarted(true,
                entry.Shards.Where(s => s.IsOpen).Select(s => s.Index).ToImmutableArray(),
                entry.Shards.Where(s => !s.IsOpen).Select(s => s.Index).ToImmutableArray())
            : new ApplicationStarted(false, [], []);

    private LeaseAssignment Assign(ConsumerHeartbeat hb)
    {
        var now = NowMs;
        _members[hb.MemberId] = (now, hb.LeaseDurationMs);
        foreach (var expired in _members.Where(m => m.Value.LastSeenMs + m.Value.LeaseDurationMs <= now).Select(m => m.Key).ToList())
        {
            _log.Info("Member {0} of {1} stopped renewing its leases; its shards are free", expired, _entityId);
            _members.Remove(expired);
            FreeLeasesOf(expired);
        }

        var eligible = EligibleShards();
        var held = hb.Held.ToHashSet();
        foreach (var released in _leases.Where(l => l.Value == hb.MemberId && !held.Contains(l.Key)).Select(l => l.Key).ToList())
            _leases.Remove(released);
        // Leases of shards that are finished or gone are dropped whoever holds them.
        foreach (var done in _leases.Keys.Where(s => !eligible.Contains(s)).ToList()) _leases.Remove(done);

        var revoked = new List<int>();
        foreach (var shard in hb.Held.Order())
        {
            if (_leases.TryGetValue(shard, out var owner))
            {
                if (owner != hb.MemberId) revoked.Add(shard);
            }
            else if (eligible.Contains(shard)) _leases[shard] = hb.MemberId; // held across a restart of this entity
            else revoked.Add(shard);
        }

        var owned = _leases.Count(l => l.Value == hb.MemberId);
        var fairShare = (eligible.Count + _members.Count - 1) / _members.Count;
        var granted = new List<ShardGrant>();
        if (now >= _graceUntilMs)
        {
            foreach (var shard in eligible)
            {
                if (owned >= fairShare) break;
                if (_leases.ContainsKey(shard)) continue;
                _leases[shard] = hb.MemberId;
                owned++;
                granted.Add(GrantOf(shard));
            }
        }
        if (owned > fairShare)
        {
            // The member keeps the lease until it stops reporting the shard, so two members never read it at once.
            revoked.AddRange(_leases.Where(l => l.Value == hb.MemberId && held.Contains(l.Key))
                .Select(l => l.Key).OrderDescending().Take(owned - fairShare));
        }
        return new LeaseAssignment(granted.ToImmutableArray(), revoked.Distinct().ToImmutableArray());
    }

    private ShardGrant GrantOf(int shard)
    {
        if (_checkpoints.TryGetValue(shard, out var c)) return new ShardGrant(shard, c.Position, false, c.UserRecordsDone);
        return new ShardGrant(shard, null, _started!.LatestShards.Contains(shard));
    }

    private void FreeLeasesOf(string memberId)
    {
        foreach (var shard in _leases.Where(l => l.Value == memberId).Select(l => l.Key).ToList()) _leases.Remove(shard);
    }

    /// <summary>Shards to read now: not finished, and every parent still listed is finished.</summary>
    private SortedSet<int> EligibleShards()
    {
        var present = _entry!.Shards.Select(s => s.Index).ToHashSet();
        var eligible = new SortedSet<int>();
        foreach (var s in _entry.Shards)
        {
            if (Finished(s.Index)) continue;
            if (s.ParentIndex is { } p && present.Contains(p) && !Finished(p)) continue;
            if (s.AdjacentParentIndex is { } a && present.Contains(a) && !Finished(a)) continue;
            eligible.Add(s.Index);
        }
        return eligible;
    }

    private bool Finished(int shard) =>
        (_checkpoints.TryGetValue(shard, out var c) && c.ShardEnd) || (_started is { } s && s.SkippedShards.Contains(shard));
}
