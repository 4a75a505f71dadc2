using System.Collections.Immutable;
using System.Globalization;
using ActorStreams.Dsl;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Settings;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// The delivery graph of a KinesisStreamAsSource delivery stream. The delivery stream is a consumer application of
/// its source stream (<see cref="ApplicationName"/>), read through <see cref="KinesisSource.Committable"/>: shards
/// are leased to it, followed across splits and merges, and a shard created by resharding is read only after its
/// parents were read to their end and their last record committed. Records are grouped by the buffering hints, then
/// go through the same transformation, preparation and delivery as DirectPut; only after a buffer was delivered (or
/// went to the error output) are its records committed through <see cref="Committer"/>. Records are never copied into
/// the delivery stream's journal: they stay in the source stream, and a restart re-reads from the checkpoints, so it
/// redelivers rather than loses. Reading is on demand, so a slow destination slows the reading.
/// </summary>
internal static class KinesisSourceGraph
{
    private const string ArnMarker = ":stream/";

    /// <summary>The stream name of <c>arn:aws:kinesis:REGION:ACCOUNT:stream/NAME</c>.</summary>
    public static string StreamNameOfArn(string arn)
    {
        var at = arn.IndexOf(ArnMarker, StringComparison.Ordinal);
        if (!arn.StartsWith("arn:aws:kinesis:", StringComparison.Ordinal) || at < 0 || at + ArnMarker.Length == arn.Length)
            throw new InvalidArgumentException($"KinesisStreamARN '{arn}' is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME).");
        return arn[(at + ArnMarker.Length)..];
    }

    /// <summary>
    /// The consumer application of a delivery stream: <c>firehose-NAME-CREATEDMS</c>. The creation time keeps a
    /// delivery stream deleted and created again under the same name from resuming the old one's checkpoints.
    /// </summary>
    public static string ApplicationName(string deliveryStreamName, long createdAtMs) =>
        string.Create(CultureInfo.InvariantCulture, $"firehose-{deliveryStreamName}-{createdAtMs}");

    /// <summary>
    /// Starts the graph; the returned switch stops it and makes the delivery stream leave its application at once
    /// (its leases are released, not left to expire). <paramref name="legacyCheckpoints"/> are the per-shard
    /// checkpoints a delivery stream journaled before it was a consumer application; see <see cref="MigrateAsync"/>.
    /// </summary>
    public static IKillSwitch Run(ActorSystem system, IActorRef owner, long generation, DeliveryPlan plan, DeliveryStreamMetadata metadata,
        ImmutableSortedDictionary<string, string> legacyCheckpoints, FirehoseRuntime runtime, ILoggingAdapter log, IMaterializer materializer,
        CancellationToken cancellationToken)
    {
        var streams = ActorStreamsExtension.Get(system);
        var streamName = StreamNameOfArn(metadata.Source!.KinesisStreamArn);
        var application = ApplicationName(metadata.Name, metadata.CreatedAtMs);
        // A delivery stream always reads what its source stream retains, whatever the application default says.
        var members = ConsumerApplicationSettings.Create(system).WithInitialPosition(ShardIteratorType.TrimHorizon);
        var commits = CommitterSettings.Create(system);
        var hints = metadata.Destination.EffectiveBufferingHints;
        var sizeLimit = Math.Min((long)hints.SizeInMBs * 1024 * 1024, runtime.Settings.MaxBacklogBytes / 2);
        // GroupedWeightedWithin needs a positive interval: 0 s means "as soon as records are there".
        var interval = hints.IntervalInSeconds == 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(hints.IntervalInSeconds);
        var handle = new Handle();

        var (killSwitch, done) = Source.FromTask(MigrateAsync(streams, streamName, application, metadata.CreatedAtMs, legacyCheckpoints, log, cancellationToken))
            .ConcatMany(_ => KinesisSource.Committable(system, streamName, application, members).MapMaterializedValue(control =>
            {
                handle.Attach(control);
                return NotUsed.Instance;
            }))
            .ViaMaterialized(KillSwitches.Single<CommittableRecord>(), Keep.Right)
            .GroupedWeightedWithin(sizeLimit, interval, r => Math.Max(1, r.Record.Data.Length))
            .Select(records => ToBuffer(plan, records))
            .SelectAsync(1, async b => (Transformed: await DeliveryGraph.TransformAsync(b.Buffer, runtime, log, cancellationToken).ConfigureAwait(false), b.Records))
            .Select(t => (Prepared: DeliveryGraph.Prepare(t.Transformed), t.Records))
            .Async()
            .SelectAsync(1, async p =>
            {
                var outcome = await DeliveryGraph.DeliverAsync(p.Prepared, runtime, log, cancellationToken).ConfigureAwait(false);
                if (outcome.Partitioned is { } partitions) await DeliverPartitionsAsync(plan, partitions, runtime, log, cancellationToken).ConfigureAwait(false);
                return p.Records;
            })
            // Delivered, or in the error output: the newest record of each shard read commits the whole buffer.
            .SelectMany(records => records.GroupBy(r => r.Run).Select(g => (ICommittable)g.MaxBy(r => r.Position)!))
            .ToMaterialized(Committer.Sink(commits), Keep.Both)
            .Run(materializer);
        handle.Outer = killSwitch;
        done.ContinueWith(t => owner.Tell(new DeliveryGraphStopped(generation, t.Exception?.GetBaseException())), TaskScheduler.Default);
        return handle;
    }

