using System.Collections.Immutable;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Akka.Streams;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Puts group-committed into the journal, intake buffers closed by the buffering hints and journaled, handed to the
/// delivery graph a bounded number at a time, and journaled done in order; and the graph's own lifecycle.
/// </summary>
internal sealed partial class DeliveryStreamActor
{
    private void OnPut(PutFirehoseRecords cmd)
    {
        RequireExists();
        // Not ACTIVE yet: Firehose does not know the delivery stream for data.
        if (IsCreating) throw new ResourceNotFoundException($"Firehose {_name} under account {_runtime.AccountId} not found.");
        if (_meta!.Type == DeliveryStreamType.KinesisStreamAsSource)
            throw new InvalidArgumentException($"Firehose {_name} reads a Kinesis stream; PutRecord and PutRecordBatch are not allowed on it.");
        // Persisting would fail again and stop this delivery stream: refused at once.
        if (_runtime.Journal?.Fault is { } fault) throw new ServiceUnavailableException(fault.Message);
        var backlogRoom = _runtime.Settings.MaxBacklogBytes - _backlogBytes - _pending.Bytes;
        var nodeRoom = _runtime.Budget.AvailableBytes;
        var room = Math.Min(backlogRoom, nodeRoom);
        var accepted = 0;
        long bytes = 0;
        foreach (var record in cmd.Records)
        {
            if (bytes + record.Length > room) break;
            bytes += record.Length;
            accepted++;
        }
        if (accepted == 0)
        {
            // The node's budget, not this delivery stream's backlog, is what is full: the whole call is refused.
            if (nodeRoom < backlogRoom)
                throw new ServiceUnavailableException(
                    $"Slow down. This node holds {_runtime.Budget.UsedBytes} bytes of its memory budget of {_runtime.Budget.LimitBytes} bytes " +
                    $"({NodeMemoryBudget.SettingName}); retry after a back-off.");
            Sender.Tell(new PutFirehoseRecordsResult(0, 0, 0, SealingKeyId() is not null));
            return;
        }
        _pending.Add(new PendingPut(Sender, cmd.Records, accepted, bytes));
        SyncBudget();
        if (!_pending.Writing) Flush();
    }

