namespace ActorStreams.Kinesis;

/// <summary>
/// The limits of the Kinesis Data Streams API (API version 2013-12-02) that ActorStreams honours.
/// Throughput limits that an operator may raise or lift live in <see cref="Settings.ThrottlingSettings"/> instead.
/// </summary>
public static class KinesisLimits
{
    /// <summary>Stream names are 1 to 128 characters of <c>[a-zA-Z0-9_.-]</c>.</summary>
    public const int MaxStreamNameLength = 128;

    /// <summary>A shard id given as an argument (ExclusiveStartShardId, ShardFilter.ShardId) is 1 to 128 characters.</summary>
    public const int MaxShardIdLength = 128;

    /// <summary>A partition key is 1 to 256 Unicode characters.</summary>
    public const int MaxPartitionKeyLength = 256;

    /// <summary>Data plus partition key of one record, by default (UpdateMaxRecordSize can raise it per stream).</summary>
    public const int DefaultMaxRecordSizeBytes = 1024 * 1024;

    /// <summary>The largest record a stream may be set to take (UpdateMaxRecordSize): 10 MiB.</summary>
    public const int LargestMaxRecordSizeBytes = 10 * 1024 * 1024;

    /// <summary>UpdateMaxRecordSize and CreateStream take <c>MaxRecordSizeInKiB</c> from 1,024 to 10,240 KiB.</summary>
    public const int MinMaxRecordSizeInKiB = DefaultMaxRecordSizeBytes / 1024;

    /// <inheritdoc cref="MinMaxRecordSizeInKiB"/>
    public const int MaxMaxRecordSizeInKiB = LargestMaxRecordSizeBytes / 1024;

    /// <summary>The most entries one PutRecords call may carry.</summary>
    public const int MaxPutRecordsEntries = 500;

    /// <summary>The most records one GetRecords call returns, and the largest <c>Limit</c> it accepts.</summary>
    public const int MaxGetRecordsLimit = 10_000;

    /// <summary>The most bytes one GetRecords call returns.</summary>
    public const int MaxGetRecordsBytes = 10 * 1024 * 1024;

    /// <summary>A shard iterator expires this long after it was issued.</summary>
    public static readonly TimeSpan ShardIteratorLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Default, smallest and largest retention period in hours.</summary>
    public const int DefaultRetentionHours = 24;

    /// <inheritdoc cref="DefaultRetentionHours"/>
    public const int MinRetentionHours = 24;

    /// <inheritdoc cref="DefaultRetentionHours"/>
    public const int MaxRetentionHours = 8_760;

    /// <summary>ListStreams returns at most this many names per page (default 100).</summary>
    public const int MaxListStreamsLimit = 10_000;

    /// <inheritdoc cref="MaxListStreamsLimit"/>
    public const int DefaultListStreamsLimit = 100;

    /// <summary>Tags: at most 50 per stream, keys 1-128 characters, values 0-256 characters; at most 10 per AddTagsToStream call.</summary>
    public const int MaxTagsPerStream = 50;

    /// <inheritdoc cref="MaxTagsPerStream"/>
    public const int MaxTagsPerRequest = 10;

    /// <summary>Tags on one enhanced fan-out consumer (TagResource with a consumer ARN): at most 50, as on a stream.</summary>
    public const int MaxTagsPerConsumer = 50;

    /// <inheritdoc cref="MaxTagsPerStream"/>
    public const int MaxTagKeyLength = 128;

    /// <inheritdoc cref="MaxTagsPerStream"/>
    public const int MaxTagValueLength = 256;

    /// <summary>Per-shard write capacity: 1 MiB/s and 1,000 records/s.</summary>
    public const int ShardWriteBytesPerSecond = 1024 * 1024;

    /// <inheritdoc cref="ShardWriteBytesPerSecond"/>
    public const int ShardWriteRecordsPerSecond = 1_000;

    /// <summary>Per-shard read capacity: 2 MiB/s shared by all polling consumers, 5 GetRecords calls/s.</summary>
    public const int ShardReadBytesPerSecond = 2 * 1024 * 1024;

    /// <inheritdoc cref="ShardReadBytesPerSecond"/>
    public const int ShardReadCallsPerSecond = 5;

    /// <summary>GetShardIterator calls per shard per second.</summary>
    public const int ShardGetShardIteratorCallsPerSecond = 5;

    /// <summary>The largest <c>TargetShardCount</c> UpdateShardCount accepts.</summary>
    public const int MaxTargetShardCount = 100_000;

    /// <summary>At most 20 enhanced fan-out consumers may be registered on one stream.</summary>
    public const int MaxConsumersPerStream = 20;

    /// <summary>While the account's minimum throughput billing commitment is in effect, 50 consumers per stream.</summary>
    public const int MaxConsumersPerStreamWithCommitment = 50;

    /// <summary>The largest warm throughput of an ON_DEMAND stream: 10 GiB/s.</summary>
    public const int MaxWarmThroughputMiBps = 10 * 1024;

    /// <summary>A minimum throughput billing commitment lasts at least 24 hours after it is turned on.</summary>
    public static readonly TimeSpan MinimumThroughputCommitmentPeriod = TimeSpan.FromHours(24);

    /// <summary>Consumer names are 1 to 128 characters of <c>[a-zA-Z0-9_.-]</c>.</summary>
    public const int MaxConsumerNameLength = 128;

    /// <summary>ListStreamConsumers returns at most this many consumers per page (default 100).</summary>
    public const int MaxListStreamConsumersResults = 10_000;

    /// <inheritdoc cref="MaxListStreamConsumersResults"/>
    public const int DefaultListStreamConsumersResults = 100;

    /// <summary>Each enhanced fan-out consumer reads up to 2 MiB/s from each shard, apart from the polling readers.</summary>
    public const int ConsumerReadBytesPerSecond = 2 * 1024 * 1024;

    /// <summary>A SubscribeToShard subscription lasts 5 minutes; the consumer then subscribes again.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(5);

    /// <summary>A second SubscribeToShard of the same consumer and shard within 5 s of a successful one is ResourceInUseException.</summary>
    public static readonly TimeSpan ResubscribeInterval = TimeSpan.FromSeconds(5);

    /// <summary>Longest KMS key id (StartStreamEncryption/StopStreamEncryption KeyId), in characters.</summary>
    public const int MaxKeyIdLength = 2048;

    /// <summary>Length of an encryption key of the local key provider: AES-256.</summary>
    public const int EncryptionKeyBytes = 32;
}
