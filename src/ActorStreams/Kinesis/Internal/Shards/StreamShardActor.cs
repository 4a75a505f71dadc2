using System.Collections.Immutable;
using System.Diagnostics;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Subscriptions;
using ActorStreams.Settings;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;

namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>
/// One Kinesis shard. Appends are group-committed: while one event is being persisted, every write that arrives
/// joins the next event, so the event size grows with the load. Readers near the tip are served from the hot
/// tail; older positions are handed to the caller as a journal range to read itself, keeping this actor free.
/// </summary>
internal sealed partial class StreamShardActor : PersistentActor
{
    private const string TrimTimerKey = "trim";

    private readonly string _entityId;
    private readonly StreamShardSettings _settings;
    private readonly string _accountId;
    private readonly ThrottlingSettings _throttling;
    private readonly TimeProvider _clock;
    private readonly StreamMetrics? _metrics;
    private readonly ConsumerLagTracker? _lag;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HotTail _tail;
    private readonly StreamShardThrottle _throttle;
    private readonly WriteLoadMeter _load;
    private readonly KeyProvider _keys;
    private readonly JournalHealth? _journal;
    private readonly ShardTimeIndex _timeIndex;
    private readonly GroupCommitQueue<PendingAppend, StoredRecord> _pending;
    private readonly AppendDeduplication<IActorRef> _appends = new();

    private readonly Dictionary<long, ParkedRead> _parked = new();
    private long _nextParkId;
    // Hand-off (rebalance, node leaving): stop once every write taken in is persisted and answered.
    private bool _stopping;

    private ShardInitialized? _init;
    private int _retentionHours;
    // The key new records are encrypted under (ShardEncryptionChanged); null: written in plaintext.
    private string? _keyId;
    // A key change is being persisted: appends wait for it, so each batch goes under the key in force when it is written.
    private bool _changingKey;
    private long _trimHorizon = 1;
    private bool _retired;
    private long _lastTimestampMs;
    private long _appliedSequenceNr;
    private long _lastRecordEventNo;
    private bool _snapshotRequested;
    private int _eventsSinceSnapshot;
    private long _bytesSinceSnapshot;
    private readonly List<IActorRef> _retireRequesters = new();
    private long _retiredAt = long.MaxValue;
    // Resharding: _closing from the CloseShard command until ShardClosed is persisted (appends wait, unflushed);
    // _closed afterwards (appends are refused with the children, readers at the end get them as ChildShards).
    private bool _closing;
    private ShardClosed? _closed;

    private readonly record struct PendingAppend(IActorRef ReplyTo, AppendRecords Command, int Accepted, long Bytes, TimeSpan RetryAfter)
        : IGroupCommitWrite<StoredRecord>
    {
        public StoredRecord[] Records => Command.Records;
    }

    private readonly record struct ParkedRead(IActorRef ReplyTo, ReadRecords Command);

    private sealed record ParkedReadExpired(long Id);

    private sealed record TrimTick
    {
        public static readonly TrimTick Instance = new();
    }

    public StreamShardActor(string entityId, ActorStreamsSettings settings, TimeProvider clock, StreamMetrics? metrics = null, KeyProvider? keys = null,
        ConsumerLagTracker? lag = null, NodeMemoryBudget? budget = null, JournalHealth? journal = null)
    {
        _lag = lag;
        _keys = keys ?? new KeyProvider(settings.Encryption);
        _journal = journal;
        _entityId = entityId;
        _metrics = metrics;
        _settings = settings.StreamShard;
        _accountId = settings.AccountId;
        _throttling = settings.Throttling;
        _clock = clock;
        Timers = new ClockTimers(clock, Self);
        _tail = new HotTail(_settings.HotTailBytes, budget);
        _throttle = new StreamShardThrottle(_throttling, clock);
        _timeIndex = new ShardTimeIndex(_settings.TimeIndexInterval);
        _pending = new GroupCommitQueue<PendingAppend, StoredRecord>(_settings.MaxEventRecords, _settings.MaxEventBytes);
        _load = new WriteLoadMeter(settings.OnDemand.LoadWindow, clock.GetUtcNow().ToUnixTimeMilliseconds());
        PersistenceId = StreamShardEntity.PersistenceId(entityId);
    }

