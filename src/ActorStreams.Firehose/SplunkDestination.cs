namespace ActorStreams.Firehose;

/// <summary>
/// The Splunk destination: each buffer is POSTed to the HTTP Event Collector (<c>/services/collector/event</c> or
/// <c>/services/collector/raw</c>) with <c>Authorization: Splunk &lt;token&gt;</c> and a request channel; when HEC
/// answers with an <c>ackId</c> (indexer acknowledgment), delivery counts only once <c>/services/collector/ack</c>
/// confirms it within <see cref="HecAcknowledgmentTimeoutInSeconds"/>. Failures are retried for
/// <see cref="RetryDurationInSeconds"/>, then go to <see cref="S3Configuration"/> as <c>splunk-failed</c>.
/// </summary>
public sealed record SplunkDestination : DeliveryDestination
{
    /// <summary>The HEC base URL, for example <c>https://splunk:8088</c>.</summary>
    public string HecEndpoint { get; init; } = "";

    /// <summary>True for the Event endpoint (records become HEC events), false for Raw (records as they are).</summary>
    public bool EventEndpoint { get; init; } = true;

    /// <summary>The HEC token.</summary>
    public string? HecToken { get; init; }

    /// <summary>How long an indexer acknowledgment is awaited: 180-600 s.</summary>
    public int HecAcknowledgmentTimeoutInSeconds { get; init; } = FirehoseLimits.DefaultSplunkAckTimeoutSeconds;

    /// <summary>Size (1-5 MiB) and interval (0-60 s) hints.</summary>
    public BufferingHints BufferingHints { get; init; } = new() { SizeInMBs = 5, IntervalInSeconds = 60 };

    /// <summary>How long failing deliveries are retried (0-7,200 s).</summary>
    public int RetryDurationInSeconds { get; init; } = FirehoseLimits.DefaultSplunkRetryDurationSeconds;

    /// <summary>True (<c>AllEvents</c>) also backs up every delivered record; false (<c>FailedEventsOnly</c>) only failed ones.</summary>
    public bool BackupAllEvents { get; init; }

    /// <summary>The backup object store.</summary>
    public ObjectStoreDestination S3Configuration { get; init; } = new();

    /// <inheritdoc />
    public override BufferingHints EffectiveBufferingHints => BufferingHints;
}
