using Akka.Actor;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// Record distribution: an ON_DEMAND stream set to AUTO (UpdateStreamRecordDistributionStrategy, or
/// RecordDistributionStrategy on CreateStream) has its writes spread over its open shards whatever their keys. Writers
/// learn it with the stream's route (<see cref="StreamRoute.DistributesAutomatically"/>). As in Kinesis the change takes
/// effect at once: the stream stays ACTIVE, and records already written keep their shards.
/// </summary>
internal sealed partial class StreamCatalogActor
{
    /// <summary>What Kinesis refuses before taking <paramref name="strategy"/> for a stream of <paramref name="mode"/>.</summary>
    private void RequireDistributionAllowed(string name, StreamMode mode, RecordDistributionStrategy strategy)
    {
        if (strategy == RecordDistributionStrategy.Auto && mode != StreamMode.OnDemand)
            throw new InvalidArgumentException(
                $"Record distribution strategy AUTO is only supported for streams in ON_DEMAND mode; stream {name} under account {_settings.AccountId} is PROVISIONED.");
    }

    private void OnUpdateRecordDistribution(UpdateRecordDistributionCommand cmd)
    {
        var entry = Find(cmd.Name);
        RequireDistributionAllowed(cmd.Name, entry.Mode, cmd.Strategy);
        if (entry.Status != StreamStatus.Active) throw NotActive(entry);
        var replyTo = Sender;
        if (entry.RecordDistribution == cmd.Strategy)
        {
            replyTo.Tell(View(entry));
            return;
        }
        PersistEvent(new StreamRecordDistributionChanged(cmd.Name, cmd.Strategy), () => replyTo.Tell(View(_streams[cmd.Name])));
    }
}
