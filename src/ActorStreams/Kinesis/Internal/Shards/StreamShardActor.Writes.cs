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
/// Appends: taken in by the throttle, group-committed through the queue (one event per batch), answered once durable,
/// and recognized when resent. Encrypted streams journal the batch sealed under the key in force.
/// </summary>
internal sealed partial class StreamShardActor
{
    private void OnAppend(AppendRecords cmd)
    {
        // A resend is recognized before the closed check: an append written before the close gets its own answer
        // again, never a refusal that would send it to the children a second time.
        switch (_appends.Check(cmd.RequestId, Sender, out var answer))
        {
            case AppendSeen.Answered:
                Sender.Tell(answer);
                return;
            case AppendSeen.InFlight:
                return;
        }
        if (_closed is not null)
        {
            Sender.Tell(new AppendRefusedClosed(_init!.ShardIndex, _closed));
            return;
        }
        if (_journal?.Fault is { } fault)
        {
            // Persisting would fail again and stop this shard: refused at once, before the throttle takes its tokens.
            Sender.Tell(new ErrorReply(InternalFailureException.Code, fault.Message));
            return;
        }
        var accepted = cmd.Records.Length;
        var bytes = cmd.Bytes;
        var retryAfter = TimeSpan.Zero;
        if (_throttle.Enabled && !cmd.Unthrottled)
        {
            accepted = _throttle.TakeWrites(cmd.Records, out bytes, out retryAfter);
            _metrics?.WriteThrottled(_entityId, cmd.Records.Length - accepted);
            if (accepted == 0)
            {
                Sender.Tell(new AppendRecordsResult(0, 0, 0, retryAfter));
                return;
            }
        }
        _load.Add(NowMs, accepted, bytes);
        _pending.Add(new PendingAppend(Sender, cmd, accepted, bytes, retryAfter));
        _appends.Started(cmd.RequestId);
        if (!_pending.Writing) Flush();
    }

    private void Flush()
    {
        // Once a close is requested nothing more is written: what waits is refused when ShardClosed is persisted.
        if (_closing || _changingKey) return;
        if (_journal?.Fault is { } fault)
        {
            // The journal failed another writer's write since these were taken in: refused now rather than stopping this shard too.
            RefusePending(new ErrorReply(InternalFailureException.Code, fault.Message));
            if (_stopping) StopWhenIdle();
            return;
        }
        var batch = _pending.Take();
        var records = batch.Records.Length;
        var bytes = batch.Bytes;

        // Arrival times never go backwards within a shard, so the time index stays sorted.
        var evt = new RecordsAppended(Math.Max(NowMs, _lastTimestampMs), batch.Records);
        var eventNo = LastSequenceNr + 1;
        object persisted = evt;
        if (_keyId is not null)
        {
            // The journal gets the sealed batch; the hot tail and subscribers keep the plaintext in memory.
            try
            {
                persisted = RecordCipher.Seal(_keys.Resolve(_keyId), _keyId, PersistenceId, eventNo, evt, bytes);
            }
            catch (ActorStreamsException e)
            {
                var refused = ErrorReply.From(e);
                foreach (var p in batch.Writes)
                {
                    p.ReplyTo.Tell(refused);
                    AnswerResends(p.Command.RequestId, refused, remember: false);
                }
                if (_pending.Count > 0) Flush();
                return;
            }
        }
        _pending.Started(batch);
        var started = Stopwatch.GetTimestamp();
        PersistAsync(persisted, _ =>
        {
            var e = evt;
            ApplyAppended(e, eventNo, bytes);
            _metrics?.Written(_entityId, records, bytes, Stopwatch.GetElapsedTime(started));
            var first = 0;
            foreach (var p in batch.Writes)
            {
                var result = new AppendRecordsResult(eventNo, first, p.Accepted, p.RetryAfter, e.TimestampMs);
                p.ReplyTo.Tell(result);
                AnswerResends(p.Command.RequestId, result, remember: true);
                first += p.Accepted;
            }
            _pending.Completed();
            MaybeSnapshot();
            WakeParkedReads();
            PushToSubscribers(eventNo, e, bytes);
            if (_pending.Count > 0) Flush();
            else if (_stopping) StopWhenIdle();
        });
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // The node's journal fault first (logged once by JournalHealth, not here for every shard and request), so that
        // a writer told of the failure finds the node already refusing writes and its readiness red.
        _journal?.Failed($"a write of {PersistenceId}", cause);
        // The actor stops after this (sharding starts it again from the journal on the next message). Nothing queued
        // was stored, and the batch in flight is not acknowledged: every writer is answered now rather than left to
        // time out and resend into the same failure.
        var error = new ErrorReply(InternalFailureException.Code, $"Writing to {ShardName} failed ({cause.Message}); retry the request.");
        FailWrites(error);
        foreach (var waiter in _controlWaiters.Distinct())
        {
            if (!waiter.IsNobody()) waiter.Tell(error);
        }
        _controlWaiters.Clear();
        if (_journal is null) base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        // Sharding restarts a remembered shard every few seconds while the journal is down: one log line, not one per try.
        if (_journal is null) base.OnRecoveryFailure(reason, message);
        else _journal.Failed($"the recovery of {PersistenceId}", reason);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // A rejected event was not stored and the shard goes on; only a rejected batch concerns the writers.
        if (@event is RecordsAppended or EncryptedRecordsAppended)
            FailWrites(new ErrorReply(InternalFailureException.Code, $"Writing to {ShardName} failed: {cause.Message}"));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    /// <summary>Answers the batch in flight and every write waiting behind it with <paramref name="error"/>.</summary>
    private void FailWrites(ErrorReply error)
    {
        if (_pending.InFlight is { } inFlight)
        {
            foreach (var p in inFlight.Writes)
            {
                p.ReplyTo.Tell(error);
                AnswerResends(p.Command.RequestId, error, remember: false);
            }
            _pending.Completed();
        }
        RefusePending(error);
    }

    /// <summary>Answers every write waiting for the next batch with <paramref name="error"/>.</summary>
    private void RefusePending(ErrorReply error)
    {
        foreach (var p in _pending.Pending)
        {
            p.ReplyTo.Tell(error);
            AnswerResends(p.Command.RequestId, error, remember: false);
        }
        _pending.Clear();
    }

    private void AnswerResends(Guid requestId, object answer, bool remember)
    {
        var waiting = _appends.Finish(requestId, remember ? answer as AppendRecordsResult : null);
        if (waiting is null) return;
        foreach (var requester in waiting) requester.Tell(answer);
    }
}
