using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;
using Akka.Actor;

namespace ActorStreams.Kinesis.Internal.Subscriptions;

// Enhanced fan-out: what a subscription (ShardSubscriptionStage) and its StreamShard say to each other. Nothing
// here is persisted: a subscription lives as long as its connection, and a shard that restarts forgets its
// subscribers, which re-attach on their next heartbeat. The subscriber may run on another node than its shard, so
// every message here has a wire format in ActorStreamsMessageSerializer (actor refs travel as their paths).

/// <summary>A subscription message addressed to one StreamShard entity.</summary>
internal interface IShardSubscriptionCommand : IStreamShardCommand;

/// <summary>
/// Takes the (consumer, shard) slot for <paramref name="SubscriptionId"/>. Refused with ResourceInUseException
/// within <paramref name="ResubscribeInterval"/> of the slot's last successful subscription; later the new one takes
/// over and the old holder gets <see cref="SubscriptionEnded"/>.
/// </summary>
internal sealed record AcquireSubscription(string EntityId, string ConsumerKey, string SubscriptionId, IActorRef Subscriber, TimeSpan ResubscribeInterval)
    : IShardSubscriptionCommand;

internal sealed record SubscriptionAcquired(string SubscriptionId) : IActorStreamsReply;

/// <summary>The subscription ended: frees its slot (the resubscribe interval still runs from its start) and stops pushes.</summary>
internal sealed record ReleaseSubscription(string EntityId, string ConsumerKey, string SubscriptionId) : IShardSubscriptionCommand;

/// <summary>
/// The subscriber has read up to <paramref name="From"/>: if that is the tip, the shard pushes every later append to it
/// (<see cref="SubscriberRecords"/>) until it is more than <paramref name="MaxInFlightBytes"/> behind; otherwise it
/// answers <see cref="SubscriberBehind"/> and the subscriber reads on. Every attachment has a new
/// <paramref name="Generation"/>, and everything the shard says about it carries that number, so a subscriber never
/// mixes pushes of an old attachment with its own reads.
/// </summary>
internal sealed record AttachSubscriber(string EntityId, string SubscriptionId, long Generation, IActorRef Subscriber, SequenceNumber From,
    long MaxInFlightBytes) : IShardSubscriptionCommand;

internal sealed record SubscriberAttached(string SubscriptionId, long Generation) : IActorStreamsReply;

internal sealed record SubscriberBehind(string SubscriptionId, long Generation) : IActorStreamsReply;

/// <summary>Event <paramref name="EventNo"/>, just appended, pushed to a live subscriber.</summary>
internal sealed record SubscriberRecords(string SubscriptionId, long Generation, long EventNo, RecordsAppended Event, long Bytes) : IActorStreamsReply;

/// <summary>
/// No more pushes for this attachment (the subscriber fell more than its buffer behind, or the shard restarted and no
/// longer knows it): it reads from after the last event it was pushed.
/// </summary>
internal sealed record SubscriberDetached(string SubscriptionId, long Generation) : IActorStreamsReply;

/// <summary>The subscriber consumed <paramref name="Bytes"/> of what was pushed to it.</summary>
internal sealed record SubscriberAck(string EntityId, string SubscriptionId, long Generation, long Bytes) : IShardSubscriptionCommand;

/// <summary>An idle live subscriber asks whether the shard still pushes to it: <see cref="SubscriberAttached"/> or <see cref="SubscriberDetached"/>.</summary>
internal sealed record CheckSubscriber(string EntityId, string SubscriptionId, long Generation, IActorRef Subscriber) : IShardSubscriptionCommand;

/// <summary>The shard ends the subscription with an error (taken over by a newer subscription, or the shard was deleted).</summary>
internal sealed record SubscriptionEnded(string SubscriptionId, ErrorReply Reason) : IActorStreamsReply;

/// <summary>Diagnostics: the shard's subscription slots and live subscribers, answered with <see cref="ShardSubscriptionStats"/>.</summary>
internal sealed record GetShardSubscriptionStats(string EntityId) : IShardSubscriptionCommand;

/// <param name="HeldSlots">Slots whose subscription is running.</param>
/// <param name="LiveSubscribers">Subscribers the shard pushes to.</param>
/// <param name="Detachments">How often a live subscriber was cut loose for falling more than its buffer behind.</param>
/// <param name="MaxInFlightBytes">The most bytes ever pushed to one subscriber ahead of its acknowledgements.</param>
/// <param name="Reads">Reads subscriptions made to catch up (hot tail or journal); pushed records are not reads.</param>
internal sealed record ShardSubscriptionStats(int HeldSlots, int LiveSubscribers, long Detachments, long MaxInFlightBytes, long Reads) : IActorStreamsReply;
