using System.Threading.Channels;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Reads;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Kinesis.Internal.Subscriptions;
using ActorStreams.Settings;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Util;

namespace ActorStreams.Dsl;

/// <summary>
/// Sources that read ActorStreams streams live: records are emitted in shard order as they are appended, reading
/// only on demand (a slow consumer is never flooded) and waiting at the tip for new records instead of polling.
/// A throttled read waits for the shard's read capacity. The materialized <see cref="ISourceControl"/> stops it.
/// </summary>
public static class KinesisSource
{
    /// <summary>
    /// Every record of one shard, from <paramref name="start"/> on. When the shard is closed by resharding the source
    /// completes at its end (read its children next, or use <see cref="Stream"/>, which does).
    /// </summary>
    public static Source<StreamRecord, ISourceControl> Shard(ActorSystem system, string streamName, StreamShardId shardId, StartingPosition start)
    {
        ArgumentNullException.ThrowIfNull(system);
        Validate.StreamName(streamName);
        var streams = ActorStreamsExtension.Get(system);
        return WithControl(Source.FromTask(streams.Router.GetEntryAsync(streamName, CancellationToken.None))
            .ConcatMany(entry => ShardPages(streams, entry.Name, entry.Epoch, shardId, start))
            .SelectMany(page => page.Records));
    }

    /// <summary>
    /// Every record of a stream, across resharding: shards are read in parallel, but a shard created by a split or
    /// a merge is read only after its parents (both parents of a merge) were read to their end, so the records of
    /// one partition key come out in the order they were written, however often the stream is resharded. New shards
    /// are found as their parents reach their end. From TRIM_HORIZON (or a timestamp) reading begins at the oldest
    /// retained shards; from LATEST at the shards open now. A sequence-number start applies to the shards read
    /// first, their children are read from their beginning.
    /// </summary>
    public static Source<StreamRecord, ISourceControl> Stream(ActorSystem system, string streamName, StartingPosition start)
    {
        ArgumentNullException.ThrowIfNull(system);
        Validate.StreamName(streamName);
        var streams = ActorStreamsExtension.Get(system);
        // Pages cross the ConcatMany boundary and are flattened after it: an element of an inner source reaches the
        // outer one through a sub-sink callback, which per record cost more than the rest of the record's way.
        return WithControl(Source.FromTask(streams.Router.GetEntryAsync(streamName, CancellationToken.None))
            .ConcatMany(entry => StreamPages(streams, entry, start))
            .SelectMany(records => records));
    }

