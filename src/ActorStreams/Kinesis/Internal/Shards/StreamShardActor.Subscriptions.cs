using ActorStreams.Kinesis.Internal.Subscriptions;
using Akka.Actor;

namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>
/// Enhanced fan-out on the shard's side: one slot per (consumer, shard) that enforces the resubscribe interval, and
/// the live subscribers that get every append pushed as it is persisted (until the shard is closed). A live subscriber may be at most its
/// buffer ahead of what it acknowledged; past that it is detached and reads the hot tail or the journal like any
/// reader, so the shard never holds more for a slow subscriber than the events it already keeps.
/// </summary>
internal sealed partial class StreamShardActor
{
    private readonly Dictionary<string, SubscriptionSlot> _subscriptionSlots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LiveSubscriber> _liveSubscribers = new(StringComparer.Ordinal);
    private long _subscriberDetachments;
    private long _maxSubscriberInFlightBytes;
    private long _subscriptionReads;

    private sealed record SubscriptionSlot(string SubscriptionId, long StartedAtMs, IActorRef? Holder);

    private sealed class LiveSubscriber(IActorRef subscriber, long generation, long maxInFlightBytes)
    {
        public IActorRef Subscriber { get; } = subscriber;
        public long Generation { get; } = generation;
        public long MaxInFlightBytes { get; } = maxInFlightBytes;
        public long InFlightBytes { get; set; }
    }

    private void OnSubscriptionCommand(IShardSubscriptionCommand command)
    {
        switch (command)
        {
            case AcquireSubscription cmd:
                OnAcquireSubscription(cmd);
                return;
            case ReleaseSubscription cmd:
                _liveSubscribers.Remove(cmd.SubscriptionId);
                if (_subscriptionSlots.TryGetValue(cmd.ConsumerKey, out var slot) && slot.SubscriptionId == cmd.SubscriptionId)
                {
                    if (slot.Holder is not null) Context.Unwatch(slot.Holder);
                    _subscriptionSlots[cmd.ConsumerKey] = slot with { Holder = null };
                }
                return;
            case AttachSubscriber cmd:
                OnAttachSubscriber(cmd);
                return;
            case CheckSubscriber cmd:
                cmd.Subscriber.Tell(_liveSubscribers.TryGetValue(cmd.SubscriptionId, out var known) && known.Generation == cmd.Generation
                    ? new SubscriberAttached(cmd.SubscriptionId, cmd.Generation)
                    : new SubscriberDetached(cmd.SubscriptionId, cmd.Generation));
                return;
            case SubscriberAck cmd:
                if (_liveSubscribers.TryGetValue(cmd.SubscriptionId, out var live) && live.Generation == cmd.Generation)
                    live.InFlightBytes = Math.Max(0, live.InFlightBytes - cmd.Bytes);
                return;
            case GetShardSubscriptionStats:
                Sender.Tell(new ShardSubscriptionStats(_subscriptionSlots.Values.Count(s => s.Holder is not null), _liveSubscribers.Count,
                    _subscriberDetachments, _maxSubscriberInFlightBytes, _subscriptionReads));
                return;
        }
    }

    private void OnAcquireSubscription(AcquireSubscription cmd)
    {
        var now = NowMs;
        var intervalMs = (long)cmd.ResubscribeInterval.TotalMilliseconds;
        if (_subscriptionSlots.TryGetValue(cmd.ConsumerKey, out var slot))
        {
            var sinceMs = now - slot.StartedAtMs;
            if (sinceMs < intervalMs)
            {
                Sender.Tell(new ErrorReply(ResourceInUseException.Code,
                    $"Another subscription of consumer {cmd.ConsumerKey} to {ShardName} started {sinceMs} ms ago; " +
                    $"subscribe again at least {cmd.ResubscribeInterval.TotalSeconds:0.###} s after the last successful subscription."));
                return;
            }
            if (slot.Holder is { } previous)
            {
                // As in Kinesis: a later subscription takes over, the one it replaces ends with ResourceInUseException.
                _liveSubscribers.Remove(slot.SubscriptionId);
                Context.Unwatch(previous);
                previous.Tell(new SubscriptionEnded(slot.SubscriptionId, new ErrorReply(ResourceInUseException.Code,
                    $"The subscription of consumer {cmd.ConsumerKey} to {ShardName} was taken over by a newer SubscribeToShard call.")));
            }
        }
        // Forget ended subscriptions whose interval has run out (consumers registered again get new ARNs, so new keys).
        foreach (var (key, old) in _subscriptionSlots.Where(kv => kv.Value.Holder is null && now - kv.Value.StartedAtMs >= intervalMs).ToList())
            _subscriptionSlots.Remove(key);
        _subscriptionSlots[cmd.ConsumerKey] = new SubscriptionSlot(cmd.SubscriptionId, now, cmd.Subscriber);
        Context.Watch(cmd.Subscriber);
        Sender.Tell(new SubscriptionAcquired(cmd.SubscriptionId));
    }

