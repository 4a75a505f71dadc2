using System.Collections.Immutable;
using System.Threading.Channels;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Settings;
using Akka;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorStreams.Dsl;

/// <summary>
/// One materialized <see cref="KinesisSource.Committable"/> source: a member of a consumer application. A renewal
/// loop on the runtime clock reports the shards it reads to the application entity and starts or stops shard reads
/// as leases are granted or revoked; commits move the entity's checkpoints, and the commit that covers the last
/// record of a closed shard writes its SHARD_END checkpoint, after which the member asks for the children at once.
/// </summary>
internal sealed class ConsumerApplicationMember
{
    // Shards one member reads at the same time; a finished or revoked shard makes room.
    private const int MaxShardsReadAtOnce = 10_000;

    private readonly ActorStreamsExtension _streams;
    private readonly string _streamName;
    private string _entityId = "";
    private long _epoch;
    private readonly string _memberId = Guid.NewGuid().ToString("N");
    private readonly ConsumerApplicationSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly ISourceQueueWithComplete<ShardRun> _ready;
    private volatile bool _leaving;
    private readonly Channel<bool> _kick = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _lock = new();
    private readonly Dictionary<int, ShardRun> _runs = new();
    private readonly SemaphoreSlim _heartbeatGate = new(1, 1);

    private ConsumerApplicationMember(ActorStreamsExtension streams, string streamName, string applicationName, ConsumerApplicationSettings settings,
        ISourceQueueWithComplete<ShardRun> ready)
    {
        _streams = streams;
        _streamName = streamName;
        ApplicationName = applicationName;
        _settings = settings;
        _ready = ready;
        _log = Logging.GetLogger(streams.System, typeof(ConsumerApplicationMember));
    }

    public string ApplicationName { get; }

    /// <summary>
    /// A new member for every materialization: the records of the shards it is leased, as they are granted; its
    /// renewal loop runs while the stream does. The materialized member is told by <see cref="Leave"/> that the
    /// source was stopped on purpose.
    /// </summary>
    public static Source<CommittableRecord, ConsumerApplicationMember> Source(ActorStreamsExtension streams, string streamName, string applicationName,
        ConsumerApplicationSettings settings)
    {
        return Akka.Streams.Dsl.Source.Queue<ShardRun>(MaxShardsReadAtOnce, OverflowStrategy.DropNew)
            .MapMaterializedValue(queue => new ConsumerApplicationMember(streams, streamName, applicationName, settings, queue))
            // MergeMany wants the shard sources to materialize the outer type; their values are dropped anyway.
            .MergeMany(MaxShardsReadAtOnce, run => run.Pages(streams, streamName).MapMaterializedValue(_ => run.Member))
            // Downstream of the merge: the end of a shard is seen after every one of its records was emitted.
            .SelectAsync(1, item => item.Item1.Member.OnPageAsync(item))
            .SelectMany(records => records)
            .ViaMaterialized(new MemberLifetime<CommittableRecord>(), (member, lifetime) =>
            {
                lifetime.Attach(member);
                return member;
            });
    }

    /// <summary>The source is being stopped on purpose: release the leases at once when it has stopped.</summary>
    public void Leave() => _leaving = true;

    internal void OnStarted() => _ = Task.Run(RenewLoopAsync);

    internal void OnTerminated(bool upstreamCompleted)
    {
        var graceful = upstreamCompleted || _leaving;
        _stopping.Cancel();
        lock (_lock)
        {
            foreach (var run in _runs.Values) run.Stop();
            _runs.Clear();
        }
        // Stopped or completed: leave at once. Failed or torn down: leave the leases to expire, like a crashed process.
        if (graceful) _ = LeaveAsync();
    }

