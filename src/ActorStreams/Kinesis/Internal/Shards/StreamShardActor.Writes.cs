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
                var result = new AppendRecordsResult(eventNo, first, p.Accepted, p.RetryAfter);
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
        // The actor stops after this; nothing in flight or queued was stored, so say so now rather than let callers time out.
        FailPendingWrites(cause, @event);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        FailPendingWrites(cause, @event);
        _pending.Completed();
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    private void FailPendingWrites(Exception cause, object @event)
    {
        if (@event is not (RecordsAppended or EncryptedRecordsAppended)) return;
        var error = new ErrorReply(InternalFailureException.Code, $"Writing to {ShardName} failed: {cause.Message}");
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