    public static Props Props(string entityId, ActorStreamsSettings settings, TimeProvider clock, StreamMetrics? metrics = null, KeyProvider? keys = null,
        ConsumerLagTracker? lag = null, NodeMemoryBudget? budget = null, JournalHealth? journal = null) =>
        Akka.Actor.Props.Create(() => new StreamShardActor(entityId, settings, clock, metrics, keys, lag, budget, journal));

    public override string PersistenceId { get; }

    private ClockTimers Timers { get; }

    protected override bool AroundReceive(Receive receive, object message) =>
        !Timers.TryUnwrap(message, out var delivered) || base.AroundReceive(receive, delivered);

    protected override void PostStop()
    {
        Timers.CancelAll();
        _tail.Clear(); // gives its bytes back to the node's memory budget
        base.PostStop();
    }

    // LastSequenceNr already counts an event that is still being persisted; readers, iterators and trimming
    // must only ever see what is durable, so they go by the last applied event instead.
    private SequenceNumber Tip => new(_appliedSequenceNr + 1, 0);

    // The oldest retained record event (the time index starts at it); with none retained, the tip.
    private SequenceNumber FirstRecordPosition => _timeIndex.FirstEventNo is { } first ? new SequenceNumber(first, 0) : Tip;

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private string ShardName => _init is null ? StreamShardEntity.Describe(_entityId) : $"{new StreamShardId(_init.ShardIndex)} in stream {_init.StreamName}";

