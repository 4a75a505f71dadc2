using Akka.Configuration;

namespace ActorStreams.Settings;

/// <summary>
/// How long a stream or consumer stays in a transitional state, as in Kinesis, where CreateStream, the updates and
/// DeleteStream answer at once and the change completes later (<c>actorstreams.state-delays</c>). Zero (the embedded
/// default) makes every change complete before its call returns; the server sets 500 ms, so that applications
/// written for AWS meet CREATING, UPDATING and DELETING and must wait for ACTIVE. The delays run on the runtime clock.
/// </summary>
public sealed record StateDelaySettings
{
    /// <summary>Creates validated settings; no delay is negative.</summary>
    public StateDelaySettings(TimeSpan createStream, TimeSpan updateStream, TimeSpan deleteStream, TimeSpan registerConsumer, TimeSpan deregisterConsumer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(createStream, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(updateStream, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(deleteStream, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(registerConsumer, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(deregisterConsumer, TimeSpan.Zero);
        CreateStream = createStream;
        UpdateStream = updateStream;
        DeleteStream = deleteStream;
        RegisterConsumer = registerConsumer;
        DeregisterConsumer = deregisterConsumer;
    }

    /// <summary>A new stream is CREATING this long after CreateStream (refusing puts and reads), then ACTIVE.</summary>
    public TimeSpan CreateStream { get; init; }
    /// <summary>A stream is UPDATING this long after SplitShard, MergeShards, UpdateShardCount, UpdateStreamMode or an encryption change.</summary>
    public TimeSpan UpdateStream { get; init; }
    /// <summary>A deleted stream is DELETING this long, then gone.</summary>
    public TimeSpan DeleteStream { get; init; }
    /// <summary>A registered enhanced fan-out consumer is CREATING this long, then ACTIVE.</summary>
    public TimeSpan RegisterConsumer { get; init; }
    /// <summary>A deregistered consumer is DELETING this long, then gone.</summary>
    public TimeSpan DeregisterConsumer { get; init; }

    /// <summary>Reads <c>actorstreams.state-delays</c>.</summary>
    public static StateDelaySettings Create(Config config) => new(
        config.GetTimeSpan("create-stream"),
        config.GetTimeSpan("update-stream"),
        config.GetTimeSpan("delete-stream"),
        config.GetTimeSpan("register-consumer"),
        config.GetTimeSpan("deregister-consumer"));
}
