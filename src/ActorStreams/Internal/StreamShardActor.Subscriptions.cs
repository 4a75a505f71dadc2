using ActorStreams.Streams;
using Akka.Actor;

namespace ActorStreams.Internal;

/// <summary>
/// Enhanced fan-out on the shard's side: one slot per (consumer, shard) that enforces the resubscribe interval, and
/// the live subscribers that get every append pushed as it is persisted. A live subscriber may be at most its
/// buffer ahead of what it acknowledged; past that it is detached and reads the hot tail or the journal like any
/// reader, so the shard never holds more for a slow subscriber than the events it already keeps.
/// </summary>
internal sealed partial class StreamShardActor
{
    private readonly Dictionary<string, SubscriptionSlot> _subscriptionSlots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LiveSubscriber> _liveSubscribers = new(StringComparer.Ordinal);

    private sealed record SubscriptionSlot(string SubscriptionId, long StartedAtMs, IActorRef? Holder);

    private sealed class LiveSubscriber(IActorRef subscriber, long maxInFlightBytes)
    {
        public IActorRef Subscriber { get; } = subscriber;
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
                    _subscriptionSlots[cmd.ConsumerKey] = slot with { Holder = null };
                return;
            case AttachSubscriber cmd:
                if (cmd.From < Tip)
                {
                    cmd.Subscriber.Tell(new SubscriberBehind(cmd.SubscriptionId));
                    return;
                }
                if (!_liveSubscribers.ContainsKey(cmd.SubscriptionId))
                    _liveSubscribers[cmd.SubscriptionId] = new LiveSubscriber(cmd.Subscriber, cmd.MaxInFlightBytes);
                cmd.Subscriber.Tell(new SubscriberAttached(cmd.SubscriptionId, Tip));
                return;
            case SubscriberAck cmd:
                if (_liveSubscribers.TryGetValue(cmd.SubscriptionId, out var live))
                    live.InFlightBytes = Math.Max(0, live.InFlightBytes - cmd.Bytes);
                return;
        }
    }

    private void OnAcquireSubscription(AcquireSubscription cmd)
    {
        var now = NowMs;
        if (_subscriptionSlots.TryGetValue(cmd.ConsumerKey, out var slot))
        {
            var sinceMs = now - slot.StartedAtMs;
            if (sinceMs < (long)cmd.ResubscribeInterval.TotalMilliseconds)
            {
                Sender.Tell(new ErrorReply(ResourceInUseException.Code,
                    $"Another active subscription exists for consumer {cmd.ConsumerKey} on {ShardName}, started {sinceMs} ms ago; " +
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
        _subscriptionSlots[cmd.ConsumerKey] = new SubscriptionSlot(cmd.SubscriptionId, now, cmd.Subscriber);
        Context.Watch(cmd.Subscriber);
        Sender.Tell(new SubscriptionAcquired(cmd.SubscriptionId));
    }

    /// <summary>Pushes a just-persisted event to every live subscriber; one that is too far behind is detached instead.</summary>
    private void PushToSubscribers(long eventNo, RecordsAppended e, long bytes)
    {
        if (_liveSubscribers.Count == 0) return;
        List<string>? detached = null;
        foreach (var (id, live) in _liveSubscribers)
        {
            live.Subscriber.Tell(new SubscriberRecords(id, eventNo, e, bytes));
            live.InFlightBytes += bytes;
            if (live.InFlightBytes > live.MaxInFlightBytes) (detached ??= new()).Add(id);
        }
        if (detached is null) return;
        foreach (var id in detached)
        {
            _liveSubscribers.Remove(id, out var live);
            live!.Subscriber.Tell(new SubscriberDetached(id));
        }
    }

    /// <summary>The subscriber's stage stopped without releasing (its node or materializer went away).</summary>
    private void OnSubscriberTerminated(IActorRef subscriber)
    {
        foreach (var (id, live) in _liveSubscribers.Where(kv => kv.Value.Subscriber.Equals(subscriber)).ToList())
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
