using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Subscriptions;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorStreams.Kinesis;

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
        var ((started, killSwitch), queue) = Source.FromGraph(new ShardSubscriptionStage(_extension, consumerArn, shardId, startingPosition))
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
}