    // ---------------- recovery ----------------

    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case RecordsAppended e:
                ApplyAppended(e, LastSequenceNr, EventBytes(e));
                return true;
            case EncryptedRecordsAppended e:
                RecoverEncrypted(e);
                return true;
            case ShardEncryptionChanged e:
                _keyId = e.KeyId;
                _appliedSequenceNr = LastSequenceNr;
                return true;
            case ShardInitialized e:
                ApplyInitialized(e);
                _appliedSequenceNr = LastSequenceNr;
                return true;
            case ShardRetentionChanged e:
                _retentionHours = e.RetentionHours;
                _appliedSequenceNr = LastSequenceNr;
                return true;
            case ShardRetired:
                _retired = true;
                _appliedSequenceNr = LastSequenceNr;
                return true;
            case ShardClosed e:
                // Every event before the close belongs to the shard: its end is the event right before it.
                _closed = e with { EndingEventNo = LastSequenceNr - 1 };
                _appliedSequenceNr = LastSequenceNr;
                return true;
            case SnapshotOffer { Snapshot: StreamShardSnapshot s } offer:
                ApplySnapshot(s);
                _appliedSequenceNr = offer.Metadata.SequenceNr;
                return true;
            case RecoveryCompleted:
                if (_init is not null && !_retired) StartTrimTimer();
                // Where each shard runs, for operators (and the cluster test): logged again whenever a shard moves.
                _log.Info("StreamShard {0} started on this node at event {1}", _entityId, LastSequenceNr);
                return true;
        }
        return false;
    }

    // ---------------- commands ----------------

    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case AppendRecords cmd when IsLive:
                OnAppend(cmd);
                return true;
            case ReadRecords cmd when IsLive:
                OnRead(Sender, cmd, countCall: true);
                return true;
            case ResolveIterator cmd when IsLive:
                OnResolve(cmd);
                return true;
            case IShardSubscriptionCommand cmd when IsLive:
                OnSubscriptionCommand(cmd);
                return true;
            case Terminated terminated:
                OnSubscriberTerminated(terminated.ActorRef);
                return true;
            case ChargeReadBytes cmd when IsLive:
                if (_throttle.Enabled) _throttle.TakeReadBytes(cmd.Bytes);
                return true;
            case InitializeShard cmd:
                OnInitialize(cmd);
                return true;
            case SetShardRetention cmd when IsLive:
                PersistApplied(new ShardRetentionChanged(cmd.RetentionHours), e =>
                {
                    _retentionHours = e.RetentionHours;
                    Sender.Tell(new ShardAck(_entityId));
                });
                return true;
            case SetShardEncryption cmd when IsLive:
                OnSetEncryption(cmd);
                return true;
            case RetireShard:
                OnRetire();
                return true;
            case StopEntity:
                OnStop();
                return true;
            case CloseShard cmd when IsLive:
                OnClose(cmd);
                return true;
            case WakeShard when IsLive:
                OnTrim();
                return true;
            case GetPositionLag cmd when IsLive:
                OnPositionLag(cmd);
                return true;
            case GetShardLoad when IsLive:
            {
                var (records, bytes) = _load.Rates(NowMs);
                Sender.Tell(new ShardLoadResult(_entityId, _throttle.WriteShare(records, bytes), _load.StartMs));
                return true;
            }
            case ParkedReadExpired expired:
                if (_parked.Remove(expired.Id, out var parked))
                    parked.ReplyTo.Tell(new ReadRecordsResult(Array.Empty<ReadRecord>(), parked.Command.From, 0));
                return true;
            case TrimTick:
                OnTrim();
                return true;
            case SaveSnapshotSuccess ok:
                DeleteSnapshots(new SnapshotSelectionCriteria(ok.Metadata.SequenceNr - 1));
                return true;
            case SaveSnapshotFailure fail:
                _log.Warning(fail.Cause, "Snapshot of {0} at {1} failed; recovery will replay more events", PersistenceId, fail.Metadata.SequenceNr);
                return true;
            case DeleteSnapshotsSuccess ok when _retired && ok.Criteria.MaxSequenceNr == long.MaxValue:
                // Deleted for good: what this node counted of the shard goes with it (metric series included).
                _metrics?.ForgetShard(_entityId);
                _lag?.ForgetShard(_entityId);
                ReplyToRetireRequesters(new ShardAck(_entityId));
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
                return true;
            case DeleteSnapshotsSuccess:
                return true;
            case DeleteSnapshotsFailure fail:
                _log.Warning(fail.Cause, "Deleting old snapshots of {0} failed", PersistenceId);
                if (_retired && fail.Criteria.MaxSequenceNr == long.MaxValue)
                    ReplyToRetireRequesters(new ErrorReply(InternalFailureException.Code, $"Deleting the snapshots of {ShardName} failed: {fail.Cause.Message}"));
                return true;
            case DeleteMessagesSuccess ok:
                OnMessagesDeleted(ok.ToSequenceNr);
                return true;
            case DeleteMessagesFailure fail:
                _log.Error(fail.Cause, "Deleting events of {0} up to {1} failed", PersistenceId, fail.ToSequenceNr);
                if (fail.ToSequenceNr >= _retiredAt) ReplyToRetireRequesters(new ErrorReply(InternalFailureException.Code, $"Deleting the data of {ShardName} failed: {fail.Cause.Message}"));
                return true;
            case IStreamShardCommand:
                // Not initialized (a stale route or iterator) or retired (the stream was deleted).
                Sender.Tell(new ErrorReply(ResourceNotFoundException.Code, $"Shard {ShardName} under account {_accountId} does not exist"));
                if (_init is null && _pending.Count == 0) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
                return true;
        }
        return false;
    }

    private bool IsLive => _init is not null && !_retired;

    private void OnInitialize(InitializeShard cmd)
    {
        if (_init is not null)
        {
            Sender.Tell(_retired
                ? new ErrorReply(ResourceNotFoundException.Code, $"Shard {ShardName} was deleted.")
                : new ShardAck(_entityId));
            return;
        }
        PersistApplied(cmd.Init, e =>
        {
            ApplyInitialized(e);
            if (cmd.KeyId is null)
            {
                // A snapshot from the start means retention may delete every event, the first one included.
                SaveSnapshot(CreateSnapshot());
                StartTrimTimer();
                Sender.Tell(new ShardAck(_entityId));
            }
        });
        // A child of an encrypted stream encrypts from its first record: the key is journaled before the ack.
        if (cmd.KeyId is not null)
        {
            PersistApplied(new ShardEncryptionChanged(cmd.KeyId), e =>
            {
                _keyId = e.KeyId;
                SaveSnapshot(CreateSnapshot());
                StartTrimTimer();
                Sender.Tell(new ShardAck(_entityId));
            });
        }
    }

    private void OnSetEncryption(SetShardEncryption cmd)
    {
        if (cmd.KeyId == _keyId)
        {
            Sender.Tell(new ShardAck(_entityId));
            return;
        }
        // Persist (not PersistAsync) and no flush until it is applied: every batch written after the change is under the new key.
        _changingKey = true;
        PersistApplied(new ShardEncryptionChanged(cmd.KeyId), e =>
        {
            _keyId = e.KeyId;
            _changingKey = false;
            _snapshotRequested = true;
            MaybeSnapshot();
            Sender.Tell(new ShardAck(_entityId));
            if (!_pending.Writing && _pending.Count > 0) Flush();
        });
    }

    /// <summary>
    /// Recovery of a sealed batch: decrypted into the hot tail when the key is at hand; without it the shard still
    /// recovers (positions, time index and sizes are in clear), the tail starts after the event and readers of it go
    /// to the journal, where the KMS error reaches them.
    /// </summary>
    private void RecoverEncrypted(EncryptedRecordsAppended e)
    {
        RecordsAppended? plain = null;
        try
        {
            plain = RecordCipher.Open(_keys, PersistenceId, LastSequenceNr, e);
        }
        catch (ActorStreamsException ex)
        {
            _log.Warning("Event {0} of {1} cannot be decrypted during recovery ({2}); its readers get the error", LastSequenceNr, PersistenceId, ex.Message);
        }
        if (plain is not null)
        {
            ApplyAppended(plain, LastSequenceNr, e.Bytes);
            return;
        }
        _tail.Clear();
        ApplyAppended(new RecordsAppended(e.TimestampMs, []), LastSequenceNr, e.Bytes);
        _tail.Clear();
    }

    private void ApplyInitialized(ShardInitialized e)
    {
        _init = e;
        _retentionHours = e.RetentionHours;
    }

    // The senders of control commands (initialize, encryption, retire, ...) whose events are being stored: a failed
    // write answers them at once (the actor stops after it) instead of leaving them to the ask timeout.
    private readonly List<IActorRef> _controlWaiters = new();

    private void PersistApplied<TEvent>(TEvent e, Action<TEvent> handler)
    {
        var sequenceNr = LastSequenceNr + 1;
        var waiter = Sender;
        _controlWaiters.Add(waiter);
        Persist(e, evt =>
        {
            _controlWaiters.Remove(waiter);
            _appliedSequenceNr = Math.Max(_appliedSequenceNr, sequenceNr);
            handler(evt);
        });
    }

    private void ApplyAppended(RecordsAppended e, long eventNo, long bytes)
    {
        _appliedSequenceNr = Math.Max(_appliedSequenceNr, eventNo);
        _lastRecordEventNo = eventNo;
        _lastTimestampMs = e.TimestampMs;
        _timeIndex.Add(eventNo, e.TimestampMs);
        _tail.Add(eventNo, e, bytes);
        _eventsSinceSnapshot++;
        _bytesSinceSnapshot += bytes;
    }

    private void ApplySnapshot(StreamShardSnapshot s)
    {
        ApplyInitialized(s.Init);
        _retentionHours = s.RetentionHours;
        _trimHorizon = s.TrimHorizonEventNo;
        _retired = s.Retired;
        _lastTimestampMs = s.LastTimestampMs;
        _lastRecordEventNo = s.LastRecordEventNo;
        _timeIndex.Restore(s.IndexEventNos, s.IndexTimestampsMs);
        _closed = s.Closed;
        _keyId = s.KeyId;
    }

    private StreamShardSnapshot CreateSnapshot() => new(
        _init!, _retentionHours, _trimHorizon, _retired, _lastTimestampMs, _lastRecordEventNo,
        _timeIndex.EventNos, _timeIndex.TimestampsMs, _closed, _keyId);

    /// <summary>
    /// Snapshots when due, but never while an append is in flight: the snapshot's sequence number would cover an
    /// event the state does not hold yet, and recovery would skip it.
    /// </summary>
    private void MaybeSnapshot()
    {
        // No snapshot while a close is being persisted: the snapshot must not be taken between the close and its handler.
        if (_pending.Writing || _closing) return;
        if (!_snapshotRequested && _eventsSinceSnapshot < _settings.SnapshotEveryEvents && _bytesSinceSnapshot < _settings.SnapshotEveryBytes) return;
        _snapshotRequested = false;
        _eventsSinceSnapshot = 0;
        _bytesSinceSnapshot = 0;
        SaveSnapshot(CreateSnapshot());
    }

    private static long EventBytes(RecordsAppended e)
    {
        long bytes = 0;
        foreach (var r in e.Records) bytes += r.Size;
        return bytes;
    }
}
