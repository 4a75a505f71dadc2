namespace ActorStreams.Kinesis;

/// <summary>A stream with its full shard list, as DescribeStream reports it.</summary>
public sealed record StreamDescription(
    string StreamName,
    string StreamArn,
    StreamStatus StreamStatus,
    StreamMode StreamMode,
    IReadOnlyList<StreamShardDescription> Shards,
    int RetentionPeriodHours,
    DateTimeOffset StreamCreationTimestamp,
    string EncryptionType,
    string? KeyId)
{
    /// <summary>The shard-level metrics enhanced monitoring exports for the stream (EnableEnhancedMonitoring).</summary>
    public ShardLevelMetrics EnhancedMonitoring { get; init; }
}
