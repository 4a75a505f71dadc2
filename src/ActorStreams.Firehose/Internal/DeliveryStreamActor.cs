using System.Collections.Immutable;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Shards;
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
internal sealed partial class DeliveryStreamActor : PersistentActor
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
    // What this delivery stream holds of the node's memory budget (SyncBudget).
    private long _budgetHeld;
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
        Timers = new ClockTimers(runtime.Clock, Self);
        PersistenceId = DeliveryStreamEntity.PersistenceId(name);
    }

    public static Props Props(string name, FirehoseRuntime runtime) => Akka.Actor.Props.Create(() => new DeliveryStreamActor(name, runtime));

    public override string PersistenceId { get; }

    // Seal, partition seal and graph restart, on the runtime clock.
    private ClockTimers Timers { get; }

    protected override bool AroundReceive(Receive receive, object message) =>
        !Timers.TryUnwrap(message, out var delivered) || base.AroundReceive(receive, delivered);

    // The monotonic milliseconds the interval hints are measured on: the runtime clock's timestamp, so a test moves it.
    private long MonotonicMs => (long)_runtime.Clock.GetElapsedTime(0, _runtime.Clock.GetTimestamp()).TotalMilliseconds;

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
            case SealedFirehoseEvent e: return ReceiveRecover(Open(e));
            case SnapshotOffer { Snapshot: SealedFirehoseEvent s }: ApplySnapshot((DeliveryStreamSnapshot)Open(s)); return true;
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
            case DeleteDelayElapsed:
                OnDeleteDelayElapsed();
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
        SyncBudget();
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
        var now = MonotonicMs;
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
        SyncBudget();
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
        var snapshot = new DeliveryStreamSnapshot(_meta, _deleted, _intake.RecordsSnapshot(), _intake.SealedSnapshot(), _checkpoints)
        {
            Partitions = _partitions.Values
                .Select(p => new PartitionSnapshot(p.Keys, p.Overflow, p.Buffers.RecordsSnapshot(), p.Buffers.SealedSnapshot(), p.OpenedAtMs))
                .ToImmutableArray(),
        };
        string? keyId;
        try
        {
            keyId = CarryingKeyId();
        }
        catch (ActorStreamsException e)
        {
            // No plaintext snapshot in place of a sealed one: recovery replays the (sealed) events instead.
            _log.Warning("Snapshot of {0} skipped: its encryption key does not resolve ({1})", PersistenceId, e.Message);
            return;
        }
        SaveSnapshot(SealedOrPlain(snapshot, keyId));
    }
}