    /// <summary>
    /// An enhanced fan-out subscription (SubscribeToShard) of a registered consumer to one shard: its events, pushed
    /// as records are appended, paced by the consumer (at most 2 MiB/s of its own). It fails with the typed error of
    /// SubscribeToShard (ResourceNotFoundException, ResourceInUseException, InvalidArgumentException) and completes
    /// after the subscription lifetime (5 minutes), or with the child shards at the end of a closed shard. For
    /// records without end, use <see cref="Shard"/>; this source is what a consumer that checkpoints continuations uses.
    /// </summary>
    public static Source<SubscribeToShardEvent, ISourceControl> SubscribeToShard(ActorSystem system, string consumerArn, StreamShardId shardId,
        StartingPosition start)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentException.ThrowIfNullOrEmpty(consumerArn);
        var streams = ActorStreamsExtension.Get(system);
        return WithControl(Source.FromGraph(new ShardSubscriptionStage(streams, consumerArn, shardId.ToString(), start))
            .MapMaterializedValue(_ => NotUsed.Instance));
    }

    /// <summary>
    /// Every record of a stream for the consumer application <paramref name="applicationName"/>, as
    /// <see cref="CommittableRecord"/>s to commit once processed (<see cref="CommittableRecord.CommitAsync"/>, or
    /// batched through <see cref="Committer.Sink"/>). Every source of the same application (in this process or on other
    /// nodes of the cluster) is a member: the stream's shards are leased to the members and rebalanced as members join
    /// and leave; a member that stops renewing (it died) loses its shards after the lease duration, and the others
    /// resume them after their last checkpoint. A shard created by resharding is leased only after its parents were
    /// read to their end and their last record committed. Checkpoints are journaled and survive restarts.
    /// Delivery is at least once, in order per shard: records emitted but not committed when a shard moves to another
    /// member are delivered again.
    /// </summary>
    /// <param name="system">The ActorSystem running ActorStreams.</param>
    /// <param name="streamName">The stream to read.</param>
    /// <param name="applicationName">The application: 1 to 128 characters of <c>[a-zA-Z0-9_.-]</c>.</param>
    /// <param name="settings">How this member takes part; null for <c>actorstreams.consumer-application</c>.</param>
    /// <remarks>
    /// <see cref="ISourceControl.Stop"/> leaves the application at once (its shards go to the other members on their
    /// next renewal). A source that ends any other way (its downstream failed or cancelled, its materializer or system
    /// was shut down) leaves like a crashed process: its leases expire after the lease duration. Leases are measured
    /// on the runtime clock (<see cref="ActorStreamsSetup"/>).
    /// </remarks>
    public static Source<CommittableRecord, ISourceControl> Committable(ActorSystem system, string streamName, string applicationName,
        ConsumerApplicationSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        Validate.StreamName(streamName);
        Validate.ConsumerName(applicationName, "ApplicationName");
        var memberSettings = settings ?? ConsumerApplicationSettings.Create(system);
        var streams = ActorStreamsExtension.Get(system);
        return ConsumerApplicationMember.Source(streams, streamName, applicationName, memberSettings)
            .SelectError(e => e is AggregateException a && a.Flatten().InnerExceptions is [var single] ? single : e)
            .ViaMaterialized(KillSwitches.Single<CommittableRecord>(), Keep.Both)
            .WatchTermination((mat, completion) => (ISourceControl)new SourceControl(mat.Item2, completion, mat.Item1.Leave));
    }

    /// <summary>The record pages of a whole stream, in the order <see cref="Stream"/> gives its records.</summary>
    private static Source<IReadOnlyList<StreamRecord>, NotUsed> StreamPages(ActorStreamsExtension streams, StreamEntry entry, StartingPosition start)
    {
        var lineage = new ShardLineage(streams, entry, start);
        var ready = Channel.CreateUnbounded<(StreamShardId Shard, StartingPosition Start)>();
        foreach (var first in lineage.Initial()) ready.Writer.TryWrite(first);
        return ChannelSource.FromReader(ready.Reader)
            .MergeMany(MaxShardsReadAtOnce, next => ShardPages(streams, entry.Name, entry.Epoch, next.Shard, next.Start))
            // Children are started here, downstream of the merge: every record of the parent has passed by then.
            .SelectAsync(1, async page =>
            {
                if (page.ChildShards is { } children)
                    foreach (var child in await lineage.FinishedAsync(page.Shard, children).ConfigureAwait(false))
                        ready.Writer.TryWrite(child);
                return page.Records;
            });
    }

    // Shards read at the same time by one whole-stream source; closed ones finish and make room.
    private const int MaxShardsReadAtOnce = 10_000;

    internal sealed record Page(StreamShardId Shard, IReadOnlyList<StreamRecord> Records, IReadOnlyList<ChildShard>? ChildShards);

    /// <summary>The pages of one shard; the last one carries the children when the shard is closed, and the source then completes.</summary>
    private static Source<Page, NotUsed> ShardPages(ActorStreamsExtension streams, string streamName, long epoch, StreamShardId shardId, StartingPosition start)
    {
        var entityId = StreamShardEntity.EntityId(streamName, epoch, shardId.Index);
        return Source.FromTask(streams.Reads.ResolveAsync(entityId, start, countCall: false, CancellationToken.None))
            .ConcatMany(resolved => ShardPagesFrom(streams, entityId, shardId, resolved.Position, resolved.MinTimestampMs));
    }

    /// <summary>
    /// The pages of one shard from a resolved position: waits at the tip, waits out throttling, completes at the end of a
    /// closed shard. While a page with records goes downstream the next one is already being read (one page ahead), so a
    /// reader catching up does not pay a journal round trip per page.
    /// </summary>
    internal static Source<Page, NotUsed> ShardPagesFrom(ActorStreamsExtension streams, string entityId, StreamShardId shardId, SequenceNumber from, long minTimestampMs)
    {
        var limit = streams.Settings.SourceReadBatchRecords;
        var wait = streams.Settings.StreamShard.LongPollTimeout;
        Task<ShardPage> Read(SequenceNumber position) =>
            streams.Reads.ReadAsync(entityId, shardId, position, minTimestampMs, limit, wait, CancellationToken.None);
        return Source.UnfoldAsync(new PageCursor(from, null, false), async cursor =>
            {
                if (cursor.Ended) return Option<(PageCursor, Page)>.None;
                var reading = cursor.Ahead ?? Read(cursor.Position);
                while (true)
                {
                    var page = await reading.ConfigureAwait(false);
                    if (page.ThrottledFor is { } delay)
                    {
                        await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.FromMilliseconds(10), streams.Clock).ConfigureAwait(false);
                        reading = Read(cursor.Position);
                        continue;
                    }
                    // Read ahead only while catching up: an empty page means the reader is at the tip, where the next
                    // read parks in the shard until records arrive.
                    var ahead = !page.EndOfShard && page.Records.Count > 0 ? Observed(Read(page.Next)) : null;
                    return Option<(PageCursor, Page)>.Create(
                        (new PageCursor(page.Next, ahead, page.EndOfShard), new Page(shardId, page.Records, page.ChildShards)));
                }
            });
    }

    /// <summary>Where a shard's pages continue, and the read of the next page when it was started ahead.</summary>
    private readonly record struct PageCursor(SequenceNumber Position, Task<ShardPage>? Ahead, bool Ended);

    // A read started ahead may outlive its source (cancelled downstream): its failure is observed here, so it never
    // surfaces as an unobserved task exception; a source that goes on awaits it and gets the failure as usual.
    private static Task<ShardPage> Observed(Task<ShardPage> task)
    {
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return task;
    }

    private static Source<T, ISourceControl> WithControl<T>(Source<T, NotUsed> source) =>
        source.ViaMaterialized(new SourceControlStage<T>(), Keep.Right);
}
