namespace ActorStreams.Kinesis;

/// <summary>
/// The account-level settings of DescribeAccountSettings and UpdateAccountSettings: the minimum throughput billing
/// commitment (On-demand Advantage). While it is in effect a stream may have
/// <see cref="KinesisLimits.MaxConsumersPerStreamWithCommitment"/> enhanced fan-out consumers instead of
/// <see cref="KinesisLimits.MaxConsumersPerStream"/>, and ON_DEMAND streams may be given a warm throughput.
/// </summary>
/// <param name="Status">Whether the commitment is in effect.</param>
/// <param name="StartedAt">When it was last turned on; null if it never was.</param>
/// <param name="EndedAt">When it ends or ended; null while it is on with no end asked for.</param>
/// <param name="EarliestAllowedEndAt">
/// The earliest end: <see cref="KinesisLimits.MinimumThroughputCommitmentPeriod"/> after <paramref name="StartedAt"/>.
/// </param>
public sealed record AccountSettings(
    MinimumThroughputBillingCommitmentStatus Status,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset? EarliestAllowedEndAt)
{
    /// <summary>The commitment is in effect (<see cref="MinimumThroughputBillingCommitmentStatus.Enabled"/> or until its earliest end).</summary>
    public bool CommitmentInEffect => Status != MinimumThroughputBillingCommitmentStatus.Disabled;
}
