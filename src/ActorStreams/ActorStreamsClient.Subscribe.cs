using ActorStreams.Internal;
using ActorStreams.Streams;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorStreams;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Subscribes a registered consumer to one shard (enhanced fan-out, SubscribeToShard): records are pushed as they
    /// are appended, after catching up from <paramref name="startingPosition"/>, at up to 2 MiB/s for this consumer
    /// alone. Returns once the subscription has started; enumerate it for its events. It completes after 5 minutes
    /// (<c>actorstreams.enhanced-fan-out.subscription-lifetime</c>); subscribe again AFTER_SEQUENCE_NUMBER the last
    /// <see cref="SubscribeToShardEvent.ContinuationSequenceNumber"/> to go on. Dispose it to end it early.
    /// </summary>
    /// <exception cref="ResourceNotFoundException">No consumer has that ARN, or the stream has no such shard.</exception>
    /// <exception cref="ResourceInUseException">
    /// The consumer subscribed to this shard less than 5 s ago. (Later, the new subscription takes over, and the older one
    /// ends with this exception.)
    /// </exception>
    /// <exception cref="InvalidArgumentException">A starting sequence number beyond the shard's newest record, or a bad starting position.</exception>
    public async Task<ShardSubscription> SubscribeToShardAsync(string consumerArn, string shardId, StartingPosition startingPosition,
        CancellationToken cancellationToken = default)
    {
        var ((started, killSwitch), queue) = Source.FromGraph(new ShardSubscriptionStage(this, consumerArn, shardId, startingPosition))
            .ViaMaterialized(KillSwitches.Single<SubscribeToShardEvent>(), Keep.Both)
            // One event waits here at most: the consumer's pace sets the subscription's.
            .ToMaterialized(Sink.Queue<SubscribeToShardEvent>().WithAttributes(Attributes.CreateInputBuffer(1, 1)), Keep.Both)
            .Run(_materializer.Value);
        try
        {
            await started.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            killSwitch.Shutdown();
            throw;
        }
        return new ShardSubscription(consumerArn, StreamShardId.Parse(shardId, ""), queue, killSwitch);
    }

    internal IActorRef ShardRegion => _shards;

    /// <summary>
    /// Everything a subscription checks before it starts, in Kinesis' order: the consumer, the shard, the starting
    /// position, then the (consumer, shard) slot, which is taken last so that a call that fails holds nothing.
    /// </summary>
    internal async Task<SubscriptionSetup> PrepareSubscriptionAsync(string consumerArn, string shardId, StartingPosition start, string subscriptionId,
        IActorRef subscriber, CancellationToken cancellationToken)
    {
        var (streamName, consumerName, createdSeconds) = ParseConsumerArn(consumerArn);
        var entry = await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        var consumer = ToConsumer(streamName, FindConsumer(entry, consumerName, createdSeconds));
        var id = StreamShardId.Parse(shardId, streamName);
        var shard = entry.Shards.FirstOrDefault(s => s.Index == id.Index)
            ?? throw new ResourceNotFoundException($"Shard {id} in stream {streamName} under account {_settings.AccountId} does not exist.");
        if (start.Type == ShardIteratorType.AtTimestamp && start.Timestamp is null)
            throw new InvalidArgumentException("StartingPosition.Timestamp is required for AT_TIMESTAMP.");
        var route = new StreamRoute(entry);
        var (position, minTimestampMs) = await ResolveAsync(route, id.Index, start, countCall: false, cancellationToken).ConfigureAwait(false);
        var entityId = route.EntityId(id.Index);
        await AskAsync<SubscriptionAcquired>(_shards,
            new AcquireSubscription(entityId, consumer.ConsumerArn, subscriptionId, subscriber, _settings.EnhancedFanOut.ResubscribeInterval),
            cancellationToken).ConfigureAwait(false);
        return new SubscriptionSetup(streamName, consumerName, createdSeconds, consumer.ConsumerArn, entityId, id, position, minTimestampMs,
            shard.EndingEventNo, ChildShardsOf(entry, id.Index));
    }

    /// <summary>A running subscription's look at the catalog: is the consumer still registered, is the shard closed now.</summary>
    internal async Task<(long? EndingEventNo, IReadOnlyList<ChildShard> Children)> CheckSubscriptionAsync(SubscriptionSetup setup,
        CancellationToken cancellationToken)
    {
        var entry = await GetEntryAsync(setup.StreamName, cancellationToken).ConfigureAwait(false);
        FindConsumer(entry, setup.ConsumerName, setup.ConsumerCreatedAtSeconds);
        var shard = entry.Shards.FirstOrDefault(s => s.Index == setup.ShardId.Index)
            ?? throw new ResourceNotFoundException($"Shard {setup.ShardId} in stream {setup.StreamName} does not exist.");
        return (shard.EndingEventNo, ChildShardsOf(entry, setup.ShardId.Index));
    }

    /// <summary>The shards a split or merge of shard <paramref name="index"/> created, from the stream's shard lineage.</summary>
    internal static IReadOnlyList<ChildShard> ChildShardsOf(StreamEntry entry, int index) =>
        entry.Shards
            .Where(s => s.ParentIndex == index || s.AdjacentParentIndex == index)
            .OrderBy(s => s.Index)
            .Select(s => new ChildShard(new StreamShardId(s.Index),
                new[] { s.ParentIndex, s.AdjacentParentIndex }.Where(p => p is not null).Select(p => new StreamShardId(p!.Value)).ToArray(),
                s.HashKeyRange))
            .ToArray();
}
