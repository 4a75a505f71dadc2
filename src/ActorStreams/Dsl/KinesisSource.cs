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
    /// <summary>Every record of one shard, from <paramref name="start"/> on.</summary>
    public static Source<StreamRecord, ISourceControl> Shard(ActorSystem system, string streamName, StreamShardId shardId, StartingPosition start)
    {
        ArgumentNullException.ThrowIfNull(system);
        Validate.StreamName(streamName);
        var client = ActorStreamsExtension.Get(system).Client;
        return WithControl(Source.FromTask(client.GetRouteAsync(streamName, CancellationToken.None))
            .ConcatMany(route => ShardRecords(client, route, shardId, start)));
    }

    /// <summary>
    /// Every record of every open shard of a stream, merged: order holds per shard (and so per partition key),
    /// not across shards.
    /// </summary>
    public static Source<StreamRecord, ISourceControl> Stream(ActorSystem system, string streamName, StartingPosition start)
    {
        ArgumentNullException.ThrowIfNull(system);
        Validate.StreamName(streamName);
        var client = ActorStreamsExtension.Get(system).Client;
        return WithControl(Source.FromTask(client.GetEntryAsync(streamName, CancellationToken.None))
            .ConcatMany(entry =>
            {
                var route = new StreamRoute(entry);
                var open = entry.Shards.Where(s => s.IsOpen).Select(s => new StreamShardId(s.Index)).ToList();
                return Source.From(open).MergeMany(Math.Max(1, open.Count), shard => ShardRecords(client, route, shard, start));
            }));
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

    private static Source<StreamRecord, NotUsed> ShardRecords(ActorStreamsClient client, StreamRoute route, StreamShardId shardId, StartingPosition start)
    {
        var entityId = route.EntityId(shardId.Index);
        var limit = client.Settings.SourceReadBatchRecords;
        var wait = client.Settings.StreamShard.LongPollTimeout;
        return Source.FromTask(client.ResolveAsync(route, shardId.Index, start, countCall: false, CancellationToken.None))
            .ConcatMany(resolved => Source.UnfoldAsync(resolved, async state =>
            {
                var (position, minTs) = state;
                while (true)
                {
                    var page = await client.ReadAsync(entityId, shardId, position, minTs, limit, wait, CancellationToken.None).ConfigureAwait(false);
                    if (page.ThrottledFor is { } delay)
                    {
                        await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.FromMilliseconds(10), client.Clock).ConfigureAwait(false);
                        continue;
                    }
                    return Option<((SequenceNumber, long), IReadOnlyList<StreamRecord>)>.Create(((page.Next, minTs), page.Records));
                }
            }))
            .SelectMany(records => records);
    }

    private static Source<T, ISourceControl> WithControl<T>(Source<T, NotUsed> source) =>
        source
            // UnfoldAsync fails with the read task's AggregateException; callers expect the ActorStreamsException in it.
            .SelectError(e => e is AggregateException a && a.Flatten().InnerExceptions is [var single] ? single : e)
            .ViaMaterialized(KillSwitches.Single<T>(), Keep.Right)
            .WatchTermination((killSwitch, completion) => (ISourceControl)new SourceControl(killSwitch, completion));
}
