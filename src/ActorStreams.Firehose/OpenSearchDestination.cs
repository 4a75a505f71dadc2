namespace ActorStreams.Firehose;

/// <summary>
/// The OpenSearch / Elasticsearch destination: each buffer is one <c>_bulk</c> request (NDJSON, an <c>index</c>
/// action per record with a document id fixed by the buffer, so a retry overwrites instead of duplicating) into
/// <see cref="IndexName"/> with its rotation suffix. Items the cluster refuses with 429 or 5xx are retried (only
/// those) for <see cref="RetryDurationInSeconds"/>; other refused items and records that are not JSON go to
/// <see cref="S3Configuration"/> as <c>AmazonOpenSearchService-failed</c>.
/// </summary>
public sealed record OpenSearchDestination : DeliveryDestination
{
    /// <summary>The cluster's URL, for example <c>https://search:9200</c>.</summary>
    public string ClusterEndpoint { get; init; } = "";

    /// <summary>The index name (before the rotation suffix).</summary>
    public string IndexName { get; init; } = "";

    /// <summary>The document type (Elasticsearch 6 and older); null for none.</summary>
    public string? TypeName { get; init; }

    /// <summary>NoRotation, OneHour (<c>-yyyy-MM-dd-HH</c>), OneDay (<c>-yyyy-MM-dd</c>), OneWeek (<c>-yyyy-wWW</c>), OneMonth (<c>-yyyy-MM</c>), at each record's arrival time.</summary>
    public IndexRotationPeriod IndexRotationPeriod { get; init; } = IndexRotationPeriod.OneDay;

    /// <summary>Size (1-100 MiB) and interval (0-900 s) hints.</summary>
    public BufferingHints BufferingHints { get; init; } = new();

    /// <summary>How long failing deliveries are retried (0-7,200 s).</summary>
    public int RetryDurationInSeconds { get; init; } = FirehoseLimits.DefaultHttpEndpointRetryDurationSeconds;

    /// <summary>True (<c>AllDocuments</c>) also backs up every delivered record; false (<c>FailedDocumentsOnly</c>) only failed ones.</summary>
    public bool BackupAllDocuments { get; init; }

    /// <summary>
    /// True for an OpenSearch Serverless collection (<c>AmazonOpenSearchServerlessDestinationConfiguration</c>):
    /// <see cref="ClusterEndpoint"/> is the collection endpoint, the index does not rotate and has no type, and records
    /// the collection refuses go to the error output as <c>AmazonOpenSearchServerless-failed</c>.
    /// </summary>
    public bool Serverless { get; init; }

    /// <summary>The backup object store.</summary>
    public ObjectStoreDestination S3Configuration { get; init; } = new();

    /// <inheritdoc />
    public override BufferingHints EffectiveBufferingHints => BufferingHints;
}
