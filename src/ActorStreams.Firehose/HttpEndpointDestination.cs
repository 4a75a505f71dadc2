namespace ActorStreams.Firehose;

/// <summary>
/// The HTTP endpoint destination: each buffer is POSTed as <c>{"requestId","timestamp","records":[{"data"}]}</c> with
/// the <c>X-Amz-Firehose-*</c> headers, optionally gzip-encoded; HTTP 200 with the same requestId acknowledges it.
/// Failures are retried with back-off (1 s doubling, at most 2 min) for <see cref="RetryDurationInSeconds"/>; a 413
/// is permanent. Records that could not be delivered go to <see cref="S3Configuration"/> under its error prefix
/// (<c>http-endpoint-failed</c>).
/// </summary>
public sealed record HttpEndpointDestination : DeliveryDestination
{
    /// <summary>The endpoint URL (http or https).</summary>
    public string Url { get; init; } = "";

    /// <summary>A display name of the endpoint.</summary>
    public string? Name { get; init; }

    /// <summary>Sent as <c>X-Amz-Firehose-Access-Key</c>.</summary>
    public string? AccessKey { get; init; }

    /// <summary>Size (1-64 MiB) and interval (0-900 s) hints.</summary>
    public BufferingHints BufferingHints { get; init; } = new();

    /// <summary>Whether request bodies are gzip-encoded (<c>Content-Encoding: gzip</c>).</summary>
    public bool GzipContentEncoding { get; init; }

    /// <summary>Sent as the JSON object of <c>X-Amz-Firehose-Common-Attributes</c>.</summary>
    public IReadOnlyDictionary<string, string> CommonAttributes { get; init; } = new Dictionary<string, string>();

    /// <summary>How long a failing delivery is retried (0-7,200 s).</summary>
    public int RetryDurationInSeconds { get; init; } = FirehoseLimits.DefaultHttpEndpointRetryDurationSeconds;

    /// <summary>True (<c>AllData</c>) also backs up every delivered record to <see cref="S3Configuration"/>; false (<c>FailedDataOnly</c>) only failed ones.</summary>
    public bool BackupAllData { get; init; }

    /// <summary>The backup object store.</summary>
    public ObjectStoreDestination S3Configuration { get; init; } = new();

    /// <summary>The IAM role AWS would assume; kept and reported.</summary>
    public string? RoleArn { get; init; }

    /// <inheritdoc />
    public override BufferingHints EffectiveBufferingHints => BufferingHints;
}