    /// <summary>
    /// Dynamic partitioning of a buffer read from the stream: its records were transformed and given their keys (those
    /// without go to <c>partitioning-failed</c>) by <see cref="DeliveryGraph.DeliverAsync"/>; each partition is then
    /// delivered as one object under the prefix evaluated with its keys. The records stay in the source stream until
    /// every partition is delivered, so partitions are not journaled as DirectPut's are, and a partition closes with
    /// the buffer it came from. Partitions beyond the active partition limit go to the error output, as DirectPut's.
    /// </summary>
    private static async Task DeliverPartitionsAsync(DeliveryPlan plan, IReadOnlyList<PartitionGroup> partitions, FirehoseRuntime runtime,
        ILoggingAdapter log, CancellationToken cancellationToken)
    {
        var max = runtime.Settings.MaxActivePartitions;
        var buffers = partitions.Take(max).Select(g => new DeliveryBuffer(Guid.NewGuid(), plan, g.Records) { Partition = g.Keys }).ToList();
        if (partitions.Count > max)
        {
            var overflow = partitions.Skip(max).SelectMany(g => g.Records).ToArray();
            log.Warning("Firehose {0}: {1} records belong to partitions beyond the limit of {2} active partitions; they go to the error output",
                plan.StreamName, overflow.Length, max);
            buffers.Add(new DeliveryBuffer(Guid.NewGuid(), plan, overflow) { Overflow = true });
        }
        foreach (var buffer in buffers)
        {
            var transformed = await DeliveryGraph.TransformAsync(buffer, runtime, log, cancellationToken).ConfigureAwait(false);
            await DeliveryGraph.DeliverAsync(DeliveryGraph.Prepare(transformed), runtime, log, cancellationToken).ConfigureAwait(false);
        }
    }

    private static (DeliveryBuffer Buffer, IReadOnlyList<CommittableRecord> Records) ToBuffer(DeliveryPlan plan, IEnumerable<CommittableRecord> records)
    {
        var list = records.ToList();
        // Firehose de-aggregates KPL records from a stream by itself; the buffer commits its Kinesis records as a whole.
        var buffered = list
            .SelectMany(r => RecordProcessors.UserRecordsOf(r.Record.Data)
                .Select(data => new BufferedRecord(r.Record.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds(), data)))
            .ToArray();
        return (new DeliveryBuffer(Guid.NewGuid(), plan, buffered), list);
    }

