using System.Threading.Channels;
using ActorStreams.Internal;
using ActorStreams.Streams;
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
        var client = ActorStreamsExtension.Get(system).Client;
        return WithControl(Source.FromTask(client.GetEntryAsync(streamName, CancellationToken.None))
            .ConcatMany(entry => ShardPages(client, entry.Name, entry.Epoch, shardId, start))
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
        var client = ActorStreamsExtension.Get(system).Client;
        return WithControl(Source.FromTask(client.GetEntryAsync(streamName, CancellationToken.None))
            .ConcatMany(entry => StreamRecords(client, entry, start)));
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
        var client = ActorStreamsExtension.Get(system).Client;
        return WithControl(Source.FromGraph(new ShardSubscriptionStage(client, consumerArn, shardId.ToString(), start))
            .MapMaterializedValue(_ => NotUsed.Instance));
    }

    private static Source<StreamRecord, NotUsed> StreamRecords(ActorStreamsClient client, StreamEntry entry, StartingPosition start)
    {
        var lineage = new ShardLineage(client, entry, start);
        var ready = Channel.CreateUnbounded<(StreamShardId Shard, StartingPosition Start)>();
        foreach (var first in lineage.Initial()) ready.Writer.TryWrite(first);
        return ChannelSource.FromReader(ready.Reader)
            .MergeMany(MaxShardsReadAtOnce, next => ShardPages(client, entry.Name, entry.Epoch, next.Shard, next.Start))
            // Children are started here, downstream of the merge: every record of the parent has passed by then.
            .SelectAsync(1, async page =>
            {
                if (page.ChildShards is { } children)
                    foreach (var child in await lineage.FinishedAsync(page.Shard, children).ConfigureAwait(false))
                        ready.Writer.TryWrite(child);
                return page.Records;
            })
            .SelectMany(records => records);
    }

    // Shards read at the same time by one whole-stream source; closed ones finish and make room.
    private const int MaxShardsReadAtOnce = 10_000;

    private sealed record Page(StreamShardId Shard, IReadOnlyList<StreamRecord> Records, IReadOnlyList<ChildShard>? ChildShards);

    /// <summary>The pages of one shard; the last one carries the children when the shard is closed, and the source then completes.</summary>
    private static Source<Page, NotUsed> ShardPages(ActorStreamsClient client, string streamName, long epoch, StreamShardId shardId, StartingPosition start)
    {
        var entityId = StreamShardEntity.EntityId(streamName, epoch, shardId.Index);
        var limit = client.Settings.SourceReadBatchRecords;
        var wait = client.Settings.StreamShard.LongPollTimeout;
        return Source.FromTask(client.ResolveAsync(entityId, start, countCall: false, CancellationToken.None))
            .ConcatMany(resolved => Source.UnfoldAsync((resolved.Position, resolved.MinTimestampMs, Ended: false), async state =>
            {
                var (position, minTs, ended) = state;
                if (ended) return Option<((SequenceNumber, long, bool), Page)>.None;
                while (true)
                {
                    var page = await client.ReadAsync(entityId, shardId, position, minTs, limit, wait, CancellationToken.None).ConfigureAwait(false);
                    if (page.ThrottledFor is { } delay)
                    {
                        await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.FromMilliseconds(10), client.Clock).ConfigureAwait(false);
                        continue;
                    }
                    return Option<((SequenceNumber, long, bool), Page)>.Create(
                        ((page.Next, minTs, page.EndOfShard), new Page(shardId, page.Records, page.ChildShards)));
                }
            }));
    }

    private static Source<T, ISourceControl> WithControl<T>(Source<T, NotUsed> source) =>
        source
            // UnfoldAsync fails with the read task's AggregateException; callers expect the ActorStreamsException in it.
            .SelectError(e => e is AggregateException a && a.Flatten().InnerExceptions is [var single] ? single : e)
            .ViaMaterialized(KillSwitches.Single<T>(), Keep.Right)
            .WatchTermination((killSwitch, completion) => (ISourceControl)new SourceControl(killSwitch, completion));
}