    private void Flush()
    {
        if (_runtime.Journal?.Fault is { } fault)
        {
            FailPuts(new ErrorReply(ServiceUnavailableException.Code, fault.Message));
            return;
        }
        string? keyId;
        try
        {
            keyId = SealingKeyId();
        }
        catch (ActorStreamsException e)
        {
            // The customer managed key does not resolve: nothing is journaled in plaintext in its place.
            FailPuts(ErrorReply.From(e));
            return;
        }
        var batch = _pending.Take();
        var eventNo = LastSequenceNr + 1;
        // Encrypted answers whether the records are sealed at rest, never only what StartDeliveryStreamEncryption said.
        var encrypted = keyId is not null;
        var accepted = new FirehoseRecordsAccepted(_runtime.NowMs, batch.Records);
        _pending.Started(batch);
        _persistsInFlight++;
        PersistAsync(SealedOrPlain(accepted, keyId), _ =>
        {
            _persistsInFlight--;
            _pending.Completed();
            ApplyAccepted(accepted);
            _eventsSinceSnapshot++;
            var first = 0;
            foreach (var p in batch.Writes)
            {
                p.ReplyTo.Tell(new PutFirehoseRecordsResult(eventNo, first, p.Accepted, encrypted));
                first += p.Accepted;
            }
            Seal(intervalElapsed: false);
            if (_pending.Count > 0) Flush();
            MaybeSnapshot();
        });
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // The node's journal fault first (logged once by JournalHealth, not here for every delivery stream and request),
        // so that a caller told of the failure finds the node already refusing writes and its readiness red.
        _runtime.Journal?.Failed($"a write of {PersistenceId}", cause);
        // The entity stops after this: the puts in flight and waiting are answered now, none acknowledged.
        FailPuts(new ErrorReply(InternalFailureException.Code, $"Writing to Firehose {_name} failed ({cause.Message}); retry the request."));
        if (_runtime.Journal is null) base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        if (_runtime.Journal is null) base.OnRecoveryFailure(reason, message);
        else _runtime.Journal.Failed($"the recovery of {PersistenceId}", reason);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        if (@event is FirehoseRecordsAccepted)
            FailPuts(new ErrorReply(InternalFailureException.Code, $"Writing to Firehose {_name} failed: {cause.Message}"));
        SyncBudget();
        _persistsInFlight = Math.Max(0, _persistsInFlight - 1);
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    /// <summary>Answers the batch of puts in flight and every put waiting behind it with <paramref name="error"/>.</summary>
    private void FailPuts(ErrorReply error)
    {
        if (_pending.InFlight is { } inFlight)
        {
            foreach (var p in inFlight.Writes) p.ReplyTo.Tell(error);
            _pending.Completed();
        }
        RefusePendingPuts(error);
    }

    /// <summary>Answers every put waiting for the next batch with <paramref name="error"/>.</summary>
    private void RefusePendingPuts(ErrorReply error)
    {
        foreach (var p in _pending.Pending) p.ReplyTo.Tell(error);
        _pending.Clear();
    }

    /// <summary>
    /// Closes buffers: while the open records reach the size hint, and all of them when the interval elapsed (or
    /// is 0). The size is capped at half the backlog, so a full backlog always has a buffer on its way out.
    /// </summary>
    private void Seal(bool intervalElapsed)
    {
        if (!Exists || _plan is null) return;
        var hints = _meta!.Destination.EffectiveBufferingHints;
        var sizeLimit = Math.Min((long)hints.SizeInMBs * 1024 * 1024, _runtime.Settings.MaxBacklogBytes / 2);
        // With dynamic partitioning the hints apply per partition: intake buffers close as soon as records are durable.
        var all = intervalElapsed || hints.IntervalInSeconds == 0 || _plan.Partitioning is not null;
        var closed = new List<DeliveryBufferSealed>();
        int count;
        while ((count = _intake.NextBufferSize(all, sizeLimit)) > 0)
        {
            var e = new DeliveryBufferSealed(Guid.NewGuid(), count, _runtime.NowMs);
            ApplySealed(e);
            closed.Add(e);
        }
        if (closed.Count > 0)
        {
            _persistsInFlight += closed.Count;
            PersistAllAsync(closed, _ =>
            {
                _persistsInFlight--;
                _durableSealed++;
                _eventsSinceSnapshot++;
                Dispatch();
                MaybeSnapshot();
            });
        }
        if (_intake.HasOpen)
        {
            if (!_sealTimerRunning)
            {
                _sealTimerRunning = true;
                Timers.StartSingleTimer(SealTimerKey, SealTick.Instance, TimeSpan.FromSeconds(hints.IntervalInSeconds));
            }
        }
        else if (_sealTimerRunning)
        {
            _sealTimerRunning = false;
            Timers.Cancel(SealTimerKey);
        }
    }

    /// <summary>
    /// Hands journaled buffers to the graph, at most <c>buffers-in-flight</c> at a time: partition buffers first (they
    /// hold older records; one slot stays for intake buffers), then intake buffers in order.
    /// </summary>
    private void Dispatch()
    {
        if (_queue is null || _plan is null) return;
        var limit = _runtime.Settings.BuffersInFlight;
        var partitionLimit = limit > 1 && _dispatched < _durableSealed ? limit - 1 : limit;
        foreach (var pending in _partitionQueue)
        {
            if (_dispatched + _partitionsInFlight >= partitionLimit) break;
            if (!pending.Durable || pending.Dispatched || pending.Completing) continue;
            var partition = _partitions[pending.Partition];
            var index = partition.Buffers.IndexOf(pending.Id);
            var records = partition.Buffers.RecordsOf(index, partition.Buffers.OffsetOf(index));
            pending.Dispatched = true;
            _partitionsInFlight++;
            Offer(new DeliveryBuffer(pending.Id, _plan, records) { Partition = partition.Overflow ? null : partition.Keys, Overflow = partition.Overflow });
        }
        var offset = _intake.OffsetOf(_dispatched);
        while (_dispatched < _durableSealed && _dispatched + _partitionsInFlight < limit)
        {
            var sealedBuffer = _intake.Sealed[_dispatched];
            var records = _intake.RecordsOf(_dispatched, offset);
            offset += sealedBuffer.RecordCount;
            _dispatched++;
            Offer(new DeliveryBuffer(sealedBuffer.BufferId, _plan, records));
        }
    }

    private void Offer(DeliveryBuffer buffer)
    {
        var generation = _graphGeneration;
        var self = Self;
        _queue!.OfferAsync(buffer).ContinueWith(t =>
        {
            if (t.IsFaulted || t.Result is not QueueOfferResult.Enqueued)
                self.Tell(new DeliveryGraphStopped(generation, t.Exception?.GetBaseException() ?? new InvalidOperationException($"Offer answered {t.Result}")));
        }, TaskScheduler.Default);
    }

    private void OnOutcome(DeliveryOutcome outcome)
    {
        // Only buffers handed to the current graph count; anything else is a late answer from a replaced graph.
        var index = _intake.IndexOf(outcome.BufferId);
        if (index < 0 || index >= _dispatched)
        {
            OnPartitionOutcome(outcome);
            return;
        }
        if (!_finished.TryAdd(outcome.BufferId, outcome)) return;
        if (outcome.Failed > 0)
            _log.Warning("Firehose {0}: buffer {1} delivered {2} records, {3} went to the error output", _name, outcome.BufferId, outcome.Delivered, outcome.Failed);
        var done = new List<object>();
        while (_completing < _intake.Sealed.Count && _finished.TryGetValue(_intake.Sealed[_completing].BufferId, out var finished))
        {
            done.Add(finished.Partitioned is { } groups
                ? Partitioned(finished.BufferId, groups)
                : new DeliveryBufferCompleted(_intake.Sealed[_completing].BufferId));
            _completing++;
        }
        if (done.Count == 0) return;
        _persistsInFlight += done.Count;
        var keyId = CarryingKeyId();
        var next = 0;
        PersistAllAsync(done.Select(e => e is DeliveryRecordsPartitioned ? SealedOrPlain(e, keyId) : e), _ =>
        {
            var e = done[next++];
            _persistsInFlight--;
            _completing--;
            if (e is DeliveryRecordsPartitioned partitioned)
            {
                _finished.Remove(partitioned.SourceBufferId);
                ApplyPartitioned(partitioned);
                SealPartitions();
            }
            else
            {
                var completed = (DeliveryBufferCompleted)e;
                _finished.Remove(completed.BufferId);
                ApplyCompleted(completed.BufferId);
            }
            _eventsSinceSnapshot++;
            Dispatch();
            MaybeSnapshot();
        });
    }

    private void StartGraph()
    {
        StopGraph();
        _materializer ??= Context.Materializer(namePrefix: "firehose");
        _graphCancel = new CancellationTokenSource();
        _graphGeneration++;
        if (_meta!.Type == DeliveryStreamType.KinesisStreamAsSource)
        {
            if (_plan is null) return;
            _sourceGraph = KinesisSourceGraph.Run(Context.System, Self, _graphGeneration, _plan, _meta, _checkpoints, _runtime, _log, _materializer,
                _graphCancel.Token);
            return;
        }
        // Every buffer not yet journaled done goes to the new graph again (those being journaled done stay done).
        _dispatched = _completing;
        foreach (var pending in _partitionQueue)
        {
            if (!pending.Completing) pending.Dispatched = false;
        }
        _partitionsInFlight = 0;
        _queue = DeliveryGraph.Run(Self, _graphGeneration, _runtime, _log, _materializer, _graphCancel.Token);
    }

    private void StopGraph()
    {
        _graphCancel?.Cancel();
        _graphCancel?.Dispose();
        _graphCancel = null;
        _queue?.Complete();
        _queue = null;
        _sourceGraph?.Shutdown();
        _sourceGraph = null;
    }

    private void OnGraphStopped(DeliveryGraphStopped stopped)
    {
        if (stopped.Generation != _graphGeneration || !Exists) return;
        _log.Error(stopped.Cause, "The delivery graph of Firehose {0} stopped; restarting it", _name);
        _queue = null;
        _sourceGraph = null;
        Timers.StartSingleTimer(RestartGraphKey, RestartGraph.Instance, _runtime.Settings.RetryBaseDelay);
    }

    /// <summary>
    /// Brings what this delivery stream holds of the node's memory budget to its backlog plus the puts being journaled:
    /// called wherever either changes (through <see cref="PublishBacklog"/>), and with nothing held when it stops.
    /// </summary>
    private void SyncBudget(bool stopping = false)
    {
        var holding = stopping || _deleted ? 0 : _backlogBytes + _pending.Bytes;
        _runtime.Budget.Adjust(holding - _budgetHeld);
        _budgetHeld = holding;
    }

    protected override void PostStop()
    {
        Timers.CancelAll();
        SyncBudget(stopping: true);
        StopGraph();
        if (_counters is not null) _runtime.ReleaseCounters(_counters, deleted: false);
        base.PostStop();
    }
}
