using Akka.Actor;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// Enhanced monitoring: which shard-level metrics a stream exports. The setting is journaled with the stream; this
/// node's metrics registry learns it whenever the catalog changes or recovers it (other nodes whenever they read
/// the stream from the catalog, see <see cref="StreamRouter"/>).
/// </summary>
internal sealed partial class StreamCatalogActor
{
    private void OnChangeMonitoring(ChangeEnhancedMonitoring cmd)
    {
        var entry = Find(cmd.Name);
        if (entry.Status != StreamStatus.Active) throw NotActive(entry);
        var previous = entry.ShardLevelMetrics;
        var desired = cmd.Enable ? previous | cmd.Metrics : previous & ~cmd.Metrics;
        if (desired == previous)
        {
            Sender.Tell(new MonitoringChanged(View(entry), previous));
            return;
        }
        var replyTo = Sender;
        PersistEvent(new StreamMonitoringChanged(cmd.Name, desired), () =>
        {
            MarkUpdating(cmd.Name);
            replyTo.Tell(new MonitoringChanged(View(_streams[cmd.Name]), previous));
        });
    }

    /// <summary>Tells this node's metrics registry what <paramref name="entry"/> exports (null: the stream is gone).</summary>
    private void PublishMonitoring(string name, StreamEntry? entry)
    {
        if (_metrics is null) return;
        if (entry is null) _metrics.ForgetShardLevelMetrics(name);
        else _metrics.SetShardLevelMetrics(name, entry.Epoch, entry.ShardLevelMetrics);
    }
}
