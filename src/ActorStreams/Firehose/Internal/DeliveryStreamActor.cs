using System.Collections.Immutable;
using ActorStreams.Internal;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Akka.Streams;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// One Firehose delivery stream: its configuration, its undelivered records and its delivery graph. Puts are
/// group-committed (one journal event per write batch) and acknowledged once durable. Undelivered records are
/// closed into buffers by the size and interval hints; each closed buffer is journaled with its id before it is
/// handed to the <see cref="DeliveryGraph"/>, and journaled done once the destination (or the error output) took
/// it, so a restart resumes with the same buffers under the same ids: nothing acknowledged is lost, and
/// destinations that key on the id (object names, the warehouse's load table, the HTTP request id) see a redelivery
/// as the same buffer. The backlog is bounded: past <c>max-backlog-bytes</c> puts are refused.
/// </summary>
internal sealed class DeliveryStreamActor : PersistentActor, IWithTimers
{
    private const string SealTimerKey = "seal";
    private const string RestartGraphKey = "restart-graph";
    private const string PartitionSealTimerKey = "partition-seal";

    private readonly string _name;
    private readonly FirehoseRuntime _runtime;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private DeliveryStreamMetadata? _meta;
    private bool _deleted;
    private DeliveryPlan? _plan;
    private DeliveryStreamCounters? _counters;

    // Undelivered records of the intake, oldest first, the first of them in closed buffers. _backlogBytes counts
    // those and every partition's.
    private readonly DeliveryBuffers _intake = new();
    private long _backlogBytes;
    private int _durableSealed;
    private int _dispatched;
    // Buffers the graph finished; they are journaled done strictly in order, _completing of them at a time.
    private readonly Dictionary<Guid, DeliveryOutcome> _finished = new();

    // Dynamic partitioning: the partitions (by Partitioning.Canonical; "" is the overflow) with their records, and
    // every closed partition buffer in the order it was closed. Partition buffers complete in any order.
    private readonly Dictionary<string, PartitionState> _partitions = new(StringComparer.Ordinal);
    private readonly List<PartitionBufferRef> _partitionQueue = new();
    private readonly Dictionary<Guid, PartitionBufferRef> _partitionBuffers = new();
    private readonly HashSet<string> _plannedPartitions = new(StringComparer.Ordinal);
    private int _partitionsInFlight;
    private bool _partitionTimerRunning;
    private int _completing;
    // KinesisStreamAsSource: checkpoints journaled before the delivery stream read as a consumer application. No longer
    // written; KinesisSourceGraph moves them into the application on every start (see KinesisSourceGraph.MigrateAsync).
    private ImmutableSortedDictionary<string, string> _checkpoints = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    private readonly GroupCommitQueue<PendingPut, byte[]> _pending;
    private int _persistsInFlight;
    private int _eventsSinceSnapshot;
    private bool _sealTimerRunning;
    private int _deletionSteps;
    private IActorRef? _deleteRequester;

    private IMaterializer? _materializer;
    private ISourceQueueWithComplete<DeliveryBuffer>? _queue;
    private IKillSwitch? _sourceGraph;
    private CancellationTokenSource? _graphCancel;
    private long _graphGeneration;

    private readonly record struct PendingPut(IActorRef ReplyTo, byte[][] Records, int Accepted, long Bytes) : IGroupCommitWrite<byte[]>;

    private sealed record SealTick
    {
        public static readonly SealTick Instance = new();
    }

    private sealed record RestartGraph
    {
        public static readonly RestartGraph Instance = new();
    }

    private sealed record PartitionSealTick
    {
        public static readonly PartitionSealTick Instance = new();
    }

