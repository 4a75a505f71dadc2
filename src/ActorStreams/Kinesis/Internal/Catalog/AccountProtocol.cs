using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal.Catalog;

// Account settings (DescribeAccountSettings / UpdateAccountSettings): the messages this feature added. The catalog,
// one entity for the cluster, keeps them.
// Persisted: AccountCommitmentChanged "CB" (and the commitment in the "CS" catalog snapshot, its field 3).
// Across nodes: GetAccountSettings "cV", UpdateAccountSettingsCommand "cW", AccountCommitment "rB" (their answer).

/// <summary>
/// The minimum throughput billing commitment: when it was last turned on (null: never) and when it ends (null: no
/// end asked for). It is in effect from <paramref name="StartedAtMs"/> until <paramref name="EndedAtMs"/>.
/// </summary>
internal sealed record AccountCommitment(long? StartedAtMs, long? EndedAtMs) : IActorStreamsReply
{
    public static readonly AccountCommitment None = new(null, null);

    public bool InEffectAt(long nowMs) => StartedAtMs is not null && (EndedAtMs is null || nowMs < EndedAtMs);

    public long? EarliestAllowedEndMs => StartedAtMs + (long)KinesisLimits.MinimumThroughputCommitmentPeriod.TotalMilliseconds;
}

internal sealed record GetAccountSettings : ICatalogCommand, IResendableCommand
{
    public static readonly GetAccountSettings Instance = new();
}

/// <summary>Turns the minimum throughput billing commitment on or off. Answered with the <see cref="AccountCommitment"/> after it.</summary>
internal sealed record UpdateAccountSettingsCommand(bool MinimumThroughputBillingCommitment) : ICatalogCommand;

/// <summary>The account's commitment is now <paramref name="Commitment"/>.</summary>
internal sealed record AccountCommitmentChanged(AccountCommitment Commitment) : IActorStreamsEvent;