    private void OnAttachSubscriber(AttachSubscriber cmd)
    {
        // A closed shard gets no more records: the subscriber reads to its end, where the read names the children.
        if (cmd.From < Tip || _closed is not null)
        {
            // Records arrived since the subscriber's last read: it reads them (an older attachment of it is dropped).
            _liveSubscribers.Remove(cmd.SubscriptionId);
            cmd.Subscriber.Tell(new SubscriberBehind(cmd.SubscriptionId, cmd.Generation));
            return;
        }
        _liveSubscribers[cmd.SubscriptionId] = new LiveSubscriber(cmd.Subscriber, cmd.Generation, cmd.MaxInFlightBytes);
        cmd.Subscriber.Tell(new SubscriberAttached(cmd.SubscriptionId, cmd.Generation));
    }

    /// <summary>Pushes a just-persisted event to every live subscriber; one that is too far behind is detached after it.</summary>
    private void PushToSubscribers(long eventNo, RecordsAppended e, long bytes)
    {
        if (_liveSubscribers.Count == 0) return;
        List<string>? detached = null;
        foreach (var (id, live) in _liveSubscribers)
        {
            live.Subscriber.Tell(new SubscriberRecords(id, live.Generation, eventNo, e, bytes));
            live.InFlightBytes += bytes;
            _maxSubscriberInFlightBytes = Math.Max(_maxSubscriberInFlightBytes, live.InFlightBytes);
            if (live.InFlightBytes > live.MaxInFlightBytes) (detached ??= new()).Add(id);
        }
        if (detached is null) return;
        foreach (var id in detached)
        {
            _liveSubscribers.Remove(id, out var live);
            _subscriberDetachments++;
            live!.Subscriber.Tell(new SubscriberDetached(id, live.Generation));
        }
    }

    /// <summary>
    /// The shard was closed by resharding: every live subscriber reads on from where its pushes stopped and learns the
    /// children at the end of its read.
    /// </summary>
    private void DetachSubscribers()
    {
        foreach (var (id, live) in _liveSubscribers) live.Subscriber.Tell(new SubscriberDetached(id, live.Generation));
        _liveSubscribers.Clear();
    }

    /// <summary>The subscriber's stage stopped without releasing (its materializer or node went away).</summary>
    private void OnSubscriberTerminated(IActorRef subscriber)
    {
        foreach (var id in _liveSubscribers.Where(kv => kv.Value.Subscriber.Equals(subscriber)).Select(kv => kv.Key).ToList())
            _liveSubscribers.Remove(id);
        foreach (var (key, slot) in _subscriptionSlots.Where(kv => subscriber.Equals(kv.Value.Holder)).ToList())
            _subscriptionSlots[key] = slot with { Holder = null };
    }

    /// <summary>Ends every subscription with <paramref name="reason"/> (the shard was deleted).</summary>
    private void EndSubscriptions(ErrorReply reason)
    {
        foreach (var (_, slot) in _subscriptionSlots)
            slot.Holder?.Tell(new SubscriptionEnded(slot.SubscriptionId, reason));
        _subscriptionSlots.Clear();
        _liveSubscribers.Clear();
    }
}
