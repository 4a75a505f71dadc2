using System.Collections.Immutable;
using System.Diagnostics;
using ActorStreams.Settings;
using ActorStreams.Streams;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;

namespace ActorStreams.Internal;

/// <summary>
/// One Kinesis shard. Appends are group-committed: while one event is being persisted, every write that arrives
/// joins the next event, so the event size grows with the load. Readers near the tip are served from the hot
/// tail; older positions are handed to the caller as a journal range to read itself, keeping this actor free.
/// </summary>
internal sealed partial class StreamShardActor : PersistentActor, IWithTimers
{
    private const string TrimTimerKey = "trim";

    private readonly string _entityId;
    private readonly StreamShardSettings _settings;
    private readonly ThrottlingSettings _throttling;
    private readonly TimeProvider _clock;
    private readonly StreamMetrics? _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HotTail _tail;
    private readonly StreamShardThrottle _throttle;
    private readonly WriteLoadMeter _load;
    private readonly KeyProvider _keys;
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

    public StreamShardActor(string entityId, ActorStreamsSettings settings, TimeProvider clock, StreamMetrics? metrics = null, KeyProvider? keys = null)
    {
        _keys = keys ?? new KeyProvider(settings.Encryption);
        _entityId = entityId;
        _metrics = metrics;
        _settings = settings.StreamShard;
        _throttling = settings.Throttling;
        _clock = clock;
        _tail = new HotTail(_settings.HotTailBytes);
        _throttle = new StreamShardThrottle(_throttling, clock);
        _timeIndex = new ShardTimeIndex(_settings.TimeIndexInterval);
        _pending = new GroupCommitQueue<PendingAppend, StoredRecord>(_settings.MaxEventRecords, _settings.MaxEventBytes);
        _load = new WriteLoadMeter(settings.OnDemand.LoadWindow, clock.GetUtcNow().ToUnixTimeMilliseconds());
        PersistenceId = StreamShardEntity.PersistenceId(entityId);
    }

    public static Props Props(string entityId, ActorStreamsSettings settings, TimeProvider clock, StreamMetrics? metrics = null, KeyProvider? keys = null) =>
        Akka.Actor.Props.Create(() => new StreamShardActor(entityId, settings, clock, metrics, keys));

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

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
                Sender.Tell(new ErrorReply(ResourceNotFoundException.Code, $"Shard {ShardName} does not exist."));
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

    // ---------------- writes ----------------

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

    // ---------------- reads ----------------

    private void OnRead(IActorRef replyTo, ReadRecords cmd, bool countCall)
    {
        if (!cmd.SharedCapacity) _subscriptionReads++;
        if (countCall && _throttle.Enabled && cmd.SharedCapacity)
        {
            var admission = _throttle.TryStartRead(out var retryAfter);
            if (admission != ReadAdmission.Admitted)
            {
                _metrics?.ReadThrottled(_entityId, "GetRecords");
                replyTo.Tell(new ReadThrottled(retryAfter, admission == ReadAdmission.ReadBytesExceeded
                    ? $"Rate exceeded for {ShardName}: read bytes over {_throttling.ReadBytesPerSecond} per second."
                    : $"Rate exceeded for {ShardName}: more than {_throttling.ReadCallsPerSecond} GetRecords calls per second."));
                return;
            }
        }

        var tip = Tip;
        var from = cmd.From < FirstRecordPosition ? FirstRecordPosition : cmd.From;
        if (_closed is not null && from.EventNo > _closed.EndingEventNo)
        {
            replyTo.Tell(new ReadRecordsResult(Array.Empty<ReadRecord>(), from, 0, _closed));
            return;
        }
        if (from >= tip)
        {
            if (cmd.Wait > TimeSpan.Zero)
            {
                var id = _nextParkId++;
                _parked[id] = new ParkedRead(replyTo, cmd with { From = from });
                Timers.StartSingleTimer(id, new ParkedReadExpired(id), cmd.Wait);
                return;
            }
            replyTo.Tell(new ReadRecordsResult(Array.Empty<ReadRecord>(), tip, 0));
            return;
        }

        var tailStart = _tail.FirstEventNo ?? tip.EventNo;
        if (from.EventNo < tailStart)
        {
            replyTo.Tell(new ReadFromJournal(PersistenceId, from, tailStart, _lastTimestampMs, _closed));
            return;
        }

        var result = ReadTail(from, cmd.MinTimestampMs, cmd.Limit, cmd.MaxBytes, tip, out var bytes);
        if (_throttle.Enabled && cmd.SharedCapacity) _throttle.TakeReadBytes(bytes);
        replyTo.Tell(result);
    }

