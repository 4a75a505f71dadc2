using Akka.Actor;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// Account settings: the minimum throughput billing commitment (On-demand Advantage). Turned on, it lasts at least
/// <see cref="KinesisLimits.MinimumThroughputCommitmentPeriod"/>; turned off before that, it stays in effect until then
/// (ENABLED_UNTIL_EARLIEST_ALLOWED_END) and ends by itself on the runtime clock. While it is in effect a stream takes
/// <see cref="KinesisLimits.MaxConsumersPerStreamWithCommitment"/> consumers.
/// </summary>
internal sealed partial class StreamCatalogActor
{
    private AccountCommitment _commitment = AccountCommitment.None;

    private bool CommitmentInEffect => _commitment.InEffectAt(NowMs);

    private int MaxConsumersPerStream =>
        CommitmentInEffect ? KinesisLimits.MaxConsumersPerStreamWithCommitment : KinesisLimits.MaxConsumersPerStream;

    private void OnUpdateAccountSettings(UpdateAccountSettingsCommand cmd)
    {
        var now = NowMs;
        var current = _commitment;
        AccountCommitment next;
        if (cmd.MinimumThroughputBillingCommitment)
            // On already: an end asked for is taken back; off: a new commitment starts now.
            next = current.InEffectAt(now) ? current with { EndedAtMs = null } : new AccountCommitment(now, null);
        else if (!current.InEffectAt(now) || current.EndedAtMs is not null)
            next = current; // off already, or already ending
        else
            next = current with { EndedAtMs = Math.Max(now, current.EarliestAllowedEndMs!.Value) };
        if (next == current)
        {
            Sender.Tell(current);
            return;
        }
        var replyTo = Sender;
        PersistEvent(new AccountCommitmentChanged(next), () => replyTo.Tell(_commitment));
    }
}
