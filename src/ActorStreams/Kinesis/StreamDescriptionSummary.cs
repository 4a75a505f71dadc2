namespace ActorStreams.Kinesis;

/// <summary>A stream without its shard list, as DescribeStreamSummary reports it.</summary>
public sealed record StreamDescriptionSummary(
    string StreamName,
    string StreamArn,
    StreamStatus StreamStatus,
    StreamMode StreamMode,
    int RetentionPeriodHours,
    DateTimeOffset StreamCreationTimestamp,
    string EncryptionType,
    string? KeyId,
    int OpenShardCount,
    int ConsumerCount)
{
    /// <summary>The shard-level metrics enhanced monitoring exports for the stream (EnableEnhancedMonitoring).</summary>
    public ShardLevelMetrics EnhancedMonitoring { get; init; }

    /// <summary>An ON_DEMAND stream's warm throughput (UpdateStreamWarmThroughput); null for a PROVISIONED stream.</summary>
    public WarmThroughput? WarmThroughput { get; init; }

    /// <summary>The largest record (data plus partition key) the stream takes, in KiB (UpdateMaxRecordSize); 1,024 by default.</summary>
    public int MaxRecordSizeInKiB { get; init; } = KinesisLimits.DefaultMaxRecordSizeBytes / 1024;

    /// <summary>
    /// How an ON_DEMAND stream places records on its shards (UpdateStreamRecordDistributionStrategy); null for a
    /// PROVISIONED stream, which always routes by partition key.
    /// </summary>
    public RecordDistributionStrategy? RecordDistributionStrategy { get; init; }
}
