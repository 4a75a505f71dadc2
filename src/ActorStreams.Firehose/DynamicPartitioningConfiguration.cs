namespace ActorStreams.Firehose;

/// <summary>
/// Dynamic partitioning of an object store (S3) destination, as Firehose does it: every record gets partition keys,
/// from a <see cref="ProcessingConfiguration.MetadataExtractionQuery"/> (<c>!{partitionKeyFromQuery:KEY}</c>) and/or from
/// the transformation's <see cref="TransformationOutputRecord.PartitionKeys"/> (<c>!{partitionKeyFromLambda:KEY}</c>);
/// records with the same keys are buffered together (each partition by the size and interval hints on its own) and
/// each partition buffer becomes one object under the prefix evaluated with its keys. Records whose keys cannot be
/// found go to the <c>partitioning-failed</c> error output. Partitioning needs a size hint of at least
/// <see cref="FirehoseLimits.MinDynamicPartitioningBufferSizeMiB"/> MiB, an interval hint above 0, a prefix that uses
/// the keys and an error output prefix. At most <c>actorstreams.firehose.max-active-partitions</c> partitions (500 by
/// default, as in Firehose) buffer at once; records of further partitions go to the error output
/// (<c>partitioning-failed</c>, error code <c>DynamicPartitioning.ActivePartitionsExceeded</c>).
/// </summary>
public sealed record DynamicPartitioningConfiguration
{
    /// <summary>Whether records are partitioned.</summary>
    public bool Enabled { get; init; }

    /// <summary>How long (0-7,200 s, default 300) a partition's object is retried before its records go to the <c>s3-failed</c> error output.</summary>
    public int RetryDurationInSeconds { get; init; } = FirehoseLimits.DefaultDynamicPartitioningRetryDurationSeconds;
}