    private ReadRecordsResult ReadTail(SequenceNumber from, long minTimestampMs, int limit, long maxBytes, SequenceNumber tip, out long bytes)
    {
        var page = new ReadPage(limit, maxBytes);
        for (var i = _tail.FirstAtOrAfter(from.EventNo); i < _tail.Count; i++)
        {
            var entry = _tail[i];
            if (entry.Event.TimestampMs < minTimestampMs) continue;
            if (!page.Add(entry.EventNo, entry.Event, entry.EventNo == from.EventNo ? from.Index : 0)) break;
        }
        bytes = page.Bytes;
        // Past the last tail event comes the tip: the tail holds every record event up to it.
        var next = page.FullAt ?? tip;
        // How far behind the present the reader is once it has these records (the journal path measures the same).
        var behind = next >= tip || page.Records.Count == 0 ? 0 : Math.Max(0, NowMs - page.Records[^1].TimestampMs);
        // A closed shard's tip is its end: a page that reaches it tells the reader the children.
        return new ReadRecordsResult(page.Records.ToArray(), next, behind, page.FullAt is null ? _closed : null);
    }

    private void WakeParkedReads()
    {
        if (_parked.Count == 0) return;
        var woken = _parked.Values.ToArray();
        foreach (var id in _parked.Keys) Timers.Cancel(id);
        _parked.Clear();
        foreach (var read in woken) OnRead(read.ReplyTo, read.Command, countCall: false);
    }

    private void OnResolve(ResolveIterator cmd)
    {
        if (cmd.CountCall && _throttle.Enabled && !_throttle.TryResolveIterator())
        {
            _metrics?.ReadThrottled(_entityId, "GetShardIterator");
            Sender.Tell(new ErrorReply(ProvisionedThroughputExceededException.Code,
                $"Rate exceeded for {ShardName}: more than {_throttling.GetShardIteratorCallsPerSecond} GetShardIterator calls per second."));
            return;
        }
        var horizon = new SequenceNumber(_trimHorizon, 0);
        switch (cmd.Type)
        {
            case ShardIteratorType.TrimHorizon:
                Sender.Tell(new IteratorResolved(horizon, 0));
                return;
            case ShardIteratorType.Latest:
                Sender.Tell(new IteratorResolved(Tip, 0));
                return;
            case ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber:
            {
                var seq = cmd.Sequence!.Value;
                if (seq.EventNo > _appliedSequenceNr)
                {
                    Sender.Tell(new ErrorReply(InvalidArgumentException.Code,
                        $"StartingSequenceNumber {seq} is beyond the newest record of {ShardName}."));
                    return;
                }
                // After the largest index of an event (a SubscribeToShard continuation between events) is the next event.
                var position = cmd.Type == ShardIteratorType.AtSequenceNumber ? seq
                    : seq.Index >= SequenceNumber.MaxIndex ? new SequenceNumber(seq.EventNo + 1, 0) : seq.Next;
                Sender.Tell(new IteratorResolved(position < horizon ? horizon : position, 0));
                return;
            }
            case ShardIteratorType.AtTimestamp:
            {
                // Start at the bucket holding the timestamp; the reader skips events older than it.
                var start = _timeIndex.BucketAt(cmd.TimestampMs) is { } bucket ? new SequenceNumber(bucket, 0) : horizon;
                Sender.Tell(new IteratorResolved(start < horizon ? horizon : start, cmd.TimestampMs));
                return;
            }
        }
    }

    // ---------------- resharding ----------------

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

    // ---------------- retention ----------------

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

    // ---------------- hand-off ----------------

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

    // ---------------- state ----------------

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

    private void PersistApplied<TEvent>(TEvent e, Action<TEvent> handler)
    {
        var sequenceNr = LastSequenceNr + 1;
        Persist(e, evt =>
        {
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
