using ActorStreams.Kinesis;
using Akka.Actor;
using Akka.Configuration;

namespace ActorStreams.Settings;

/// <summary>
/// How a member of a consumer application (<see cref="Dsl.KinesisSource.Committable"/>) takes part: where the
/// application starts reading the first time it meets the stream, how long its leases last without renewal and how
/// often it renews them (and rebalances). Read from <c>actorstreams.consumer-application</c>; change a copy with
/// the <c>With...</c> methods.
/// </summary>
public sealed record ConsumerApplicationSettings
{
    /// <summary>Creates validated settings.</summary>
    /// <param name="initialPosition"><see cref="ShardIteratorType.TrimHorizon"/> or <see cref="ShardIteratorType.Latest"/>.</param>
    /// <param name="leaseDuration">A member that has not renewed for this long is taken for dead.</param>
    /// <param name="renewInterval">How often a member renews its leases; less than <paramref name="leaseDuration"/>.</param>
    public ConsumerApplicationSettings(ShardIteratorType initialPosition, TimeSpan leaseDuration, TimeSpan renewInterval)
    {
        if (initialPosition is not (ShardIteratorType.TrimHorizon or ShardIteratorType.Latest))
            throw new ArgumentOutOfRangeException(nameof(initialPosition), initialPosition, "A consumer application starts at TRIM_HORIZON or LATEST.");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(renewInterval, TimeSpan.Zero);
        if (leaseDuration <= renewInterval)
            throw new ArgumentOutOfRangeException(nameof(leaseDuration), leaseDuration, $"must be longer than the renew interval ({renewInterval}).");
        InitialPosition = initialPosition;
        LeaseDuration = leaseDuration;
        RenewInterval = renewInterval;
    }

    /// <summary>Where shards without a checkpoint are read from when the application first meets the stream.</summary>
    public ShardIteratorType InitialPosition { get; }

    /// <summary>How long a lease lasts without renewal (measured on the runtime clock).</summary>
    public TimeSpan LeaseDuration { get; }

    /// <summary>How often a member renews its leases and rebalances (on the runtime clock).</summary>
    public TimeSpan RenewInterval { get; }

    /// <summary>A copy starting at <paramref name="position"/> (TRIM_HORIZON or LATEST).</summary>
    public ConsumerApplicationSettings WithInitialPosition(ShardIteratorType position) => Copy(initialPosition: position);

    /// <summary>A copy with another lease duration.</summary>
    public ConsumerApplicationSettings WithLeaseDuration(TimeSpan duration) => Copy(leaseDuration: duration);

    /// <summary>A copy with another renew interval.</summary>
    public ConsumerApplicationSettings WithRenewInterval(TimeSpan interval) => Copy(renewInterval: interval);

    private ConsumerApplicationSettings Copy(ShardIteratorType? initialPosition = null, TimeSpan? leaseDuration = null, TimeSpan? renewInterval = null) =>
        new(initialPosition ?? InitialPosition, leaseDuration ?? LeaseDuration, renewInterval ?? RenewInterval);

    /// <summary>Reads <c>actorstreams.consumer-application</c> of the system's configuration.</summary>
    public static ConsumerApplicationSettings Create(ActorSystem system) =>
        Create(system.Settings.Config.GetConfig("actorstreams.consumer-application"));

    /// <summary>Reads a <c>consumer-application</c> section, falling back to the embedded defaults.</summary>
    public static ConsumerApplicationSettings Create(Config? section)
    {
        var c = (section ?? Config.Empty).WithFallback(ActorStreamsConfig.Default.GetConfig("actorstreams.consumer-application"));
        var position = c.GetString("initial-position").Trim().ToUpperInvariant() switch
        {
            "TRIM_HORIZON" => ShardIteratorType.TrimHorizon,
            "LATEST" => ShardIteratorType.Latest,
            var other => throw new ConfigurationException($"actorstreams.consumer-application.initial-position '{other}' is not TRIM_HORIZON or LATEST."),
        };
        return new ConsumerApplicationSettings(position, c.GetTimeSpan("lease-duration"), c.GetTimeSpan("renew-interval"));
    }
}
