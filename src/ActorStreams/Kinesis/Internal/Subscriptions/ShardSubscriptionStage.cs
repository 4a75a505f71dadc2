using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Reads;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Settings;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Stage;

namespace ActorStreams.Kinesis.Internal.Subscriptions;

/// <summary>
/// One enhanced fan-out subscription (SubscribeToShard) as a source of <see cref="SubscribeToShardEvent"/>s. It checks the
/// consumer and shard, resolves the starting position and takes the (consumer, shard) slot; the materialized task
/// completes then, or fails with the typed error, before any event. It then catches up by reading pages on demand
/// (hot tail, else journal) and, once at the tip, attaches to the shard, which pushes every append as it is
/// persisted. What waits here for the consumer is its buffer, drawn from the node's memory budget
/// (<see cref="NodeMemoryBudget"/>) and capped at <c>enhanced-fan-out.buffer-bytes</c>: a push that does not fit in
/// either is not taken (the subscription stops taking pushes and reads it again from the shard once the consumer has
/// taken what is queued), so a consumer that does not read holds at most its cap, or one record, and the records wait
/// in the journal. The budget is given back as events go out and, for whatever is still queued, when the stage stops. Events pass a per-subscription token bucket (the consumer's own 2 MiB/s); the subscription completes
/// after its lifetime on the runtime's clock, and ends with the child shards once a closed shard is read to its end.
/// </summary>
internal sealed class ShardSubscriptionStage : GraphStageWithMaterializedValue<SourceShape<SubscribeToShardEvent>, Task>
{
    private readonly ActorStreamsExtension _streams;
    private readonly string _consumerArn;
    private readonly string _shardId;
    private readonly StartingPosition _start;

    public ShardSubscriptionStage(ActorStreamsExtension streams, string consumerArn, string shardId, StartingPosition start)
    {
        _streams = streams;
        _consumerArn = consumerArn;
        _shardId = shardId;
        _start = start;
        Shape = new SourceShape<SubscribeToShardEvent>(Out);
    }

    public Outlet<SubscribeToShardEvent> Out { get; } = new("ShardSubscription.out");

    public override SourceShape<SubscribeToShardEvent> Shape { get; }

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("shardSubscription");