    private async Task LeaveAsync()
    {
        try
        {
            await _streams.ConsumerApplications.HeartbeatAsync(new ConsumerHeartbeat(_entityId, _memberId, [], (long)_settings.LeaseDuration.TotalMilliseconds,
                false, Leaving: true), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.Warning("Member {0} of {1} could not release its leases ({2}); they expire after {3}", _memberId, _entityId, e.Message, _settings.LeaseDuration);
        }
    }

    // ---------------- leases ----------------

    private async Task RenewLoopAsync()
    {
        try
        {
            var entry = await _streams.Router.GetEntryAsync(_streamName, _stopping.Token).ConfigureAwait(false);
            _epoch = entry.Epoch;
            _entityId = ConsumerApplicationEntity.EntityId(entry.Name, entry.Epoch, ApplicationName);
        }
        catch (Exception e)
        {
            _ready.Fail(e);
            return;
        }
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await CommitFinishedShardsAsync().ConfigureAwait(false);
                await HeartbeatAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (ResourceNotFoundException e)
            {
                _ready.Fail(e);
                return;
            }
            catch (Exception e)
            {
                // The entity may be moving to another node: the next renewal tries again, the lease outlives a few misses.
                _log.Warning("Member {0} of {1} could not renew its leases: {2}", _memberId, _entityId, e.Message);
            }
            try
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                var delay = Task.Delay(_settings.RenewInterval, _streams.Clock, wake.Token);
                var kick = _kick.Reader.ReadAsync(wake.Token).AsTask();
                await Task.WhenAny(delay, kick).ConfigureAwait(false);
                wake.Cancel();
                await Task.WhenAll(delay, kick).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Kick() => _kick.Writer.TryWrite(true);

    private async Task HeartbeatAsync()
    {
        await _heartbeatGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
        try
        {
            ImmutableArray<int> held;
            lock (_lock) held = _runs.Keys.Order().ToImmutableArray();
            var assignment = await _streams.ConsumerApplications.HeartbeatAsync(new ConsumerHeartbeat(_entityId, _memberId, held,
                (long)_settings.LeaseDuration.TotalMilliseconds, _settings.InitialPosition == ShardIteratorType.Latest, Leaving: false),
                _stopping.Token).ConfigureAwait(false);
            lock (_lock)
            {
                if (_stopping.IsCancellationRequested) return;
                foreach (var shard in assignment.Revoked)
                {
                    if (_runs.Remove(shard, out var run)) run.Stop();
                }
                foreach (var grant in assignment.Granted)
                {
                    if (_runs.ContainsKey(grant.ShardIndex)) continue;
                    var run = new ShardRun(this, grant);
                    _runs[grant.ShardIndex] = run;
                    // Offers complete at once: the buffer holds more shards than a member ever reads.
                    _ = _ready.OfferAsync(run);
                }
            }
        }
        finally
        {
            _heartbeatGate.Release();
        }
    }

    // ---------------- pages and commits ----------------

    internal async Task<IReadOnlyList<CommittableRecord>> OnPageAsync((ShardRun Run, KinesisSource.Page Page) item)
    {
        var (run, page) = item;
        // A revoked shard's pages are dropped: nothing of them was emitted, so nothing of them was committed.
        if (run.Stopped) return Array.Empty<CommittableRecord>();
        var records = new CommittableRecord[page.Records.Count];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = new CommittableRecord(page.Records[i], SequenceNumber.Parse(page.Records[i].SequenceNumber, "SequenceNumber"), this, run);
            if (run.ResumeInside is { } inside && records[i].Position >= inside.Position)
            {
                if (records[i].Position == inside.Position) records[i] = records[i].SkippingUserRecords(inside.UserRecordsDone);
                run.ResumeInside = null;
            }
        }
        bool finished;
        lock (_lock)
        {
            if (records.Length > 0) run.LastEmitted = records[^1].Position;
            if (page.ChildShards is not null) run.Ended = true;
            finished = run.Ended && run.AllCommitted;
        }
        if (finished) await CommitFinishedShardsAsync().ConfigureAwait(false);
        return records;
    }

    /// <summary>SHARD_END checkpoints for shards read to their end whose every emitted record is committed.</summary>
    private async Task CommitFinishedShardsAsync()
    {
        List<ShardRun> finished;
        lock (_lock) finished = _runs.Values.Where(r => r.Ended && r.AllCommitted && !r.Stopped).ToList();
        if (finished.Count == 0) return;
        try
        {
            await SendAsync(finished.Select(r => new CheckpointUpdate(r.Index, r.LastCommitted, ShardEnd: true)).ToImmutableArray(),
                finished, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.Warning("Member {0} of {1} could not checkpoint the end of shards {2}: {3}; the next renewal tries again",
                _memberId, _entityId, string.Join(", ", finished.Select(r => r.Index)), e.Message);
        }
    }

    public async Task CommitAsync(IReadOnlyCollection<CommittableRecord> records, CancellationToken cancellationToken)
    {
        var updates = ImmutableArray.CreateBuilder<CheckpointUpdate>();
        var finished = new List<ShardRun>();
        lock (_lock)
        {
            foreach (var newest in records.GroupBy(r => r.Run).Select(g => g.MaxBy(r => (r.CheckpointPosition, r.CheckpointUserRecords))!))
            {
                var run = newest.Run;
                var position = newest.CheckpointPosition;
                var end = run.Ended && !run.Stopped && run.LastEmitted is { } last && position > last;
                if (end) finished.Add(run);
                updates.Add(new CheckpointUpdate(run.Index, position, end, newest.CheckpointUserRecords));
            }
        }
        await SendAsync(updates.ToImmutable(), finished, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var u in updates)
            {
                foreach (var record in records.Where(r => r.Run.Index == u.ShardIndex))
                    if (record.Run.LastCommitted < u.Position) record.Run.LastCommitted = u.Position;
            }
        }
    }

    private async Task SendAsync(ImmutableArray<CheckpointUpdate> updates, List<ShardRun> finished, CancellationToken cancellationToken)
    {
        if (updates.IsEmpty) return;
        await _streams.ConsumerApplications.CommitCheckpointsAsync(new CommitCheckpoints(_entityId, _memberId, updates), cancellationToken).ConfigureAwait(false);
        if (finished.Count == 0) return;
        lock (_lock)
        {
            foreach (var run in finished)
            {
                run.Stop();
                if (_runs.TryGetValue(run.Index, out var current) && ReferenceEquals(current, run)) _runs.Remove(run.Index);
            }
        }
        // The children may be leased now.
        Kick();
    }

    /// <summary>One lease of one shard being read; guarded by the member's lock.</summary>
    internal sealed class ShardRun
    {
        private readonly ConsumerApplicationMember _member;
        private readonly ShardGrant _grant;
        private UniqueKillSwitch? _killSwitch;

        public ShardRun(ConsumerApplicationMember member, ShardGrant grant)
        {
            _member = member;
            _grant = grant;
            Index = grant.ShardIndex;
        }

        public int Index { get; }

        public ConsumerApplicationMember Member => _member;

        /// <summary>The checkpoint this member knows: the position after the last committed record.</summary>
        public SequenceNumber LastCommitted { get; set; }

        public SequenceNumber? LastEmitted { get; set; }

        public bool Ended { get; set; }

        public bool Stopped { get; private set; }

        /// <summary>The record the shard resumed at and how many of its user records a checkpoint inside it covers, until it is read.</summary>
        public (SequenceNumber Position, long UserRecordsDone)? ResumeInside { get; set; }

        public bool AllCommitted => LastEmitted is not { } last || LastCommitted > last;

        public void Stop()
        {
            Stopped = true;
            _killSwitch?.Shutdown();
        }

        public Source<(ShardRun, KinesisSource.Page), NotUsed> Pages(ActorStreamsExtension streams, string streamName)
        {
            var shardId = new StreamShardId(Index);
            var entityId = StreamShardEntity.EntityId(streamName, _member._epoch, Index);
            return Akka.Streams.Dsl.Source.FromTask(StartAsync(streams, entityId))
                .ConcatMany(start => KinesisSource.ShardPagesFrom(streams, entityId, shardId, start, 0))
                .Select(page => (this, page))
                .ViaMaterialized(KillSwitches.Single<(ShardRun, KinesisSource.Page)>(), Keep.Right)
                .MapMaterializedValue(killSwitch =>
                {
                    lock (_member._lock)
                    {
                        _killSwitch = killSwitch;
                        if (Stopped) killSwitch.Shutdown();
                    }
                    return NotUsed.Instance;
                });
        }

        private async Task<SequenceNumber> StartAsync(ActorStreamsExtension streams, string entityId)
        {
            var horizon = (await streams.Reads.ResolveAsync(entityId, StartingPosition.TrimHorizon, countCall: false, CancellationToken.None).ConfigureAwait(false)).Position;
            SequenceNumber start;
            if (_grant.Position is { } checkpoint)
            {
                start = checkpoint > horizon ? checkpoint : horizon;
                if (start == checkpoint && _grant.UserRecordsDone > 0)
                    lock (_member._lock) ResumeInside = (checkpoint, _grant.UserRecordsDone);
            }
            else if (_grant.FromLatest)
            {
                start = (await streams.Reads.ResolveAsync(entityId, StartingPosition.Latest, countCall: false, CancellationToken.None).ConfigureAwait(false)).Position;
                // Pin LATEST as a checkpoint, so a member that takes the shard over does not skip what is written meanwhile.
                await streams.ConsumerApplications.CommitCheckpointsAsync(new CommitCheckpoints(_member._entityId, _member._memberId,
                    [new CheckpointUpdate(Index, start, false)]), CancellationToken.None).ConfigureAwait(false);
            }
            else start = horizon;
            lock (_member._lock) LastCommitted = start;
            return start;
        }
    }
}
