namespace ActorStreams.Server;

/// <summary>
/// The <c>ActorStreams:Metrics</c> section: the Prometheus scrape endpoint of the OpenTelemetry metrics
/// (<see cref="Diagnostics.ActorStreamsMetrics"/> and cluster membership). On by default at <c>/metrics</c>.
/// </summary>
public sealed class ActorStreamsMetricsOptions
{
    /// <summary>Serve the metrics (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Path of the scrape endpoint (default <c>/metrics</c>), on the same port as the Kinesis API, without SigV4.</summary>
    public string Path { get; set; } = "/metrics";
}
