using System.Collections.Immutable;
using System.Diagnostics;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Settings;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;

namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>
/// The shard's life cycle: closed by resharding, trimmed by retention, retired with its stream, and
/// handed off to another node.
/// </summary>
internal sealed partial class StreamShardActor
{
    private void OnClose(CloseShard cmd)
    {
        if (_closed is not null)
        {
            Sender.Tell(new ShardClosedResult(_closed.EndingEventNo));
            return;
        }
        if (_closing) return; // a close is being persisted; the catalog asks again if it missed the answer
        _closing = true;
        // An append still in flight (PersistAsync, at most one) is journaled before this event and is part of the
        // shard; appends waiting in _pending were never written and are refused once the close is durable.
        // LastSequenceNr counts only confirmed writes, so the one in flight is added; the handler below takes the
        // end from the close event's own sequence number either way.
        var closed = new ShardClosed(LastSequenceNr + (_pending.Writing ? 1 : 0), NowMs, cmd.Children);
        PersistApplied(closed, e =>
        {
            _closed = e with { EndingEventNo = LastSequenceNr - 1 };
            if (_closed.EndingEventNo != e.EndingEventNo)
                _log.Warning("{0} journaled its end as event {1}, but the close is event {2}; using {3}", PersistenceId, e.EndingEventNo, LastSequenceNr, _closed.EndingEventNo);
            _appliedSequenceNr = Math.Max(_appliedSequenceNr, LastSequenceNr);
            e = _closed;
            _closing = false;
            var refused = new AppendRefusedClosed(_init!.ShardIndex, e);
            foreach (var p in _pending.Pending)
            {
                p.ReplyTo.Tell(refused);
                // Resends waiting on a refused append get the refusal too; a later one meets _closed.
                AnswerResends(p.Command.RequestId, refused, remember: false);
            }
            _pending.Clear();
            _snapshotRequested = true;
            MaybeSnapshot();
            WakeParkedReads();
            DetachSubscribers();
            Sender.Tell(new ShardClosedResult(e.EndingEventNo));
        });
    }

    private void StartTrimTimer()
    {
        Timers.StartPeriodicTimer(TrimTimerKey, TrimTick.Instance, _settings.TrimInterval);
    }

    private void OnTrim()
    {
        if (_init is null || _retired) return;
        var cutoff = NowMs - (long)TimeSpan.FromHours(_retentionHours).TotalMilliseconds;
        if (_closed is not null && _lastRecordEventNo < _trimHorizon && _closed.ClosedAtMs < cutoff)
        {
            // Closed longer than the retention period and every record trimmed: the catalog drops the shard from
            // the listing and retires this entity. Said again on every tick until that happened.
            ClusterSharding.Get(Context.System).ShardRegion(StreamCatalogEntity.TypeName)
                .Tell(new ClosedShardExpired(_init.StreamName, _init.Epoch, _init.ShardIndex));
            return;
        }
        if (_lastTimestampMs == 0) return;
        long deleteTo;
        if (_lastTimestampMs < cutoff)
        {
            deleteTo = _lastRecordEventNo;
        }
        else if (_timeIndex.ExpiredUpTo(cutoff, _lastRecordEventNo) is { } expired)
        {
            deleteTo = expired;
        }
        else
        {
            return;
        }
        if (deleteTo < _trimHorizon) return;
        _log.Debug("Retention trims {0} up to event {1}", PersistenceId, deleteTo);
        DeleteMessages(deleteTo);
    }

    private void OnMessagesDeleted(long toSequenceNr)
    {
        if (toSequenceNr >= _retiredAt)
        {
            // Acknowledge only once the snapshots are gone too: a shard restarted from an old snapshot would
            // otherwise come back as a live, empty shard of a deleted stream.
            DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue));
            return;
        }
        _trimHorizon = Math.Max(_trimHorizon, toSequenceNr + 1);
        _timeIndex.RemoveUpTo(toSequenceNr);
        _tail.RemoveUpTo(toSequenceNr);
        _snapshotRequested = true;
        MaybeSnapshot();
    }

    private void OnRetire()
    {
        if (_init is null)
        {
            // Never initialized, or retired and deleted already.
            Sender.Tell(new ShardAck(_entityId));
            return;
        }
        _retireRequesters.Add(Sender);
        if (_retired) return; // retirement under way; answered with the others
        PersistApplied(new ShardRetired(NowMs), _ =>
        {
            _retired = true;
            Timers.Cancel(TrimTimerKey);
            var gone = new ErrorReply(ResourceNotFoundException.Code, $"Shard {ShardName} was deleted.");
            foreach (var (id, read) in _parked)
            {
                Timers.Cancel(id);
                read.ReplyTo.Tell(gone);
            }
            _parked.Clear();
            EndSubscriptions(gone);
            _tail.Clear();
            _retiredAt = LastSequenceNr;
            DeleteMessages(_retiredAt);
        });
    }

    private void ReplyToRetireRequesters(object reply)
    {
        foreach (var requester in _retireRequesters) requester.Tell(reply);
        _retireRequesters.Clear();
        if (_stopping) StopWhenIdle();
    }

    /// <summary>
    /// The sharding hand-off stop message. Unlike a PoisonPill it lets the writes already taken in finish: their
    /// callers get their acknowledgement, and messages that arrive later are buffered by the region for the new home.
    /// Parked readers are answered empty, so they ask again and reach the shard at its new home.
    /// </summary>
    private void OnStop()
    {
        _stopping = true;
        foreach (var (id, read) in _parked)
        {
            Timers.Cancel(id);
            read.ReplyTo.Tell(new ReadRecordsResult(Array.Empty<ReadRecord>(), read.Command.From, 0));
        }
        _parked.Clear();
        StopWhenIdle();
    }

    private void StopWhenIdle()
    {
        if (!_pending.Writing && _pending.Count == 0 && _retireRequesters.Count == 0) Context.Stop(Self);
    }
}
