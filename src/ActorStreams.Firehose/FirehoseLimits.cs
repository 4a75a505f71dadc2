namespace ActorStreams.Firehose;

/// <summary>The Firehose limits ActorStreams honours (API 2015-08-04 and the Firehose developer guide), in one place.</summary>
public static class FirehoseLimits
{
    /// <summary>Delivery stream names: 1 to 64 characters of <c>[a-zA-Z0-9_.-]</c>.</summary>
    public const int MaxDeliveryStreamNameLength = 64;

    /// <summary>Largest record (its data, before base64): 1,000 KiB.</summary>
    public const int MaxRecordBytes = 1000 * 1024;

    /// <summary>RecordDeAggregation (JSON or delimited) takes at most this many records out of one record.</summary>
    public const int MaxDeAggregatedRecords = 500;

    /// <summary>Most records in one PutRecordBatch.</summary>
    public const int MaxPutRecordBatchEntries = 500;

    /// <summary>Most bytes (all records' data) in one PutRecordBatch: 4 MiB.</summary>
    public const int MaxPutRecordBatchBytes = 4 * 1024 * 1024;

    /// <summary>Most names one ListDeliveryStreams page returns (and its default).</summary>
    public const int MaxListDeliveryStreamsLimit = 10_000;

    /// <summary>Names a ListDeliveryStreams page returns when no limit is given.</summary>
    public const int DefaultListDeliveryStreamsLimit = 10;

    /// <summary>Most tags on one delivery stream.</summary>
    public const int MaxTagsPerDeliveryStream = 50;

    /// <summary>Most tags in one TagDeliveryStream or UntagDeliveryStream call.</summary>
    public const int MaxTagsPerRequest = 50;

    /// <summary>Object store (S3) buffering size hint: 1 to 128 MiB, default 5.</summary>
    public const int MinObjectStoreBufferSizeMiB = 1, MaxObjectStoreBufferSizeMiB = 128;

    /// <summary>HTTP endpoint buffering size hint: 1 to 64 MiB, default 5.</summary>
    public const int MinHttpEndpointBufferSizeMiB = 1, MaxHttpEndpointBufferSizeMiB = 64;

    /// <summary>Splunk buffering size hint: 1 to 5 MiB.</summary>
    public const int MinSplunkBufferSizeMiB = 1, MaxSplunkBufferSizeMiB = 5;

    /// <summary>Splunk buffering interval hint: 0 to 60 seconds.</summary>
    public const int MaxSplunkBufferIntervalSeconds = 60;

    /// <summary>Splunk indexer acknowledgment timeout: 180 to 600 seconds, default 180.</summary>
    public const int MinSplunkAckTimeoutSeconds = 180, MaxSplunkAckTimeoutSeconds = 600, DefaultSplunkAckTimeoutSeconds = 180;

    /// <summary>Default retry duration of the Splunk destination, in seconds.</summary>
    public const int DefaultSplunkRetryDurationSeconds = 3_600;

    /// <summary>OpenSearch buffering size hint: 1 to 100 MiB.</summary>
    public const int MinOpenSearchBufferSizeMiB = 1, MaxOpenSearchBufferSizeMiB = 100;

    /// <summary>Default buffering size hint of every destination, in MiB.</summary>
    public const int DefaultBufferSizeMiB = 5;

    /// <summary>Buffering interval hint: 0 to 900 seconds.</summary>
    public const int MinBufferIntervalSeconds = 0, MaxBufferIntervalSeconds = 900;

    /// <summary>Default buffering interval hint, in seconds.</summary>
    public const int DefaultBufferIntervalSeconds = 300;

    /// <summary>Retry duration of non-object-store destinations: 0 to 7,200 seconds.</summary>
    public const int MaxRetryDurationSeconds = 7_200;

    /// <summary>Default retry duration of the warehouse (Redshift) destination, in seconds.</summary>
    public const int DefaultWarehouseRetryDurationSeconds = 3_600;

    /// <summary>Default retry duration of the HTTP endpoint destination, in seconds.</summary>
    public const int DefaultHttpEndpointRetryDurationSeconds = 300;

    /// <summary>Length of the <c>!{firehose:random-string}</c> prefix expression's value.</summary>
    public const int RandomStringLength = 11;

    /// <summary>Longest object key prefix (and error output prefix).</summary>
    public const int MaxPrefixLength = 1024;

    /// <summary>The longest FileExtension of an S3 destination.</summary>
    public const int MaxFileExtensionLength = 128;

    /// <summary>The longest CustomTimeZone of an S3 destination.</summary>
    public const int MaxCustomTimeZoneLength = 50;

    /// <summary>Longest segment (between two '/') of an object key, in UTF-8 bytes: what a file name holds.</summary>
    public const int MaxObjectKeySegmentBytes = 255;

    /// <summary>Longest object key, in UTF-8 bytes (S3's limit).</summary>
    public const int MaxObjectKeyBytes = 1024;

    /// <summary>First back-off of an HTTP endpoint delivery retry; it doubles each time up to <see cref="MaxHttpRetryDelaySeconds"/>.</summary>
    public const int HttpRetryBaseDelaySeconds = 1;

    /// <summary>Cap of an HTTP endpoint delivery retry's back-off.</summary>
    public const int MaxHttpRetryDelaySeconds = 120;

    /// <summary>Smallest buffering size hint of an object store destination with dynamic partitioning, in MiB.</summary>
    public const int MinDynamicPartitioningBufferSizeMiB = 64;

    /// <summary>Default retry duration of an object store destination with dynamic partitioning, in seconds.</summary>
    public const int DefaultDynamicPartitioningRetryDurationSeconds = 300;

    /// <summary>Default of <c>actorstreams.firehose.max-active-partitions</c>: partitions buffering at once per delivery stream (Firehose's default quota).</summary>
    public const int DefaultMaxActivePartitions = 500;

    /// <summary>Longest value of one partition key (in characters).</summary>
    public const int MaxPartitionKeyValueLength = 512;

    /// <summary>Longest processor parameter value (a MetadataExtractionQuery among them), in characters.</summary>
    public const int MaxProcessorParameterValueLength = 5120;

    /// <summary>The only JSON parsing engine of the MetadataExtraction processor.</summary>
    public const string JsonParsingEngine = "JQ-1.6";
}
