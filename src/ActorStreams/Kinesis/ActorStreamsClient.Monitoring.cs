using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Turns on shard-level metrics of the stream (enhanced monitoring): each one enabled is exported per shard as an
    /// <c>actorstreams.shard.*</c> instrument (the Prometheus <c>/metrics</c> endpoint), and DescribeStream reports
    /// them. Metrics already on stay on. With <c>actorstreams.state-delays.update-stream</c> set, the stream shows
    /// UPDATING for that long.
    /// </summary>
    /// <exception cref="ResourceInUseException">The stream is not ACTIVE.</exception>
    public Task<EnhancedMonitoringResult> EnableEnhancedMonitoringAsync(string streamName, ShardLevelMetrics metrics,
        CancellationToken cancellationToken = default) =>
        ChangeEnhancedMonitoringAsync(streamName, metrics, enable: true, cancellationToken);

    /// <summary>Turns off shard-level metrics of the stream; the others stay as they are.</summary>
    /// <exception cref="ResourceInUseException">The stream is not ACTIVE.</exception>
    public Task<EnhancedMonitoringResult> DisableEnhancedMonitoringAsync(string streamName, ShardLevelMetrics metrics,
        CancellationToken cancellationToken = default) =>
        ChangeEnhancedMonitoringAsync(streamName, metrics, enable: false, cancellationToken);

    private async Task<EnhancedMonitoringResult> ChangeEnhancedMonitoringAsync(string streamName, ShardLevelMetrics metrics, bool enable,
        CancellationToken cancellationToken)
    {
        Validate.StreamName(streamName);
        if (metrics == ShardLevelMetrics.None || (metrics & ~ShardLevelMetrics.All) != 0)
            throw new ValidationException($"ShardLevelMetrics must name at least one of the shard-level metrics; {metrics} does not.");
        var changed = await AskAsync<MonitoringChanged>(_catalog, new ChangeEnhancedMonitoring(streamName, metrics, enable), cancellationToken)
            .ConfigureAwait(false);
        return new EnhancedMonitoringResult(changed.Entry.Name, _settings.StreamArn(changed.Entry.Name), changed.Previous, changed.Entry.ShardLevelMetrics);
    }
}
