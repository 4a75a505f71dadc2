namespace ActorStreams.Kinesis;

/// <summary>Where the account's minimum throughput billing commitment (On-demand Advantage) stands.</summary>
public enum MinimumThroughputBillingCommitmentStatus
{
    /// <summary>No commitment: Kinesis' default.</summary>
    Disabled,
    /// <summary>The commitment is on.</summary>
    Enabled,
    /// <summary>Turned off before its minimum period was over: it stays on until <see cref="AccountSettings.EarliestAllowedEndAt"/>.</summary>
    EnabledUntilEarliestAllowedEnd,
}