    /// <summary>One partition: its undelivered records, the first of them in closed buffers.</summary>
    private sealed class PartitionState(ImmutableSortedDictionary<string, string> keys, bool overflow)
    {
        public ImmutableSortedDictionary<string, string> Keys { get; } = keys;
        public bool Overflow { get; } = overflow;
        public DeliveryBuffers Buffers { get; } = new();
        // When the open records began to wait: the runtime clock (journaled, reported) and the monotonic clock the
        // interval hint is measured on (restarts with the entity, as the intake buffer's timer does).
        public long OpenedAtMs { get; set; }
        public long OpenedAtTick { get; set; }
    }

    private sealed class PartitionBufferRef(Guid id, string partition, bool durable)
    {
        public Guid Id { get; } = id;
        public string Partition { get; } = partition;
        public bool Durable { get; set; } = durable;
        public bool Dispatched { get; set; }
        public bool Completing { get; set; }
    }

    public DeliveryStreamActor(string name, FirehoseRuntime runtime)
    {
        _name = name;
        _runtime = runtime;
        _pending = new GroupCommitQueue<PendingPut, byte[]>(runtime.Settings.MaxEventRecords, runtime.Settings.MaxEventBytes);
        PersistenceId = DeliveryStreamEntity.PersistenceId(name);
    }

    public static Props Props(string name, FirehoseRuntime runtime) => Akka.Actor.Props.Create(() => new DeliveryStreamActor(name, runtime));

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    private bool Exists => _meta is not null && !_deleted;