    /// <summary>
    /// Moves the checkpoints a delivery stream journaled before it read as a consumer application into its
    /// application, so it resumes where it was instead of at TRIM_HORIZON. The earlier reader read the shards open
    /// when it started, each after its checkpoint (the last sequence number delivered) or from its start, and never
    /// a shard that was already closed. So: a shard with such a checkpoint resumes after it; a closed shard without
    /// one that was closed before the delivery stream was created (it was never read; everything it holds predates
    /// the delivery stream) is marked finished (SHARD_END); every other shard is read from its start, which delivers
    /// the records the earlier reader missed in shards created by resharding after it started. Checkpoints only move
    /// forward, so running this again on every start changes nothing once the application has gone further.
    /// </summary>
    internal static async Task<NotUsed> MigrateAsync(ActorStreamsExtension streams, string streamName, string application, long createdAtMs,
        ImmutableSortedDictionary<string, string> legacyCheckpoints, ILoggingAdapter log, CancellationToken cancellationToken)
    {
        if (legacyCheckpoints.IsEmpty) return NotUsed.Instance;
        var entry = await streams.Router.GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        var updates = ImmutableArray.CreateBuilder<CheckpointUpdate>();
        var checkpointed = new HashSet<int>();
        foreach (var (shardId, sequenceNumber) in legacyCheckpoints)
        {
            if (!StreamShardId.TryParse(shardId, out var id) || !SequenceNumber.TryParse(sequenceNumber, out var last))
            {
                log.Warning("Delivery stream checkpoint {0} = {1} is not a shard id and sequence number; it is not migrated", shardId, sequenceNumber);
                continue;
            }
            checkpointed.Add(id.Index);
            updates.Add(new CheckpointUpdate(id.Index, last.Next, ShardEnd: false));
        }
        foreach (var shard in entry.Shards)
        {
            if (shard.IsOpen || checkpointed.Contains(shard.Index)) continue;
            // A catalog of before shard close times (null) cannot tell: then only ancestors of a checkpointed shard count.
            var skipped = shard.ClosedAtMs is { } closedAt ? closedAt <= createdAtMs : IsAncestorOfAny(entry, shard.Index, checkpointed);
            if (skipped) updates.Add(new CheckpointUpdate(shard.Index, new SequenceNumber(shard.EndingEventNo ?? 0, 0), ShardEnd: true));
        }
        if (updates.Count == 0) return NotUsed.Instance;
        var entityId = ConsumerApplicationEntity.EntityId(entry.Name, entry.Epoch, application);
        await streams.ConsumerApplications.CommitCheckpointsAsync(new CommitCheckpoints(entityId, MigrationMemberId, updates.ToImmutable()), cancellationToken).ConfigureAwait(false);
        return NotUsed.Instance;
    }

    // Commits are not checked against leases; this names the migration in the application's diagnostics.
    private const string MigrationMemberId = "firehose-checkpoint-migration";

    private static bool IsAncestorOfAny(StreamEntry entry, int shard, HashSet<int> descendants)
    {
        var children = entry.Shards.Where(s => s.ParentIndex == shard || s.AdjacentParentIndex == shard).Select(s => s.Index).ToList();
        return children.Any(c => descendants.Contains(c) || IsAncestorOfAny(entry, c, descendants));
    }

    /// <summary>
    /// Stops the graph: the source leaves the application (its leases are released at once), else, before the source
    /// started, the graph is cut upstream.
    /// </summary>
    private sealed class Handle : IKillSwitch
    {
        private readonly object _lock = new();
        private ISourceControl? _control;
        private bool _stopped;

        public UniqueKillSwitch? Outer { get; set; }

        public void Attach(ISourceControl control)
        {
            bool stopped;
            lock (_lock)
            {
                _control = control;
                stopped = _stopped;
            }
            if (stopped) control.Stop();
        }

        public void Shutdown()
        {
            ISourceControl? control;
            lock (_lock)
            {
                _stopped = true;
                control = _control;
            }
            control?.Stop();
            Outer?.Shutdown();
        }

        public void Abort(Exception cause)
        {
            Shutdown();
            Outer?.Abort(cause);
        }
    }
}
