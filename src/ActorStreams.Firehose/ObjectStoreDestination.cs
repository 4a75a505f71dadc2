namespace ActorStreams.Firehose;

/// <summary>
/// The (extended) S3 destination. <c>arn:aws:s3:::BUCKET</c> is stored in the directory object store under
/// <c>&lt;data-dir&gt;/objects/BUCKET/&lt;key&gt;</c>. Object keys are
/// <c>&lt;prefix&gt;&lt;DeliveryStreamName&gt;-&lt;version&gt;-yyyy-MM-dd-HH-mm-ss-&lt;uuid&gt;</c> plus the compression's extension;
/// a prefix without <c>!{timestamp:...}</c> gets <c>yyyy/MM/dd/HH/</c> appended (not with dynamic partitioning, whose
/// prefix is used as evaluated). Also the backup store of the other destinations.
/// </summary>
public sealed record ObjectStoreDestination : DeliveryDestination
{
    /// <summary><c>arn:aws:s3:::BUCKET</c>.</summary>
    public string BucketArn { get; init; } = "";

    /// <summary>
    /// The object key prefix; may hold <c>!{timestamp:...}</c>, <c>!{firehose:random-string}</c> and, with
    /// <see cref="DynamicPartitioning"/>, <c>!{partitionKeyFromQuery:KEY}</c> and <c>!{partitionKeyFromLambda:KEY}</c>.
    /// </summary>
    public string? Prefix { get; init; }

    /// <summary>The prefix of records that could not be delivered or transformed; may hold <c>!{firehose:error-output-type}</c>.</summary>
    public string? ErrorOutputPrefix { get; init; }

    /// <summary>Size (1-128 MiB) and interval (0-900 s) hints.</summary>
    public BufferingHints BufferingHints { get; init; } = new();

    /// <summary>Compression of each object.</summary>
    public CompressionFormat CompressionFormat { get; init; } = CompressionFormat.Uncompressed;

    /// <summary>
    /// Replaces the default extension of delivered objects, the compression's included (<c>.json</c> on a GZIP
    /// destination names objects <c>...-uuid.json</c>): a dot, then lowercase letters, digits and <c>!-_.*'()</c>.
    /// Null for the default.
    /// </summary>
    public string? FileExtension { get; init; }

    /// <summary>
    /// The IANA time zone (<c>Asia/Tokyo</c>) of the times in object keys: the prefix's <c>!{timestamp:...}</c>
    /// expressions, the default <c>yyyy/MM/dd/HH/</c> prefix and the time in the object name; null for UTC.
    /// </summary>
    public string? CustomTimeZone { get; init; }

    /// <summary>JSON to Parquet conversion; null or disabled delivers the records as they are.</summary>
    public DataFormatConversion? DataFormatConversion { get; init; }

    /// <summary>Dynamic partitioning (one buffer and object per partition key set); null or disabled for none.</summary>
    public DynamicPartitioningConfiguration? DynamicPartitioning { get; init; }

    /// <summary>The IAM role AWS would assume; kept and reported, not enforced.</summary>
    public string? RoleArn { get; init; }

    /// <inheritdoc />
    public override BufferingHints EffectiveBufferingHints => BufferingHints;
}
