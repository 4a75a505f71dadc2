using System.Collections.Immutable;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;
using ActorStreams.Settings;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// The control plane: one persistent entity holding every stream's record. Creating a stream journals it as
/// CREATING, initializes its StreamShard entities and journals it ACTIVE; deleting journals DELETING, retires the
/// shards (their events and snapshots are deleted) and journals it gone. Work left half done by a crash is
/// resumed on recovery.
/// </summary>
internal sealed partial class StreamCatalogActor : PersistentActor
{
    private const int SnapshotEveryEvents = 200;

    private readonly IActorRef _shardRegion;
    private readonly ActorStreamsSettings _settings;
    private readonly TimeProvider _clock;
    private readonly KeyProvider _keys;
    private readonly StreamMetrics? _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private ImmutableSortedDictionary<string, StreamEntry> _streams = ImmutableSortedDictionary.Create<string, StreamEntry>(StringComparer.Ordinal);
    private long _lastEpoch;
    private int _eventsSinceSnapshot;

    // Retention or encryption reached every shard: answer with the updated entry.
    private sealed record RetentionApplied(string Name, IActorRef ReplyTo);
    /// <summary>The answer of work the catalog sent out (<see cref="PipeWork"/>), counted back in.</summary>
    private sealed record WorkDone(object Result);

    private int _workInFlight;
    private bool _stopRequested;

    /// <summary>Sends the outcome of <paramref name="work"/> to this actor, counted so a stop waits for it.</summary>
    private void PipeWork(Task work, Func<object> success, Func<Exception, object> failure)
    {
        _workInFlight++;
        work.PipeTo(Self, success: () => new WorkDone(success()), failure: ex => new WorkDone(failure(ex)));
    }

    /// <inheritdoc cref="PipeWork(Task, Func{object}, Func{Exception, object})"/>
    private void PipeWork<T>(Task<T> work, Func<T, object> success, Func<Exception, object> failure)
    {
        _workInFlight++;
        work.PipeTo(Self, success: result => new WorkDone(success(result)), failure: ex => new WorkDone(failure(ex)));
    }

    public StreamCatalogActor(IActorRef shardRegion, ActorStreamsSettings settings, TimeProvider clock, KeyProvider? keys = null,
        StreamMetrics? metrics = null)
    {
        _keys = keys ?? new KeyProvider(settings.Encryption);
        _metrics = metrics;
        _shardRegion = shardRegion;
        _settings = settings;
        _clock = clock;
        Timers = new ClockTimers(clock, Self);
    }

    public static Props Props(IActorRef shardRegion, ActorStreamsSettings settings, TimeProvider clock, KeyProvider? keys = null,
        StreamMetrics? metrics = null) =>
        Akka.Actor.Props.Create(() => new StreamCatalogActor(shardRegion, settings, clock, keys, metrics));

    public override string PersistenceId => StreamCatalogEntity.PersistenceId;

    // Closed-shard sweep, ON_DEMAND evaluation and resharding retries, on the runtime clock.
    private ClockTimers Timers { get; }

    protected override bool AroundReceive(Receive receive, object message) =>
        !Timers.TryUnwrap(message, out var delivered) || base.AroundReceive(receive, delivered);