    // ---------------- recovery ----------------

    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case DeliveryStreamChanged e: ApplyChanged(e.Metadata); return true;
            case DeliveryStreamDeleted: ApplyDeleted(); return true;
            case FirehoseRecordsAccepted e: ApplyAccepted(e); return true;
            case DeliveryBufferSealed e: ApplySealed(e); _durableSealed++; return true;
            case DeliveryBufferCompleted e: ApplyCompleted(e.BufferId); return true;
            case DeliveryRecordsPartitioned e: ApplyPartitioned(e); return true;
            case PartitionBufferSealed e: ApplyPartitionSealed(e, durable: true); return true;
            case SourceCheckpointed e: _checkpoints = _checkpoints.SetItem(e.ShardId, e.SequenceNumber); return true;
            case SnapshotOffer { Snapshot: DeliveryStreamSnapshot s }: ApplySnapshot(s); return true;
            case RecoveryCompleted:
                if (_deleted)
                {
                    DeleteEverything();
                }
                else if (_meta is not null)
                {
                    StartGraph();
                    Seal(intervalElapsed: false);
                    SealPartitions();
                    Dispatch();
                }
                return true;
        }
        return false;
    }

    // ---------------- commands ----------------

    protected override bool ReceiveCommand(object message)
    {
        try
        {
            return Handle(message);
        }
        catch (ActorStreamsException e)
        {
            Sender.Tell(ErrorReply.From(e));
            return true;
        }
    }

    private bool Handle(object message)
    {
        switch (message)
        {
            case PutFirehoseRecords cmd:
                OnPut(cmd);
                return true;
            case DeliveryOutcome outcome:
                OnOutcome(outcome);
                return true;
            case SealTick:
                _sealTimerRunning = false;
                Seal(intervalElapsed: true);
                return true;
            case PartitionSealTick:
                _partitionTimerRunning = false;
                SealPartitions();
                return true;
            case DeliveryGraphStopped stopped:
                OnGraphStopped(stopped);
                return true;
            case RestartGraph:
                if (Exists && _queue is null && _sourceGraph is null)
                {
                    StartGraph();
                    Dispatch();
                }
                return true;
            case CreateDeliveryStream cmd:
                OnCreate(cmd);
                return true;
            case DescribeDeliveryStream:
                Sender.Tell(Describe());
                return true;
            case UpdateDeliveryDestination cmd:
                OnUpdateDestination(cmd);
                return true;
            case ChangeDeliveryStreamTags cmd:
                OnChangeTags(cmd);
                return true;
            case SetDeliveryStreamEncryption cmd:
                OnSetEncryption(cmd);
                return true;
            case DeleteDeliveryStream:
                OnDelete();
                return true;
            case WakeDeliveryStream:
                if (_meta is null && !_deleted) Sender.Tell(new DeliveryStreamGone(_name));
                return true;
            case SaveSnapshotSuccess ok:
                // Everything up to the snapshot is in it; the events behind it (delivered records) can go.
                if (!_deleted)
                {
                    DeleteMessages(ok.Metadata.SequenceNr);
                    DeleteSnapshots(new SnapshotSelectionCriteria(ok.Metadata.SequenceNr - 1));
                }
                return true;
            case SaveSnapshotFailure fail:
                _log.Warning(fail.Cause, "Snapshot of {0} failed; recovery will replay more events", PersistenceId);
                return true;
            case DeleteMessagesSuccess:
                if (_deleted) DeletionStepDone();
                return true;
            case DeleteMessagesFailure fail:
                _log.Error(fail.Cause, "Deleting events of {0} up to {1} failed", PersistenceId, fail.ToSequenceNr);
                if (_deleted) DeletionFailed(fail.Cause);
                return true;
            case DeleteSnapshotsSuccess:
                if (_deleted) DeletionStepDone();
                return true;
            case DeleteSnapshotsFailure fail:
                _log.Warning(fail.Cause, "Deleting snapshots of {0} failed", PersistenceId);
                if (_deleted) DeletionFailed(fail.Cause);
                return true;
        }
        return false;
    }

    private void RequireExists()
    {
        if (!Exists) throw new ResourceNotFoundException($"Firehose {_name} under account {_runtime.AccountId} not found.");
    }

    private DeliveryStreamDescription Describe()
    {
        RequireExists();
        var m = _meta!;
        return new DeliveryStreamDescription(m.Name, _runtime.DeliveryStreamArn(m.Name), DeliveryStreamStatus.Active, m.Type, m.Version,
            DateTimeOffset.FromUnixTimeMilliseconds(m.CreatedAtMs), DateTimeOffset.FromUnixTimeMilliseconds(m.UpdatedAtMs), m.Encryption,
            m.Source, m.Destination)
        {
            Statistics = _counters?.Snapshot(),
        };
    }

    private void OnCreate(CreateDeliveryStream cmd)
    {
        if (_deleted) throw new ResourceInUseException($"Firehose {_name} is being deleted; try again in a moment.");
        if (_meta is not null) throw new ResourceInUseException($"Firehose {_name} under account {_runtime.AccountId} already exists.");
        PersistMetadata(cmd.Metadata, () =>
        {
            StartGraph();
            Sender.Tell(new DeliveryStreamAck(_name));
        });
    }

    private void OnUpdateDestination(UpdateDeliveryDestination cmd)
    {
        RequireExists();
        var m = _meta!;
        if (cmd.CurrentVersion != m.Version)
            throw new ConcurrentModificationException(
                $"Firehose {_name} is at version {m.Version}, not {cmd.CurrentVersion}: describe it again and retry with its current version id.");
        if (cmd.DestinationId != DeliveryStreamDescription.DestinationId)
            throw new InvalidArgumentException($"Destination {cmd.DestinationId} of Firehose {_name} not found; its destination is {DeliveryStreamDescription.DestinationId}.");
        var wasPartitioned = m.Destination is ObjectStoreDestination { DynamicPartitioning.Enabled: true };
        var partitioned = cmd.Destination is ObjectStoreDestination { DynamicPartitioning.Enabled: true };
        if (wasPartitioned != partitioned)
            throw new InvalidArgumentException(
                $"Dynamic partitioning cannot be {(partitioned ? "enabled" : "disabled")} on the existing Firehose {_name}; it is chosen when the delivery stream is created.");
        if (partitioned && m.Type == DeliveryStreamType.KinesisStreamAsSource)
            throw new InvalidArgumentException("Dynamic partitioning is not supported yet on a KinesisStreamAsSource delivery stream in ActorStreams.");
        PersistMetadata(m with { Destination = cmd.Destination, Version = m.Version + 1, UpdatedAtMs = cmd.AtMs }, () =>
        {
            // A source graph is built around one plan: restart it (it resumes from the checkpoints).
            if (m.Type == DeliveryStreamType.KinesisStreamAsSource) StartGraph();
            Seal(intervalElapsed: false);
            SealPartitions();
            Sender.Tell(new DeliveryStreamAck(_name));
        });
    }

    private void OnChangeTags(ChangeDeliveryStreamTags cmd)
    {
        RequireExists();
        var m = _meta!;
        if (cmd.Add.IsEmpty && cmd.Remove.IsEmpty)
        {
            // ListTagsForDeliveryStream: nothing to journal.
            Sender.Tell(new DeliveryStreamTags(m.Tags));
            return;
        }
        var tags = m.Tags.SetItems(cmd.Add).RemoveRange(cmd.Remove);
        if (tags.Count > FirehoseLimits.MaxTagsPerDeliveryStream)
            throw new LimitExceededException(
                $"Firehose {_name} would have {tags.Count} tags; at most {FirehoseLimits.MaxTagsPerDeliveryStream} are allowed.");
        PersistMetadata(m with { Tags = tags }, () => Sender.Tell(new DeliveryStreamTags(tags)));
    }

    private void OnSetEncryption(SetDeliveryStreamEncryption cmd)
    {
        RequireExists();
        var m = _meta!;
        if (m.Type == DeliveryStreamType.KinesisStreamAsSource && cmd.Encryption.Enabled)
            throw new InvalidArgumentException(
                $"Firehose {_name} reads a Kinesis stream: server-side encryption is the source stream's (StartStreamEncryption), not the delivery stream's.");
        PersistMetadata(m with { Encryption = cmd.Encryption, UpdatedAtMs = cmd.AtMs }, () => Sender.Tell(new DeliveryStreamAck(_name)));
    }

    private void PersistMetadata(DeliveryStreamMetadata metadata, Action then)
    {
        _persistsInFlight++;
        Persist(new DeliveryStreamChanged(metadata), e =>
        {
            _persistsInFlight--;
            ApplyChanged(e.Metadata);
            _eventsSinceSnapshot++;
            then();
            MaybeSnapshot();
        });
    }

    // ---------------- puts ----------------

    private void OnPut(PutFirehoseRecords cmd)
    {
        RequireExists();
        if (_meta!.Type == DeliveryStreamType.KinesisStreamAsSource)
            throw new InvalidArgumentException($"Firehose {_name} reads a Kinesis stream; PutRecord and PutRecordBatch are not allowed on it.");
        var room = _runtime.Settings.MaxBacklogBytes - _backlogBytes - _pending.Bytes;
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
            Sender.Tell(new PutFirehoseRecordsResult(0, 0, 0, _meta.Encryption.Enabled));
            return;
        }
        _pending.Add(new PendingPut(Sender, cmd.Records, accepted, bytes));
        if (!_pending.Writing) Flush();
    }

    private void Flush()
    {
        var batch = _pending.Take();
        var eventNo = LastSequenceNr + 1;
        var encrypted = _meta!.Encryption.Enabled;
        _pending.Started(batch);
        _persistsInFlight++;
        PersistAsync(new FirehoseRecordsAccepted(_runtime.NowMs, batch.Records), e =>
        {
            _persistsInFlight--;
            _pending.Completed();
            ApplyAccepted(e);
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
        FailPendingPuts(cause);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        FailPendingPuts(cause);
        _pending.Completed();
        _persistsInFlight = Math.Max(0, _persistsInFlight - 1);
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    private void FailPendingPuts(Exception cause)
    {
        var error = new ErrorReply(InternalFailureException.Code, $"Writing to Firehose {_name} failed: {cause.Message}");
        foreach (var p in _pending.Pending) p.ReplyTo.Tell(error);
        _pending.Clear();
    }

    // ---------------- buffering and delivery ----------------

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
        PersistAllAsync(done, e =>
        {
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

    /// <summary>
    /// The event of a partitioned intake buffer. Partitions beyond the active partition limit are not opened: their
    /// records form the overflow group, which goes to the error output (as Firehose sends them to the error prefix).
    /// </summary>
    private DeliveryRecordsPartitioned Partitioned(Guid bufferId, IReadOnlyList<PartitionGroup> groups)
    {
        var max = _runtime.Settings.MaxActivePartitions;
        var result = ImmutableArray.CreateBuilder<PartitionedRecords>(groups.Count + 1);
        var overflow = new List<BufferedRecord>();
        foreach (var group in groups)
        {
            var partition = Partitioning.Canonical(group.Keys);
            var active = _partitions.Count - (_partitions.ContainsKey("") ? 1 : 0) + _plannedPartitions.Count;
            if (_partitions.ContainsKey(partition) || _plannedPartitions.Contains(partition) || active < max)
            {
                if (!_partitions.ContainsKey(partition)) _plannedPartitions.Add(partition);
                result.Add(new PartitionedRecords(group.Keys, false, [.. group.Records]));
            }
            else
            {
                overflow.AddRange(group.Records);
            }
        }
        if (overflow.Count > 0)
        {
            _log.Warning("Firehose {0}: {1} records belong to partitions beyond the limit of {2} active partitions; they go to the error output",
                _name, overflow.Count, max);
            result.Add(new PartitionedRecords(ImmutableSortedDictionary<string, string>.Empty, true, [.. overflow]));
        }
        return new DeliveryRecordsPartitioned(bufferId, _runtime.NowMs, result.ToImmutable());
    }

    private void OnPartitionOutcome(DeliveryOutcome outcome)
    {
        if (!_partitionBuffers.TryGetValue(outcome.BufferId, out var pending) || !pending.Dispatched || pending.Completing) return;
        pending.Completing = true;
        _partitionsInFlight--;
        if (outcome.Failed > 0)
            _log.Warning("Firehose {0}: partition buffer {1} delivered {2} records, {3} went to the error output", _name, outcome.BufferId, outcome.Delivered, outcome.Failed);
        _persistsInFlight++;
        PersistAsync(new DeliveryBufferCompleted(outcome.BufferId), e =>
        {
            _persistsInFlight--;
            ApplyCompleted(e.BufferId);
            _eventsSinceSnapshot++;
            Dispatch();
            MaybeSnapshot();
        });
    }

    /// <summary>
    /// Closes partition buffers: per partition, while its open records reach the size hint, and all of them once
    /// they waited the interval hint (at once for the overflow, and for every partition when the open records hold
    /// half the backlog). One timer wakes the entity at the next deadline.
    /// </summary>
    private void SealPartitions()
    {
        if (!Exists || _plan?.Partitioning is null || _partitions.Count == 0) return;
        var hints = _meta!.Destination.EffectiveBufferingHints;
        var sizeLimit = Math.Min((long)hints.SizeInMBs * 1024 * 1024, _runtime.Settings.MaxBacklogBytes / 2);
        var interval = (long)hints.IntervalInSeconds * 1000;
        var now = Environment.TickCount64;
        var closed = new List<PartitionBufferSealed>();
        void Close(string key, PartitionState partition, bool all)
        {
            int count;
            while ((count = partition.Buffers.NextBufferSize(all, sizeLimit)) > 0)
            {
                var e = new PartitionBufferSealed(Guid.NewGuid(), key, count, _runtime.NowMs);
                ApplyPartitionSealed(e, durable: false);
                closed.Add(e);
            }
        }

        long open = 0;
        foreach (var (key, partition) in _partitions)
        {
            if (!partition.Buffers.HasOpen) continue;
            Close(key, partition, partition.Overflow || now - partition.OpenedAtTick >= interval);
            open += partition.Buffers.UnsealedBytes;
        }
        // Many small partitions waiting for their interval could fill the backlog and refuse every put until then: once
        // the records still open hold half the backlog, every partition closes what it has.
        if (open >= _runtime.Settings.MaxBacklogBytes / 2)
        {
            foreach (var (key, partition) in _partitions) Close(key, partition, all: true);
        }
        long? next = null;
        foreach (var partition in _partitions.Values)
        {
            if (!partition.Buffers.HasOpen) continue;
            var due = partition.OpenedAtTick + interval;
            next = next is null ? due : Math.Min(next.Value, due);
        }
        if (closed.Count > 0)
        {
            _persistsInFlight += closed.Count;
            PersistAllAsync(closed, e =>
            {
                _persistsInFlight--;
                if (_partitionBuffers.TryGetValue(e.BufferId, out var pending)) pending.Durable = true;
                _eventsSinceSnapshot++;
                Dispatch();
                MaybeSnapshot();
            });
        }
        if (next is { } at)
        {
            Timers.StartSingleTimer(PartitionSealTimerKey, PartitionSealTick.Instance, TimeSpan.FromMilliseconds(Math.Max(1, at - now)));
            _partitionTimerRunning = true;
        }
        else if (_partitionTimerRunning)
        {
            _partitionTimerRunning = false;
            Timers.Cancel(PartitionSealTimerKey);
        }
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

    protected override void PostStop()
    {
        StopGraph();
        if (_counters is not null) _runtime.ReleaseCounters(_counters, deleted: false);
        base.PostStop();
    }

    // ---------------- deletion ----------------

    private void OnDelete()
    {
        RequireExists();
        _persistsInFlight++;
        Persist(new DeliveryStreamDeleted(_runtime.NowMs), _ =>
        {
            _persistsInFlight--;
            ApplyDeleted();
            _deleteRequester = Sender;
            DeleteEverything();
        });
    }

    private void DeleteEverything()
    {
        StopGraph();
        Timers.CancelAll();
        _sealTimerRunning = false;
        FailPendingPuts(new InvalidOperationException("the delivery stream was deleted"));
        _deletionSteps = 2;
        DeleteMessages(LastSequenceNr);
        DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue));
    }

    private void DeletionStepDone()
    {
        if (--_deletionSteps > 0) return;
        _deleteRequester?.Tell(new DeliveryStreamAck(_name));
        _deleteRequester = null;
        // Gone from the journal: the next message starts a fresh, empty entity.
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    private void DeletionFailed(Exception cause)
    {
        _deleteRequester?.Tell(new ErrorReply(InternalFailureException.Code, $"Deleting the data of Firehose {_name} failed: {cause.Message}"));
        _deleteRequester = null;
    }

    // ---------------- state ----------------

    private void ApplyChanged(DeliveryStreamMetadata metadata)
    {
        _meta = metadata;
        _deleted = false;
        _counters ??= _runtime.HostCounters(_name);
        var recorder = _counters.Recorder(metadata.Destination);
        PublishBacklog();
        try
        {
            _plan = BuildPlan(metadata) with { Recorder = recorder };
        }
        catch (Exception e)
        {
            _plan = null;
            _log.Error(e, "Firehose {0} version {1} has a destination that cannot be used; its records wait until UpdateDestination fixes it", _name, metadata.Version);
        }
    }

    private DeliveryPlan BuildPlan(DeliveryStreamMetadata m)
    {
        var arn = _runtime.DeliveryStreamArn(m.Name);
        return m.Destination switch
        {
            ObjectStoreDestination s3p when s3p.DynamicPartitioning is { Enabled: true } =>
                new DeliveryPlan(m.Name, arn, m.Version, new ObjectStoreSink(s3p, _runtime.ObjectStore), s3p.Processing, s3p) { Partitioning = Partitioning.Of(s3p) },
            ObjectStoreDestination s3 => new DeliveryPlan(m.Name, arn, m.Version, new ObjectStoreSink(s3, _runtime.ObjectStore), s3.Processing, s3),
            WarehouseDestination w => new DeliveryPlan(m.Name, arn, m.Version, new WarehouseSink(w), w.Processing, w.S3Configuration),
            HttpEndpointDestination h => new DeliveryPlan(m.Name, arn, m.Version, new HttpEndpointSink(h, _runtime.Http, _runtime.ObjectStore), h.Processing, h.S3Configuration),
            SplunkDestination sp => new DeliveryPlan(m.Name, arn, m.Version, new SplunkSink(sp, _runtime.Http, _runtime.ObjectStore, m.Name, _runtime.Clock), sp.Processing, sp.S3Configuration),
            OpenSearchDestination os => new DeliveryPlan(m.Name, arn, m.Version, new OpenSearchSink(os, _runtime.Http, _runtime.ObjectStore), os.Processing, os.S3Configuration),
            _ => throw new InvalidOperationException($"Unknown destination {m.Destination.GetType().Name}."),
        };
    }

    private void ApplyDeleted()
    {
        _deleted = true;
        _plan = null;
        _intake.Clear();
        _backlogBytes = 0;
        _durableSealed = 0;
        _dispatched = 0;
        _checkpoints = _checkpoints.Clear();
        if (_counters is not null) _runtime.ReleaseCounters(_counters, deleted: true);
        _counters = null;
        _partitions.Clear();
        _partitionQueue.Clear();
        _partitionBuffers.Clear();
        _plannedPartitions.Clear();
        _partitionsInFlight = 0;
    }

    private void ApplyAccepted(FirehoseRecordsAccepted e)
    {
        foreach (var data in e.Records)
        {
            _backlogBytes += _intake.Add(new BufferedRecord(e.TimestampMs, data));
        }
        PublishBacklog();
    }

    private void ApplySealed(DeliveryBufferSealed e)
    {
        _intake.Seal(new SealedBuffer(e.BufferId, e.RecordCount, e.SealedAtMs));
    }

    private void ApplyCompleted(Guid bufferId)
    {
        if (_partitionBuffers.ContainsKey(bufferId))
        {
            ApplyPartitionCompleted(bufferId);
            return;
        }
        // Intake buffers are journaled done strictly in order.
        if (_intake.Sealed.Count == 0 || _intake.Sealed[0].BufferId != bufferId) return;
        _backlogBytes -= _intake.Remove(bufferId);
        _durableSealed = Math.Max(0, _durableSealed - 1);
        _dispatched = Math.Max(0, _dispatched - 1);
        PublishBacklog();
    }

    private void ApplyPartitioned(DeliveryRecordsPartitioned e)
    {
        ApplyCompleted(e.SourceBufferId);
        var now = Environment.TickCount64;
        foreach (var group in e.Groups)
        {
            var key = group.Partition;
            _plannedPartitions.Remove(key);
            if (!_partitions.TryGetValue(key, out var partition))
            {
                partition = new PartitionState(group.Keys, group.Overflow);
                _partitions[key] = partition;
            }
            if (group.Records.Length > 0 && !partition.Buffers.HasOpen)
            {
                partition.OpenedAtMs = e.AtMs;
                partition.OpenedAtTick = now;
            }
            foreach (var record in group.Records) _backlogBytes += partition.Buffers.Add(record);
        }
        PublishBacklog();
    }

    private void ApplyPartitionSealed(PartitionBufferSealed e, bool durable)
    {
        if (!_partitions.TryGetValue(e.Partition, out var partition)) return;
        partition.Buffers.Seal(new SealedBuffer(e.BufferId, e.RecordCount, e.SealedAtMs));
        var pending = new PartitionBufferRef(e.BufferId, e.Partition, durable);
        _partitionQueue.Add(pending);
        _partitionBuffers[e.BufferId] = pending;
    }

    private void ApplyPartitionCompleted(Guid bufferId)
    {
        var pending = _partitionBuffers[bufferId];
        _partitionBuffers.Remove(bufferId);
        _partitionQueue.Remove(pending);
        if (pending.Dispatched && !pending.Completing) _partitionsInFlight--;
        if (!_partitions.TryGetValue(pending.Partition, out var partition)) return;
        var removed = partition.Buffers.Remove(bufferId);
        if (removed < 0) return;
        _backlogBytes -= removed;
        // A partition with nothing left is no longer active.
        if (partition.Buffers.Records.Count == 0) _partitions.Remove(pending.Partition);
        PublishBacklog();
    }

    private void ApplySnapshot(DeliveryStreamSnapshot s)
    {
        if (s.Metadata is not null) ApplyChanged(s.Metadata);
        _deleted = s.Deleted;
        _backlogBytes = _intake.Restore(s.Records, s.Sealed);
        _durableSealed = _intake.Sealed.Count;
        _checkpoints = s.Checkpoints;
        _partitions.Clear();
        _partitionQueue.Clear();
        _partitionBuffers.Clear();
        _partitionsInFlight = 0;
        var now = Environment.TickCount64;
        foreach (var p in s.Partitions)
        {
            var partition = new PartitionState(p.Keys, p.Overflow) { OpenedAtMs = p.OpenedAtMs, OpenedAtTick = now };
            _backlogBytes += partition.Buffers.Restore(p.Records, p.Sealed);
            var key = p.Overflow ? "" : Partitioning.Canonical(p.Keys);
            _partitions[key] = partition;
            foreach (var b in p.Sealed)
            {
                var pending = new PartitionBufferRef(b.BufferId, key, durable: true);
                _partitionQueue.Add(pending);
                _partitionBuffers[b.BufferId] = pending;
            }
        }
        PublishBacklog();
    }

    /// <summary>The backlog the statistics and gauges report: the undelivered records of a DirectPut delivery stream.</summary>
    /// With dynamic partitioning that includes the records waiting in partition buffers (<c>_backlogBytes</c> counts them already).
    private void PublishBacklog()
    {
        if (_counters is null) return;
        if (_meta is not { Type: DeliveryStreamType.DirectPut } || _deleted)
        {
            _counters.SetBacklog(null);
            return;
        }
        long records = _intake.Records.Count;
        long? oldest = _intake.Records.Count > 0 ? _intake.Records[0].ArrivalMs : null;
        foreach (var partition in _partitions.Values)
        {
            var waiting = partition.Buffers.Records;
            records += waiting.Count;
            if (waiting.Count > 0 && (oldest is null || waiting[0].ArrivalMs < oldest)) oldest = waiting[0].ArrivalMs;
        }
        _counters.SetBacklog(new DeliveryBacklog(records, _backlogBytes, oldest));
    }

    /// <summary>Snapshots when due and nothing is being persisted, so the snapshot holds exactly the journaled state.</summary>
    private void MaybeSnapshot()
    {
        if (_persistsInFlight > 0 || _pending.Writing || _deleted || _eventsSinceSnapshot < _runtime.Settings.SnapshotEveryEvents) return;
        _eventsSinceSnapshot = 0;
        SaveSnapshot(new DeliveryStreamSnapshot(_meta, _deleted, _intake.RecordsSnapshot(), _intake.SealedSnapshot(), _checkpoints)
        {
            Partitions = _partitions.Values
                .Select(p => new PartitionSnapshot(p.Keys, p.Overflow, p.Buffers.RecordsSnapshot(), p.Buffers.SealedSnapshot(), p.OpenedAtMs))
                .ToImmutableArray(),
        });
    }
}