    public override ILogicAndMaterializedValue<Task> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new LogicAndMaterializedValue<Task>(new Logic(this, started), started.Task);
    }

    private readonly record struct PendingRecord(StreamRecord Record, int Size, bool Pushed);

    private sealed class Logic : OutGraphStageLogic
    {
        private readonly ShardSubscriptionStage _stage;
        private readonly TaskCompletionSource _started;
        private readonly ActorStreamsExtension _streams;
        private readonly EnhancedFanOutSettings _settings;
        private readonly ThrottlingSettings _throttling;
        private readonly TimeProvider _clock;
        private readonly NodeMemoryBudget _budget;
        private readonly CancellationTokenSource _cancel = new();
        private readonly Queue<PendingRecord> _pending = new();
        private readonly string _subscriptionId = Guid.NewGuid().ToString("N");
        private IActorRef _self = ActorRefs.Nobody;
        private SubscriptionSetup? _setup;
        private TokenBucket? _bucket;
        private ITimer? _expiryTimer;
        private ITimer? _heartbeatTimer;
        private ITimer? _throttleTimer;
        private Action _onExpired = null!;
        private Action _onHeartbeat = null!;
        private Action _onThrottleElapsed = null!;

        // Where the next record to receive is: after everything read or pushed so far.
        private SequenceNumber _position;
        private long _minTimestampMs;
        private long? _endingEventNo;
        // A read reached the end of the closed shard: once its records are out, the last event names the children.
        private bool _endReached;
        private IReadOnlyList<ChildShard> _childShards = Array.Empty<ChildShard>();
        // MillisBehindLatest of the event that empties the queue: the read page's, or 0 for pushed records.
        private long _behindWhenDrained;
        // The current attachment to the shard's pushes; replies about older ones are stale and ignored.
        private long _generation;
        private bool _reading;
        private bool _attaching;
        private bool _live;
        private bool _throttled;
        private bool _refreshing;
        private bool _ended;
        private long _lastEmitMs;
        // The bytes of _pending, all drawn from _budget.
        private long _heldBytes;

        public Logic(ShardSubscriptionStage stage, TaskCompletionSource started) : base(stage.Shape)
        {
            _stage = stage;
            _started = started;
            _streams = stage._streams;
            _settings = _streams.Settings.EnhancedFanOut;
            _throttling = _streams.Settings.Throttling;
            _clock = _streams.Clock;
            _budget = _streams.MemoryBudget;
            SetHandler(stage.Out, this);
        }

        private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

        public override void PreStart()
        {
            _self = GetStageActor(OnMessage).Ref;
            _onExpired = GetAsyncCallback(OnExpired);
            _onHeartbeat = GetAsyncCallback(OnHeartbeat);
            _onThrottleElapsed = GetAsyncCallback(() =>
            {
                _throttled = false;
                if (IsAvailable(_stage.Out)) Fill();
            });
            var onPrepared = GetAsyncCallback<Task<SubscriptionSetup>>(OnPrepared);
            _streams.SubscribeToShard.PrepareSubscriptionAsync(_stage._consumerArn, _stage._shardId, _stage._start, _subscriptionId, _self, _cancel.Token)
                .ContinueWith(t => onPrepared(t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        public override void OnPull() => Fill();

        public override void PostStop()
        {
            _cancel.Cancel();
            _expiryTimer?.Dispose();
            _heartbeatTimer?.Dispose();
            _throttleTimer?.Dispose();
            // Completed, failed, cancelled or its shard closed: whatever is still queued goes back to the budget.
            _budget.Adjust(-_heldBytes);
            _heldBytes = 0;
            _pending.Clear();
            if (_setup is not null)
            {
                _streams.SubscribeToShard.ShardRegion.Tell(new ReleaseSubscription(_setup.EntityId, _setup.ConsumerKey, _subscriptionId));
                _streams.Lag.SubscriptionEnded(_setup.EntityId, _setup.ConsumerKey, _subscriptionId);
            }
            _started.TrySetCanceled();
        }

        private void OnPrepared(Task<SubscriptionSetup> task)
        {
            if (!task.IsCompletedSuccessfully)
            {
                Fail(task.Exception is { } e ? Unwrap(e) : new OperationCanceledException("The subscription was cancelled before it started."));
                return;
            }
            var setup = _setup = task.Result;
            _position = setup.Position;
            _minTimestampMs = setup.MinTimestampMs;
            _endingEventNo = setup.EndingEventNo;
            _childShards = setup.ChildShards;
            if (_throttling.Enabled) _bucket = new TokenBucket(_clock, _throttling.SubscriptionBytesPerSecond);
            _lastEmitMs = NowMs;
            _expiryTimer = _clock.CreateTimer(_ => _onExpired(), null, _settings.SubscriptionLifetime, Timeout.InfiniteTimeSpan);
            _heartbeatTimer = _clock.CreateTimer(_ => _onHeartbeat(), null, _settings.HeartbeatInterval, _settings.HeartbeatInterval);
            _started.TrySetResult();
            if (IsAvailable(_stage.Out)) Fill();
        }

        /// <summary>Downstream wants an event: emit what is queued, or read on, or wait for the shard's pushes.</summary>
        private void Fill()
        {
            if (_setup is null || _ended || _throttled) return;
            if (_pending.Count > 0)
            {
                EmitPending();
                return;
            }
            if (_reading || _attaching || _live) return;
            if (_endReached || (_endingEventNo is { } end && _position.EventNo > end))
            {
                EmitEnd();
                return;
            }
            Read();
        }

        private void Read()
        {
            _reading = true;
            var setup = _setup!;
            var onRead = GetAsyncCallback<Task<ShardPage>>(OnRead);
            // Reads happen only with nothing queued; a page is what the budget has room for, within the cap, but always
            // at least one record (its first), so a subscription moves on even while the budget is spent.
            var maxBytes = Math.Max(1, Math.Min(Math.Min(_settings.MaxEventBytes, _settings.BufferBytes), _budget.AvailableBytes));
            _streams.Reads.ReadAsync(setup.EntityId, setup.ShardId, _position, _minTimestampMs, _settings.MaxEventRecords, TimeSpan.Zero, _cancel.Token,
                    maxBytes, sharedCapacity: false)
                .ContinueWith(t => onRead(t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private void OnRead(Task<ShardPage> task)
        {
            _reading = false;
            if (!task.IsCompletedSuccessfully)
            {
                Fail(task.Exception is { } e ? Unwrap(e) : new InternalFailureException("A subscription read was cancelled."));
                return;
            }
            var page = task.Result;
            if (page.Next > _position) _position = page.Next;
            if (page.ChildShards is { } children)
            {
                _endReached = true;
                _childShards = children;
            }
            if (page.Records.Count > 0)
            {
                foreach (var record in page.Records)
                {
                    var size = SizeOf(record);
                    _budget.Adjust(size);
                    _heldBytes += size;
                    _pending.Enqueue(new PendingRecord(record, size, Pushed: false));
                }
                _behindWhenDrained = page.MillisBehindLatest;
                if (IsAvailable(_stage.Out)) Fill();
                return;
            }
            if (_endReached || (_endingEventNo is { } end && _position.EventNo > end))
            {
                if (IsAvailable(_stage.Out)) EmitEnd();
                return;
            }
            // Nothing more to read here: at the tip (or a journal range without records; the shard tells which).
            Attach();
        }

        private void Attach()
        {
            _attaching = true;
            _generation++;
            _streams.SubscribeToShard.ShardRegion.Tell(new AttachSubscriber(_setup!.EntityId, _subscriptionId, _generation, _self, _position, _settings.BufferBytes), _self);
        }

        private void OnMessage((IActorRef Sender, object Message) args)
        {
            switch (args.Message)
            {
                case SubscriberRecords pushed when pushed.SubscriptionId == _subscriptionId && pushed.Generation == _generation && _live:
                    OnPushed(pushed);
                    return;
                case SubscriberAttached attached when attached.SubscriptionId == _subscriptionId && attached.Generation == _generation:
                    if (_attaching)
                    {
                        _attaching = false;
                        _live = true;
                    }
                    return;
                case SubscriberBehind behind when behind.SubscriptionId == _subscriptionId && behind.Generation == _generation:
                    // Records arrived since the last read: read them, then attach again.
                    _attaching = false;
                    _live = false;
                    if (IsAvailable(_stage.Out)) Fill();
                    return;
                case SubscriberDetached detached when detached.SubscriptionId == _subscriptionId && detached.Generation == _generation && _live:
                    // Too far behind, or the shard restarted and forgot this subscriber; every push of this attachment came
                    // before this message, so reading on from _position neither skips nor repeats a record.
                    _live = false;
                    if (IsAvailable(_stage.Out)) Fill();
                    return;
                case SubscriptionEnded ended when ended.SubscriptionId == _subscriptionId:
                    Fail(ended.Reason.ToException());
                    return;
                case ErrorReply error:
                    Fail(error.ToException());
                    return;
            }
        }

        private void OnPushed(SubscriberRecords pushed)
        {
            var records = pushed.Event.Records;
            long skipped = 0;
            _behindWhenDrained = 0;
            for (var j = 0; j < records.Length; j++)
            {
                var position = new SequenceNumber(pushed.EventNo, j);
                var size = records[j].Size;
                if (position < _position || pushed.Event.TimestampMs < _minTimestampMs)
                {
                    skipped += size;
                    continue;
                }
                if (_heldBytes + size > _settings.BufferBytes || !_budget.TryAcquire(size))
                {
                    // No room: leave this record and the rest in the journal. Pushes of this attachment are ignored from
                    // here on; once the queue is out, the subscription reads on from this record, then attaches again.
                    if (skipped > 0) Ack(skipped);
                    _position = position;
                    _live = false;
                    _generation++;
                    if (IsAvailable(_stage.Out)) Fill();
                    return;
                }
                _heldBytes += size;
                var record = new StreamRecord(_setup!.ShardId, position.Format(_setup.ShardId, pushed.Event.TimestampMs), DateTimeOffset.FromUnixTimeMilliseconds(pushed.Event.TimestampMs),
                    records[j].Data, records[j].PartitionKey);
                _pending.Enqueue(new PendingRecord(record, size, Pushed: true));
            }
            var next = new SequenceNumber(pushed.EventNo + 1, 0);
            if (next > _position) _position = next;
            if (skipped > 0) Ack(skipped);
            if (IsAvailable(_stage.Out)) Fill();
        }

        private void EmitPending()
        {
            // One event: as many queued records as fit (the first always does).
            var count = 0;
            long bytes = 0;
            foreach (var p in _pending)
            {
                if (count >= _settings.MaxEventRecords || (count > 0 && bytes + p.Size > _settings.MaxEventBytes)) break;
                count++;
                bytes += p.Size;
            }
            if (_bucket is not null && !_bucket.TryTake(bytes))
            {
                _throttled = true;
                var wait = _bucket.TimeUntil(bytes);
                _throttleTimer?.Dispose();
                _throttleTimer = _clock.CreateTimer(_ => _onThrottleElapsed(), null, wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1),
                    Timeout.InfiniteTimeSpan);
                return;
            }
            var records = new StreamRecord[count];
            long pushedBytes = 0;
            for (var i = 0; i < count; i++)
            {
                var p = _pending.Dequeue();
                records[i] = p.Record;
                if (p.Pushed) pushedBytes += p.Size;
            }
            _budget.Adjust(-bytes);
            _heldBytes -= bytes;
            var last = records[^1];
            var behind = _pending.Count == 0 ? _behindWhenDrained : Math.Max(0, NowMs - last.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds());
            Emit(new SubscribeToShardEvent(records, last.SequenceNumber, behind, Array.Empty<ChildShard>()));
            if (pushedBytes > 0) Ack(pushedBytes);
        }

        private void Ack(long bytes) => _streams.SubscribeToShard.ShardRegion.Tell(new SubscriberAck(_setup!.EntityId, _subscriptionId, _generation, bytes));

        /// <summary>The last event of a closed shard read to its end: no continuation, the child shards to read next.</summary>
        private void EmitEnd()
        {
            _ended = true;
            _streams.Lag.SubscriptionEvent(_setup!.EntityId, _setup.ConsumerKey, _subscriptionId, 0, null);
            Push(_stage.Out, new SubscribeToShardEvent(Array.Empty<StreamRecord>(), null, 0, _childShards));
            CompleteStage();
        }

        private void Emit(SubscribeToShardEvent e)
        {
            _lastEmitMs = NowMs;
            // The consumer's lag per shard, as the console and the gauges show it: what this event told it.
            _streams.Lag.SubscriptionEvent(_setup!.EntityId, _setup.ConsumerKey, _subscriptionId, e.MillisBehindLatest, e.ContinuationSequenceNumber);
            Push(_stage.Out, e);
        }

        private void OnExpired()
        {
            // The lifetime is over: complete; the consumer resumes from the last continuation it was sent.
            _ended = true;
            CompleteStage();
        }

        private void OnHeartbeat()
        {
            if (_setup is null || _ended) return;
            // A shard that restarted has forgotten its subscribers: it answers Detached, and this one reads on.
            if (_live) _streams.SubscribeToShard.ShardRegion.Tell(new CheckSubscriber(_setup.EntityId, _subscriptionId, _generation, _self), _self);
            // Only an idle subscription at the tip needs to hear that its shard was closed; one that reads finds out at its end.
            if (_live && !_refreshing) RefreshStream();
            if (_live && !_throttled && _pending.Count == 0 && IsAvailable(_stage.Out)
                && NowMs - _lastEmitMs >= (long)_settings.HeartbeatInterval.TotalMilliseconds)
                Emit(new SubscribeToShardEvent(Array.Empty<StreamRecord>(), Before(_position).Format(_setup.ShardId), 0, Array.Empty<ChildShard>()));
        }

        /// <summary>Looks the stream up again: a deregistered consumer or deleted stream ends the subscription, a closed shard ends it once read.</summary>
        private void RefreshStream()
        {
            _refreshing = true;
            var onRefreshed = GetAsyncCallback<Task<(long? EndingEventNo, IReadOnlyList<ChildShard> Children)>>(task =>
            {
                _refreshing = false;
                if (!task.IsCompletedSuccessfully)
                {
                    if (task.Exception is { } e && Unwrap(e) is ResourceNotFoundException notFound) Fail(notFound);
                    return; // a transient failure: the next heartbeat looks again
                }
                // The read that reached the end knows the children first-hand; the catalog may not have recorded the close yet.
                if (!_endReached) (_endingEventNo, _childShards) = task.Result;
                // A closed shard pushes nothing more: once everything up to its end was received, stop waiting for it.
                if (_live && _endingEventNo is { } end && _position.EventNo > end) _live = false;
                if (IsAvailable(_stage.Out)) Fill();
            });
            _streams.SubscribeToShard.CheckSubscriptionAsync(_setup!, _cancel.Token)
                .ContinueWith(t => onRefreshed(t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private void Fail(Exception cause)
        {
            if (_ended) return;
            _ended = true;
            _started.TrySetException(cause);
            FailStage(cause);
        }

        private static Exception Unwrap(AggregateException e) => e.Flatten().InnerExceptions is [var single] ? single : e;

        private static int SizeOf(StreamRecord r) => r.Data.Length + System.Text.Encoding.UTF8.GetByteCount(r.PartitionKey);
    }

    /// <summary>
    /// The position just before <paramref name="next"/>: a continuation that AFTER_SEQUENCE_NUMBER resumes at
    /// <paramref name="next"/> exactly (between events it is the largest index of the previous one).
    /// </summary>
    internal static SequenceNumber Before(SequenceNumber next) =>
        next.Index > 0 ? new SequenceNumber(next.EventNo, next.Index - 1) : new SequenceNumber(Math.Max(0, next.EventNo - 1), SequenceNumber.MaxIndex);
}

/// <summary>A subscription that has started: where it reads, and the slot it holds.</summary>
internal sealed record SubscriptionSetup(
    string StreamName,
    string ConsumerName,
    long ConsumerCreatedAtSeconds,
    string ConsumerKey,
    string EntityId,
    StreamShardId ShardId,
    SequenceNumber Position,
    long MinTimestampMs,
    long? EndingEventNo,
    IReadOnlyList<ChildShard> ChildShards);
