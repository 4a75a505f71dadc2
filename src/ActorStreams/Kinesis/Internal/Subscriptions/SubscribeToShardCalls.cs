using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Reads;
using ActorStreams.Settings;
using Akka.Actor;

namespace ActorStreams.Kinesis.Internal.Subscriptions;

/// <summary>
/// What a SubscribeToShard subscription (<see cref="ShardSubscriptionStage"/>) needs from the engine: its checks
/// before it starts, its slot on the shard, its look at the catalog while it runs, and the children of a closed shard.
/// </summary>
internal sealed class SubscribeToShardCalls(ActorStreamsSettings settings, EntityAsks asks, StreamRouter router, ShardReads reads, IActorRef shards)
{
    private readonly ActorStreamsSettings _settings = settings;
    private readonly EntityAsks _asks = asks;
    private readonly StreamRouter _router = router;
    private readonly ShardReads _reads = reads;
    private readonly IActorRef _shards = shards;

    /// <summary>The StreamShard region: a running subscription talks to its shard entity through it.</summary>
    public IActorRef ShardRegion => _shards;

    /// <summary>
    /// Everything a subscription checks before it starts, in Kinesis' order: the consumer, the shard, the starting
    /// position, then the (consumer, shard) slot, which is taken last so that a call that fails holds nothing.
    /// </summary>
    public async Task<SubscriptionSetup> PrepareSubscriptionAsync(string consumerArn, string shardId, StartingPosition start, string subscriptionId,
        IActorRef subscriber, CancellationToken cancellationToken)
    {
        var (streamName, consumerName, createdSeconds) = ConsumerArns.Parse(consumerArn);
        var entry = await _router.GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        var consumer = ConsumerArns.ToConsumer(_settings, streamName, ConsumerArns.Find(_settings, entry, consumerName, createdSeconds));
        if (consumer.ConsumerStatus != ConsumerStatus.Active)
            throw new ResourceInUseException(
                $"Consumer {consumer.ConsumerArn} is not ACTIVE, instead in state {consumer.ConsumerStatus.ToString().ToUpperInvariant()}; it can subscribe when it is ACTIVE.");
        var id = StreamShardId.TryParse(shardId, out var parsed)
            ? parsed
            : throw new ResourceNotFoundException($"Could not find shard {shardId} in stream {streamName} under account {_settings.AccountId}.");
        var shard = entry.Shards.FirstOrDefault(s => s.Index == id.Index)
            ?? throw new ResourceNotFoundException($"Shard {id} in stream {streamName} under account {_settings.AccountId} does not exist");
        if (start.Type == ShardIteratorType.AtTimestamp && start.Timestamp is null)
            throw new InvalidArgumentException("StartingPosition.Timestamp is required for AT_TIMESTAMP.");
        var route = new StreamRoute(entry);
        var (position, minTimestampMs) = await _reads.ResolveAsync(route, id.Index, start, countCall: false, cancellationToken).ConfigureAwait(false);
        var entityId = route.EntityId(id.Index, _settings.AccountId);
        await _asks.AskAsync<SubscriptionAcquired>(_shards,
            new AcquireSubscription(entityId, consumer.ConsumerArn, subscriptionId, subscriber, _settings.EnhancedFanOut.ResubscribeInterval),
            cancellationToken).ConfigureAwait(false);
        return new SubscriptionSetup(streamName, consumerName, createdSeconds, consumer.ConsumerArn, entityId, id, position, minTimestampMs,
            shard.EndingEventNo, ChildShardsOf(entry, id.Index));
    }

    /// <summary>A running subscription's look at the catalog: is the consumer still registered, is the shard closed now.</summary>
    public async Task<(long? EndingEventNo, IReadOnlyList<ChildShard> Children)> CheckSubscriptionAsync(SubscriptionSetup setup,
        CancellationToken cancellationToken)
    {
        var entry = await _router.GetEntryAsync(setup.StreamName, cancellationToken).ConfigureAwait(false);
        ConsumerArns.Find(_settings, entry, setup.ConsumerName, setup.ConsumerCreatedAtSeconds);
        var shard = entry.Shards.FirstOrDefault(s => s.Index == setup.ShardId.Index)
            ?? throw new ResourceNotFoundException($"Shard {setup.ShardId} in stream {setup.StreamName} under account {_settings.AccountId} does not exist");
        return (shard.EndingEventNo, ChildShardsOf(entry, setup.ShardId.Index));
    }

    /// <summary>The shards a split or merge of shard <paramref name="index"/> created, from the stream's shard lineage.</summary>
    public static IReadOnlyList<ChildShard> ChildShardsOf(StreamEntry entry, int index) =>
        entry.Shards
            .Where(s => s.ParentIndex == index || s.AdjacentParentIndex == index)
            .OrderBy(s => s.Index)
            .Select(s => new ChildShard(new StreamShardId(s.Index),
                new[] { s.ParentIndex, s.AdjacentParentIndex }.Where(p => p is not null).Select(p => new StreamShardId(p!.Value)).ToArray(),
                s.HashKeyRange))
            .ToArray();
}
