using ActorStreams.Streams;
using Akka.Actor;

namespace ActorStreams.Internal;

// Enhanced fan-out: what a subscription (ShardSubscriptionStage) and its StreamShard say to each other. Nothing
// here is persisted: a subscription lives as long as its connection, and a shard that restarts forgets its
// subscribers, which re-attach on their next heartbeat.

/// <summary>A subscription message addressed to one StreamShard entity.</summary>
internal interface IShardSubscriptionCommand : IStreamShardCommand;

/// <summary>
/// Takes the (consumer, shard) slot for <paramref name="SubscriptionId"/>. Refused with ResourceInUseException
/// within <paramref name="ResubscribeInterval"/> of the slot's last successful subscription; later the new one takes
/// over and the old holder gets <see cref="SubscriptionEnded"/>.
/// </summary>
internal sealed record AcquireSubscription(string EntityId, string ConsumerKey, string SubscriptionId, IActorRef Subscriber, TimeSpan ResubscribeInterval)
    : IShardSubscriptionCommand;

internal sealed record SubscriptionAcquired(string SubscriptionId);

/// <summary>The subscription ended: frees its slot (the resubscribe interval still runs from its start) and stops pushes.</summary>
internal sealed record ReleaseSubscription(string EntityId, string ConsumerKey, string SubscriptionId) : IShardSubscriptionCommand;

/// <summary>
/// The subscriber has read up to <paramref name="From"/>: if that is the tip, the shard pushes every later append to it
/// (<see cref="SubscriberRecords"/>) until it is more than <paramref name="MaxInFlightBytes"/> behind; otherwise it
/// answers <see cref="SubscriberBehind"/> and the subscriber reads on.
/// </summary>
internal sealed record AttachSubscriber(string EntityId, string SubscriptionId, IActorRef Subscriber, SequenceNumber From, long MaxInFlightBytes)
    : IShardSubscriptionCommand;

internal sealed record SubscriberAttached(string SubscriptionId, SequenceNumber Tip);

internal sealed record SubscriberBehind(string SubscriptionId);

/// <summary>Event <paramref name="EventNo"/>, just appended, pushed to a live subscriber.</summary>
internal sealed record SubscriberRecords(string SubscriptionId, long EventNo, RecordsAppended Event, long Bytes);

/// <summary>The subscriber fell more than its buffer behind: no more pushes; it reads from after the last event it was pushed.</summary>
internal sealed record SubscriberDetached(string SubscriptionId);

/// <summary>The subscriber consumed <paramref name="Bytes"/> of what was pushed to it.</summary>
internal sealed record SubscriberAck(string EntityId, string SubscriptionId, long Bytes) : IShardSubscriptionCommand;

/// <summary>The shard ends the subscription with an error (taken over by a newer subscription, or the shard was deleted).</summary>
internal sealed record SubscriptionEnded(string SubscriptionId, ErrorReply Reason);
