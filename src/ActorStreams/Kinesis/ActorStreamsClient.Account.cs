using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>The account-level settings: the minimum throughput billing commitment, kept by the cluster's stream catalog.</summary>
    public async Task<AccountSettings> DescribeAccountSettingsAsync(CancellationToken cancellationToken = default) =>
        ToAccountSettings(await AskAsync<AccountCommitment>(_catalog, GetAccountSettings.Instance, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Turns the minimum throughput billing commitment on or off. On, it lasts at least
    /// <see cref="KinesisLimits.MinimumThroughputCommitmentPeriod"/>: turned off sooner, it stays in effect until its
    /// <see cref="AccountSettings.EarliestAllowedEndAt"/> (status <see cref="MinimumThroughputBillingCommitmentStatus.EnabledUntilEarliestAllowedEnd"/>),
    /// and turning it on again meanwhile keeps it on. Returns the settings after the change.
    /// </summary>
    public async Task<AccountSettings> UpdateAccountSettingsAsync(bool minimumThroughputBillingCommitment, CancellationToken cancellationToken = default) =>
        ToAccountSettings(await AskAsync<AccountCommitment>(_catalog, new UpdateAccountSettingsCommand(minimumThroughputBillingCommitment), cancellationToken)
            .ConfigureAwait(false));

    private AccountSettings ToAccountSettings(AccountCommitment c)
    {
        static DateTimeOffset? Time(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
        var now = NowMs;
        var status = !c.InEffectAt(now) ? MinimumThroughputBillingCommitmentStatus.Disabled
            : c.EndedAtMs is null ? MinimumThroughputBillingCommitmentStatus.Enabled
            : MinimumThroughputBillingCommitmentStatus.EnabledUntilEarliestAllowedEnd;
        return new AccountSettings(status, Time(c.StartedAtMs), Time(c.EndedAtMs), Time(c.EarliestAllowedEndMs));
    }
}
