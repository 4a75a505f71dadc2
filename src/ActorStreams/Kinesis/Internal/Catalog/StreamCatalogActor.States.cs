using System.Collections.Immutable;
using ActorStreams.Settings;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// Transitional states that take time, as in Kinesis (<c>actorstreams.state-delays</c>). What is journaled stays as
/// it was (CREATING until the shards exist, then ACTIVE; DELETING until they are retired; UPDATING while resharding
/// steps run); what clients see is derived from it and the runtime clock: a stream is CREATING until its creation
/// time plus the create delay, UPDATING until an accepted update's time plus the update delay, a consumer CREATING
/// until its registration time plus the register delay. The creation delay rests on journaled times, so a restarted
/// node shows it exactly; an update or a deregistration under way when the catalog restarts is simply over.
/// </summary>
internal sealed partial class StreamCatalogActor
{
    // Until when (runtime clock, ms) a stream that accepted an update shows UPDATING.
    private readonly Dictionary<string, long> _updatingUntilMs = new(StringComparer.Ordinal);

    // Consumers deregistered (already gone from the journal), shown DELETING until then, by stream name.
    private readonly Dictionary<string, List<(long Epoch, ConsumerEntry Consumer, long UntilMs)>> _deregistering = new(StringComparer.Ordinal);

    private sealed record DeleteDelayElapsed(string Name, long Epoch);

    private StateDelaySettings Delays => _settings.StateDelays;

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The status clients see: a journaled ACTIVE is still CREATING or UPDATING while its delay runs.</summary>
    private StreamEntry Observed(StreamEntry entry)
    {
        if (entry.Status != StreamStatus.Active) return entry;
        var now = NowMs;
        if (now < entry.CreatedAtMs + (long)Delays.CreateStream.TotalMilliseconds) return entry with { Status = StreamStatus.Creating };
        if (_updatingUntilMs.TryGetValue(entry.Name, out var until))
        {
            if (now < until) return entry with { Status = StreamStatus.Updating };
            _updatingUntilMs.Remove(entry.Name);
        }
        return entry;
    }

    /// <summary>What a describe answers: <see cref="Observed"/>, with consumers CREATING or DELETING while their delays run.</summary>
    private StreamEntry View(StreamEntry entry)
    {
        var observed = Observed(entry);
        var now = NowMs;
        var registerMs = (long)Delays.RegisterConsumer.TotalMilliseconds;
        var consumers = observed.Consumers;
        if (consumers.Any(c => now < c.CreatedAtMs + registerMs))
            consumers = consumers.Select(c => now < c.CreatedAtMs + registerMs ? c with { Status = ConsumerStatus.Creating } : c).ToImmutableArray();
        if (_deregistering.TryGetValue(entry.Name, out var gone))
        {
            gone.RemoveAll(g => g.Epoch != entry.Epoch || now >= g.UntilMs);
            if (gone.Count == 0) _deregistering.Remove(entry.Name);
            else consumers = consumers.AddRange(gone.Where(g => consumers.All(c => c.Name != g.Consumer.Name)).Select(g => g.Consumer));
        }
        return consumers == observed.Consumers ? observed : observed with { Consumers = consumers };
    }

    /// <summary>A consumer as its registration's reply shows it.</summary>
    private ConsumerEntry ViewConsumer(ConsumerEntry consumer) =>
        NowMs < consumer.CreatedAtMs + (long)Delays.RegisterConsumer.TotalMilliseconds ? consumer with { Status = ConsumerStatus.Creating } : consumer;

    /// <summary>An update was accepted: the stream shows UPDATING for the update delay.</summary>
    private void MarkUpdating(string name)
    {
        if (Delays.UpdateStream > TimeSpan.Zero) _updatingUntilMs[name] = NowMs + (long)Delays.UpdateStream.TotalMilliseconds;
    }

    /// <summary>A consumer was deregistered: it shows DELETING for the deregister delay. Returns it as the reply shows it.</summary>
    private ConsumerEntry MarkDeregistering(StreamEntry stream, ConsumerEntry consumer)
    {
        if (Delays.DeregisterConsumer <= TimeSpan.Zero) return consumer;
        var deleting = consumer with { Status = ConsumerStatus.Deleting };
        if (!_deregistering.TryGetValue(stream.Name, out var gone)) _deregistering[stream.Name] = gone = [];
        gone.RemoveAll(g => g.Consumer.Name == consumer.Name);
        gone.Add((stream.Epoch, deleting, NowMs + (long)Delays.DeregisterConsumer.TotalMilliseconds));
        return deleting;
    }

    /// <summary>A consumer of that name is still being deregistered.</summary>
    private bool IsDeregistering(StreamEntry stream, string consumerName) =>
        _deregistering.TryGetValue(stream.Name, out var gone) && gone.Any(g => g.Epoch == stream.Epoch && g.Consumer.Name == consumerName && NowMs < g.UntilMs);

    /// <summary>Kinesis' answer to a change of a stream that is not ACTIVE.</summary>
    private ResourceInUseException NotActive(StreamEntry entry) =>
        new($"Stream {entry.Name} under account {_settings.AccountId} not ACTIVE, instead in state {entry.Status.ToString().ToUpperInvariant()}");
}