    protected override void PostStop()
    {
        Timers.CancelAll();
        base.PostStop();
    }

    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: CatalogSnapshot s }:
                _lastEpoch = s.LastEpoch;
                _streams = s.Streams.ToImmutableSortedDictionary(e => e.Name, e => e, StringComparer.Ordinal);
                _commitment = s.Commitment;
                foreach (var entry in _streams.Values) PublishMonitoring(entry.Name, entry);
                return true;
            case RecoveryCompleted:
                StartClosedShardSweep();
                StartOnDemandScaling();
                foreach (var entry in _streams.Values)
                {
                    if (entry.Status == StreamStatus.Creating) InitializeShards(entry, null);
                    else if (entry.Status == StreamStatus.Deleting) RetireShards(entry, null);
                    else if (entry.PendingReshard.Length > 0) RunReshardStep(entry);
                }
                return true;
            case IActorStreamsEvent e:
                Apply(e);
                return true;
        }
        return false;
    }

    protected override bool ReceiveCommand(object message)
    {
        if (message is WorkDone done)
        {
            _workInFlight--;
            var handled = ReceiveCommand(done.Result);
            // The last piece of work answered: a stop asked for meanwhile goes behind the events it may have persisted.
            if (_stopRequested && _workInFlight == 0) Self.Tell(StopEntity.Instance);
            return handled;
        }
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
            case CreateStreamCommand cmd:
                OnCreate(cmd);
                return true;
            case DeleteStreamCommand cmd:
            {
                var entry = Find(cmd.Name);
                // As in AWS, a stream still CREATING may be deleted: shard creation still in flight reaches each shard
                // before its retirement (one sender, one order), and its completion no longer activates the stream.
                if (entry.Status is StreamStatus.Deleting or StreamStatus.Updating) throw NotActive(entry);
                var replyTo = Sender;
                PersistEvent(new StreamDeletionStarted(cmd.Name), () =>
                {
                    var deleting = _streams[cmd.Name];
                    if (Delays.DeleteStream <= TimeSpan.Zero)
                    {
                        RetireShards(deleting, replyTo);
                        return;
                    }
                    // Kinesis answers at once and the stream is DELETING until it is gone.
                    replyTo.Tell(new ShardAck(cmd.Name));
                    Timers.StartSingleTimer("delete/" + cmd.Name, new DeleteDelayElapsed(cmd.Name, deleting.Epoch), Delays.DeleteStream);
                });
                return true;
            }
            case DeleteDelayElapsed elapsed:
            {
                if (_streams.TryGetValue(elapsed.Name, out var expired) && expired.Epoch == elapsed.Epoch && expired.Status == StreamStatus.Deleting)
                    RetireShards(expired, null);
                return true;
            }
            case GetStream cmd:
                Sender.Tell(View(Find(cmd.Name)));
                return true;
            case ListStreamsCommand cmd:
            {
                var candidates = cmd.ExclusiveStartStreamName is null
                    ? _streams.Values
                    : _streams.Values.Where(s => string.CompareOrdinal(s.Name, cmd.ExclusiveStartStreamName) > 0);
                var page = candidates.Take(cmd.Limit + 1).ToList();
                Sender.Tell(new StreamListing(page.Take(cmd.Limit).Select(Observed).ToImmutableArray(), page.Count > cmd.Limit));
                return true;
            }
            case ChangeRetention cmd:
                OnChangeRetention(cmd);
                return true;
            case ChangeEncryption cmd:
                OnChangeEncryption(cmd);
                return true;
            case ChangeEnhancedMonitoring cmd:
                OnChangeMonitoring(cmd);
                return true;
            case UpdateMaxRecordSizeCommand cmd:
                OnUpdateMaxRecordSize(cmd);
                return true;
            case UpdateRecordDistributionCommand cmd:
                OnUpdateRecordDistribution(cmd);
                return true;
            case UpdateWarmThroughputCommand cmd:
                OnUpdateWarmThroughput(cmd);
                return true;
            case GetAccountSettings:
                Sender.Tell(_commitment);
                return true;
            case UpdateAccountSettingsCommand cmd:
                OnUpdateAccountSettings(cmd);
                return true;
            case AddTags cmd:
            {
                var entry = Find(cmd.Name);
                var merged = entry.Tags.SetItems(cmd.Tags);
                // AWS's answer, word for word: its message says 10 though the limit is 50.
                if (merged.Count > KinesisLimits.MaxTagsPerStream)
                    throw new InvalidArgumentException($"Failed to add tags to stream {cmd.Name} under account {_settings.AccountId} because a given stream cannot have more than 10 tags associated with it.");
                var replyTo = Sender;
                PersistEvent(new StreamTagsAdded(cmd.Name, cmd.Tags), () => replyTo.Tell(_streams[cmd.Name]));
                return true;
            }
            case RemoveTags cmd:
            {
                Find(cmd.Name);
                var replyTo = Sender;
                PersistEvent(new StreamTagsRemoved(cmd.Name, cmd.Keys), () => replyTo.Tell(_streams[cmd.Name]));
                return true;
            }
            case RegisterConsumer cmd:
                OnRegisterConsumer(cmd);
                return true;
            case DeregisterConsumer cmd:
            {
                var stream = Find(cmd.StreamName);
                var consumer = FindRegistration(stream, cmd.ConsumerName, cmd.CreatedAtSeconds);
                var replyTo = Sender;
                PersistEvent(new ConsumerDeregistered(cmd.StreamName, cmd.ConsumerName), () => replyTo.Tell(MarkDeregistering(stream, consumer)));
                return true;
            }
            case AddConsumerTags cmd:
            {
                var consumer = FindRegistration(Find(cmd.StreamName), cmd.ConsumerName, cmd.CreatedAtSeconds);
                var merged = consumer.Tags.SetItems(cmd.Tags);
                if (merged.Count > KinesisLimits.MaxTagsPerConsumer)
                    throw new LimitExceededException(
                        $"Consumer {cmd.ConsumerName} under stream {_settings.StreamArn(cmd.StreamName)} would have {merged.Count} tags; at most {KinesisLimits.MaxTagsPerConsumer} are allowed.");
                var replyTo = Sender;
                PersistEvent(new ConsumerTagsAdded(cmd.StreamName, cmd.ConsumerName, cmd.Tags),
                    () => replyTo.Tell(FindConsumer(_streams[cmd.StreamName], cmd.ConsumerName)));
                return true;
            }
            case SetResourcePolicy cmd:
            {
                var stream = Find(cmd.StreamName);
                if (cmd.ConsumerName is not null) FindRegistration(stream, cmd.ConsumerName, cmd.CreatedAtSeconds);
                var replyTo = Sender;
                PersistEvent(new ResourcePolicyChanged(cmd.StreamName, cmd.ConsumerName, cmd.Policy), () => replyTo.Tell(View(_streams[cmd.StreamName])));
                return true;
            }
            case RemoveConsumerTags cmd:
            {
                FindRegistration(Find(cmd.StreamName), cmd.ConsumerName, cmd.CreatedAtSeconds);
                var replyTo = Sender;
                PersistEvent(new ConsumerTagsRemoved(cmd.StreamName, cmd.ConsumerName, cmd.Keys),
                    () => replyTo.Tell(FindConsumer(_streams[cmd.StreamName], cmd.ConsumerName)));
                return true;
            }
            case ShardsInitialized or ShardsRetired or ShardWorkFailed or RetryShardWork:
                HandleShardWork(message);
                return true;
            case RetentionApplied done:
                done.ReplyTo.Tell(_streams.TryGetValue(done.Name, out var updated) ? View(updated) : new ShardAck(done.Name));
                return true;
            case StopEntity:
                // Hand-off or idle passivation: Persist stashes commands, so this runs after the last event is stored
                // and answered. Work still out with the shards (creating, deleting, resharding) would answer a stopped
                // actor, and its caller would wait out the ask timeout: the stop waits for it. A resharding step that
                // a crash interrupts resumes from the journal (ResumeReshard) at the catalog's new home.
                if (_workInFlight > 0)
                {
                    _stopRequested = true;
                    return true;
                }
                Context.Stop(Self);
                return true;
            case SplitShardCommand or MergeShardsCommand or UpdateShardCountCommand or ClosedShardExpired
                or ReshardStepDone or ReshardStepFailed or ResumeReshard or ShardAck or SweepClosedShards
                or UpdateStreamModeCommand or EvaluateOnDemand or OnDemandLoads:
                HandleReshard(message);
                return true;
            case CatalogHeartbeat:
                return true;
            case SaveSnapshotSuccess ok:
                DeleteMessages(ok.Metadata.SequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(ok.Metadata.SequenceNr - 1));
                return true;
            case SaveSnapshotFailure fail:
                _log.Warning(fail.Cause, "Catalog snapshot failed");
                return true;
            case DeleteMessagesSuccess or DeleteSnapshotsSuccess:
                return true;
            case DeleteMessagesFailure fail:
                _log.Warning(fail.Cause, "Deleting old catalog events failed");
                return true;
            case DeleteSnapshotsFailure fail:
                _log.Warning(fail.Cause, "Deleting old catalog snapshots failed");
                return true;
        }
        return false;
    }

    /// <summary>AWS's wording when CreateStream, SplitShard or UpdateShardCount would open more shards than the account may have.</summary>
    private string ShardLimitMessage(int open, int additional) =>
        $"This request would exceed the shard limit for the account {_settings.AccountId} in {_settings.Region}. " +
        $"Current shard count for the account: {open}. Limit: {_settings.MaxShards}. " +
        $"Number of additional shards that would have resulted from this request: {additional}. " +
        "Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.";

    private void OnCreate(CreateStreamCommand cmd)
    {
        if (_streams.ContainsKey(cmd.Name))
            throw new ResourceInUseException($"Stream {cmd.Name} under account {_settings.AccountId} already exists.");
        if (cmd.RecordDistribution is { } strategy) RequireDistributionAllowed(cmd.Name, cmd.Mode, strategy);
        var shardCount = cmd.ShardCount;
        if (cmd.WarmThroughputMiBps is { } warm)
        {
            RequireWarmThroughputAllowed(cmd.Name, cmd.Mode, warm);
            // Created warm: the shards the warm throughput needs exist from the start.
            shardCount = Math.Max(shardCount, (int)Math.Ceiling(warm * 1024.0 * 1024.0 / KinesisLimits.ShardWriteBytesPerSecond));
        }
        var open = _streams.Values.Sum(s => s.OpenShardCount);
        if (open + shardCount > _settings.MaxShards)
            throw new LimitExceededException(ShardLimitMessage(open, shardCount));
        var replyTo = Sender;
        var created = new StreamCreated(cmd.Name, _lastEpoch + 1, shardCount, cmd.Mode, KinesisLimits.DefaultRetentionHours,
            _clock.GetUtcNow().ToUnixTimeMilliseconds());
        PersistEvent(created, () =>
        {
            // The settings CreateStream takes besides the shards go into the journal before the stream is answered.
            if (cmd.MaxRecordSizeKiB is { } kib) PersistEvent(new StreamMaxRecordSizeChanged(cmd.Name, kib), WithDistribution);
            else WithDistribution();
        });

        void WithDistribution()
        {
            if (cmd.RecordDistribution is RecordDistributionStrategy.Auto)
                PersistEvent(new StreamRecordDistributionChanged(cmd.Name, RecordDistributionStrategy.Auto), WithWarmThroughput);
            else
                WithWarmThroughput();
        }

        void WithWarmThroughput()
        {
            if (cmd.WarmThroughputMiBps is not null)
                PersistEvent(new StreamWarmThroughputChanged(cmd.Name, cmd.WarmThroughputMiBps), () => Initialize(_streams[cmd.Name]));
            else
                Initialize(_streams[cmd.Name]);
        }

        void Initialize(StreamEntry entry)
        {
            if (Delays.CreateStream <= TimeSpan.Zero)
            {
                InitializeShards(entry, replyTo);
                return;
            }
            // Kinesis answers at once with the stream CREATING; it turns ACTIVE when its shards exist and the delay is over.
            replyTo.Tell(View(entry));
            InitializeShards(entry, null);
        }
    }

    private void OnRegisterConsumer(RegisterConsumer cmd)
    {
        var entry = Find(cmd.StreamName);
        if (entry.Status is StreamStatus.Creating or StreamStatus.Deleting) throw NotActive(entry);
        if (entry.Consumers.Any(c => c.Name == cmd.ConsumerName) || IsDeregistering(entry, cmd.ConsumerName))
            throw new ResourceInUseException($"Consumer {cmd.ConsumerName} under stream {_settings.StreamArn(cmd.StreamName)} already exists.");
        var maxConsumers = MaxConsumersPerStream;
        if (entry.Consumers.Length >= maxConsumers)
            throw new LimitExceededException($"Stream {_settings.StreamArn(cmd.StreamName)} already has {entry.Consumers.Length} registered consumers; at most {maxConsumers} are allowed.");
        var replyTo = Sender;
        // Kinesis registers a consumer as CREATING and turns it ACTIVE some seconds later: here after the register delay.
        var registered = new ConsumerRegistered(cmd.StreamName, cmd.ConsumerName, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        PersistEvent(registered, () => replyTo.Tell(ViewConsumer(FindConsumer(_streams[cmd.StreamName], cmd.ConsumerName))));
    }

    private ConsumerEntry FindConsumer(StreamEntry entry, string consumerName) =>
        entry.Consumers.FirstOrDefault(c => c.Name == consumerName)
        ?? throw new ResourceNotFoundException($"Consumer {consumerName} under stream {_settings.StreamArn(entry.Name)} not found.");

    /// <summary>The consumer of that name, and only if it is the registration a consumer ARN's creation time names.</summary>
    private ConsumerEntry FindRegistration(StreamEntry entry, string consumerName, long? createdAtSeconds)
    {
        var consumer = FindConsumer(entry, consumerName);
        return consumer.IsRegistration(createdAtSeconds)
            ? consumer
            : throw new ResourceNotFoundException($"Consumer {consumerName} under stream {_settings.StreamArn(entry.Name)} with creation time {createdAtSeconds} not found.");
    }

    private void OnChangeRetention(ChangeRetention cmd)
    {
        var entry = Find(cmd.Name);
        if (entry.Status != StreamStatus.Active) throw NotActive(entry);
        if (cmd.RetentionHours < KinesisLimits.MinRetentionHours)
            throw new InvalidArgumentException($"Minimum allowed retention period is {KinesisLimits.MinRetentionHours} hours. Requested retention period ({cmd.RetentionHours} hours) is too short.");
        if (cmd.RetentionHours > KinesisLimits.MaxRetentionHours)
            throw new InvalidArgumentException($"Maximum allowed retention period is {KinesisLimits.MaxRetentionHours} hours. Requested retention period ({cmd.RetentionHours} hours) is too long.");
        if (cmd.Increase && cmd.RetentionHours < entry.RetentionHours)
            throw new InvalidArgumentException($"Requested retention period ({cmd.RetentionHours} hours) for stream {cmd.Name} can not be shorter than existing retention period ({entry.RetentionHours} hours). Use DecreaseRetentionPeriod API.");
        if (!cmd.Increase && cmd.RetentionHours > entry.RetentionHours)
            throw new InvalidArgumentException($"Requested retention period ({cmd.RetentionHours} hours) for stream {cmd.Name} can not be longer than existing retention period ({entry.RetentionHours} hours). Use IncreaseRetentionPeriod API.");
        var replyTo = Sender;
        PersistEvent(new StreamRetentionChanged(cmd.Name, cmd.RetentionHours), () =>
        {
            var e = _streams[cmd.Name];
            PipeWork(AskAllShards(e, id => new SetShardRetention(id, cmd.RetentionHours)),
                success: () => new RetentionApplied(cmd.Name, replyTo),
                    failure: ex => new ShardWorkFailed(cmd.Name, "Applying the retention period", ex, replyTo));
        });
    }

    private void OnChangeEncryption(ChangeEncryption cmd)
    {
        var entry = Find(cmd.Name);
        if (entry.Status != StreamStatus.Active) throw NotActive(entry);
        // The key must be usable now (KMSNotFound, KMSDisabled, KMSInvalidState otherwise), as Kinesis checks with KMS.
        if (cmd.KeyId is not null) _keys.Resolve(cmd.KeyId);
        var replyTo = Sender;
        PersistEvent(new StreamEncryptionChanged(cmd.Name, cmd.KeyId), () =>
        {
            MarkUpdating(cmd.Name);
            var e = _streams[cmd.Name];
            PipeWork(AskAllShards(e, id => new SetShardEncryption(id, cmd.KeyId)),
                success: () => new RetentionApplied(cmd.Name, replyTo),
                    failure: ex => new ShardWorkFailed(cmd.Name, "Applying the encryption setting", ex, replyTo));
        });
    }

    /// <summary>The stream as clients see it now (<see cref="Observed"/>), or ResourceNotFoundException.</summary>
    private StreamEntry Find(string name) =>
        _streams.TryGetValue(name, out var entry)
            ? Observed(entry)
            : throw new ResourceNotFoundException($"Stream {name} under account {_settings.AccountId} not found.");

    private void PersistEvent(IActorStreamsEvent e, Action then)
    {
        Persist(e, evt =>
        {
            Apply(evt);
            then();
            if (++_eventsSinceSnapshot >= SnapshotEveryEvents)
            {
                _eventsSinceSnapshot = 0;
                SaveSnapshot(new CatalogSnapshot(_lastEpoch, _streams.Values.ToImmutableArray()) { Commitment = _commitment });
            }
        });
    }

    private void Apply(IActorStreamsEvent e)
    {
        switch (e)
        {
            case StreamCreated c:
                _lastEpoch = Math.Max(_lastEpoch, c.Epoch);
                var shards = HashKey.UniformRanges(c.ShardCount)
                    .Select((range, i) => new ShardEntry(i, range, null, null, null))
                    .ToImmutableArray();
                _streams = _streams.SetItem(c.Name, new StreamEntry(c.Name, c.Epoch, StreamStatus.Creating, c.Mode, c.RetentionHours,
                    c.CreatedAtMs, shards, ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal), []));
                break;
            case StreamActivated a:
                Update(a.Name, s => s with { Status = StreamStatus.Active });
                break;
            case StreamDeletionStarted d:
                Update(d.Name, s => s with { Status = StreamStatus.Deleting });
                break;
            case StreamDeleted d:
                _streams = _streams.Remove(d.Name);
                PublishMonitoring(d.Name, null);
                break;
            case AccountCommitmentChanged c:
                _commitment = c.Commitment;
                break;
            case StreamMaxRecordSizeChanged r:
                Update(r.Name, s => s with { MaxRecordSizeKiB = r.KiB });
                break;
            case StreamRecordDistributionChanged d:
                Update(d.Name, s => s with { RecordDistribution = d.Strategy });
                break;
            case StreamWarmThroughputChanged w:
                Update(w.Name, s => s with { WarmThroughputMiBps = w.MiBps });
                break;
            case StreamMonitoringChanged m:
                Update(m.Name, s => s with { ShardLevelMetrics = m.Metrics });
                PublishMonitoring(m.Name, _streams.GetValueOrDefault(m.Name));
                break;
            case StreamRetentionChanged r:
                Update(r.Name, s => s with { RetentionHours = r.RetentionHours });
                break;
            case StreamEncryptionChanged c:
                Update(c.Name, s => s with { EncryptionKeyId = c.KeyId });
                break;
            case StreamTagsAdded t:
                Update(t.Name, s => s with { Tags = s.Tags.SetItems(t.Tags) });
                break;
            case StreamTagsRemoved t:
                Update(t.Name, s => s with { Tags = s.Tags.RemoveRange(t.Keys) });
                break;
            case ConsumerRegistered c:
                Update(c.StreamName, s => s with { Consumers = s.Consumers.Add(new ConsumerEntry(c.ConsumerName, c.CreatedAtMs)) });
                break;
            case ConsumerDeregistered c:
                Update(c.StreamName, s => s with { Consumers = s.Consumers.RemoveAll(x => x.Name == c.ConsumerName) });
                break;
            case ConsumerTagsAdded t:
                UpdateConsumer(t.StreamName, t.ConsumerName, c => c with { Tags = c.Tags.SetItems(t.Tags) });
                break;
            case ResourcePolicyChanged { ConsumerName: { } consumerName } r:
                UpdateConsumer(r.StreamName, consumerName, c => c with { ResourcePolicy = r.Policy });
                break;
            case ResourcePolicyChanged r:
                Update(r.StreamName, s => s with { ResourcePolicy = r.Policy });
                break;
            case ConsumerTagsRemoved t:
                UpdateConsumer(t.StreamName, t.ConsumerName, c => c with { Tags = c.Tags.RemoveRange(t.Keys) });
                break;
            case ReshardStarted or ReshardStepCompleted or ClosedShardRemoved or StreamModeChanged:
                ApplyReshard(e);
                break;
        }
    }

    private void Update(string name, Func<StreamEntry, StreamEntry> change)
    {
        if (_streams.TryGetValue(name, out var entry)) _streams = _streams.SetItem(name, change(entry));
    }

    private void UpdateConsumer(string streamName, string consumerName, Func<ConsumerEntry, ConsumerEntry> change) =>
        Update(streamName, s => s with { Consumers = s.Consumers.Select(c => c.Name == consumerName ? change(c) : c).ToImmutableArray() });
}
