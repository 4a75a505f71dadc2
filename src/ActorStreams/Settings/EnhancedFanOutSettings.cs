using ActorStreams.Kinesis;
using Akka.Configuration;

namespace ActorStreams.Settings;

/// <summary>
/// How enhanced fan-out subscriptions (SubscribeToShard) behave (<c>actorstreams.enhanced-fan-out</c>). The 2 MiB/s
/// each consumer gets per shard is <see cref="ThrottlingSettings.SubscriptionBytesPerSecond"/>, lifted with the
/// other limits.
/// </summary>
public sealed record EnhancedFanOutSettings
{
    /// <summary>Creates validated settings.</summary>
    public EnhancedFanOutSettings(TimeSpan subscriptionLifetime, TimeSpan resubscribeInterval, TimeSpan heartbeatInterval,
        long bufferBytes, int maxEventRecords, long maxEventBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(subscriptionLifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(resubscribeInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(heartbeatInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 1);
        if (maxEventRecords is < 1 or > KinesisLimits.MaxGetRecordsLimit)
            throw new ArgumentOutOfRangeException(nameof(maxEventRecords), maxEventRecords, $"must be 1 to {KinesisLimits.MaxGetRecordsLimit}");
        if (maxEventBytes is < 1 or > KinesisLimits.MaxGetRecordsBytes)
            throw new ArgumentOutOfRangeException(nameof(maxEventBytes), maxEventBytes, $"must be 1 to {KinesisLimits.MaxGetRecordsBytes}");
        SubscriptionLifetime = subscriptionLifetime;
        ResubscribeInterval = resubscribeInterval;
        HeartbeatInterval = heartbeatInterval;
        BufferBytes = bufferBytes;
        MaxEventRecords = maxEventRecords;
        MaxEventBytes = maxEventBytes;
    }

    /// <summary>A subscription completes this long after it started (Kinesis: 5 minutes); the consumer subscribes again.</summary>
    public TimeSpan SubscriptionLifetime { get; init; }

    /// <summary>
    /// A consumer may subscribe to a shard again only this long after its last successful subscription to it (Kinesis: 5 s);
    /// sooner is ResourceInUseException. Later, the new subscription takes over and the old one ends with ResourceInUseException.
    /// </summary>
    public TimeSpan ResubscribeInterval { get; init; }

    /// <summary>An idle subscription sends an event without records this often, so the consumer sees it is alive.</summary>
    public TimeSpan HeartbeatInterval { get; init; }

    /// <summary>
    /// Bytes a subscription holds for its consumer (pushed or read, not yet taken), drawn from the node's memory budget;
    /// the shard also pushes no further ahead than this. A subscriber further behind leaves the rest in the journal and
    /// catches up by reading (hot tail, then journal), so a consumer that does not read holds at most this much.
    /// </summary>
    public long BufferBytes { get; init; }

    /// <summary>Most records in one event.</summary>
    public int MaxEventRecords { get; init; }

    /// <summary>Most bytes in one event (a single larger record still gets its own event).</summary>
    public long MaxEventBytes { get; init; }

    /// <summary>Reads <c>actorstreams.enhanced-fan-out</c>.</summary>
    public static EnhancedFanOutSettings Create(Config config) => new(
        config.Duration("subscription-lifetime"),
        config.Duration("resubscribe-interval"),
        config.Duration("heartbeat-interval"),
        config.Bytes("buffer-bytes"),
        config.Int("max-event-records"),
        config.Bytes("max-event-bytes"));
}
