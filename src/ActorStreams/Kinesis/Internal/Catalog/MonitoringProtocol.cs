using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal.Catalog;

// Enhanced monitoring (EnableEnhancedMonitoring / DisableEnhancedMonitoring): the messages this feature added.
// Persisted: StreamMonitoringChanged "CM" (and the stream's metrics in the "CS" catalog snapshot, field 14 of StreamEntry).
// Across nodes: ChangeEnhancedMonitoring "cQ" (client -> catalog), MonitoringChanged "rM" (its answer).

/// <summary>Enables (<paramref name="Enable"/>) or disables the shard-level metrics <paramref name="Metrics"/> of a stream.</summary>
internal sealed record ChangeEnhancedMonitoring(string Name, ShardLevelMetrics Metrics, bool Enable) : ICatalogCommand;

/// <summary>The stream's shard-level metrics are now <paramref name="Metrics"/>.</summary>
internal sealed record StreamMonitoringChanged(string Name, ShardLevelMetrics Metrics) : IActorStreamsEvent;

/// <summary>The answer to <see cref="ChangeEnhancedMonitoring"/>: the stream after it, and its metrics before.</summary>
internal sealed record MonitoringChanged(StreamEntry Entry, ShardLevelMetrics Previous) : IActorStreamsReply;
