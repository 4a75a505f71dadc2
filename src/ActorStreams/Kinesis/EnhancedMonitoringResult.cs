namespace ActorStreams.Kinesis;

/// <summary>
/// The answer of EnableEnhancedMonitoring and DisableEnhancedMonitoring: the stream's shard-level metrics before the
/// call (<paramref name="Current"/>) and after it (<paramref name="Desired"/>).
/// </summary>
public sealed record EnhancedMonitoringResult(string StreamName, string StreamArn, ShardLevelMetrics Current, ShardLevelMetrics Desired);
