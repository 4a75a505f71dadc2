namespace ActorStreams.Firehose;

/// <summary>
/// How a delivery stream's deliveries are going, counted by the node that runs it since it started there (an
/// ActorStreams extension: AWS reports these as CloudWatch metrics, not in DescribeDeliveryStream). Over the wire it
/// is the <c>DeliveryStatistics</c> member of <c>DeliveryStreamDescription</c>, which the AWS CLI passes over.
/// </summary>
/// <param name="Destination">The destination kind, as in Firehose's metric names (DeliveryTo<i>X</i>): S3, Redshift, HttpEndpoint, Splunk, AmazonOpenSearchService or AmazonOpenSearchServerless.</param>
/// <param name="CountingSince">When this node started counting (the delivery stream started here; counters are in memory).</param>
/// <param name="DeliveredRecords">Records delivered to the destination.</param>
/// <param name="DeliveredBytes">Bytes of those records (after transformation, before compression).</param>
/// <param name="DeliveredRecordsPerSecond">Records delivered per second, averaged over the last <see cref="RateWindowSeconds"/> seconds.</param>
/// <param name="DeliveredBytesPerSecond">Bytes delivered per second, averaged over the last <see cref="RateWindowSeconds"/> seconds.</param>
/// <param name="FailedDeliveryAttempts">Delivery attempts that failed (each retry of a buffer counts once).</param>
/// <param name="ErrorOutput">Buffers and records sent to the error output, by error output type (processing-failed, http-endpoint-failed, ...).</param>
/// <param name="BacklogRecords">Records acknowledged and not yet delivered; null for a Kinesis stream source, whose records wait in the source stream.</param>
/// <param name="BacklogBytes">Bytes of those records; null for a Kinesis stream source.</param>
/// <param name="DataFreshness">Age of the oldest undelivered record (zero when all are delivered), as Firehose's DataFreshness; null for a Kinesis stream source.</param>
/// <param name="RecentErrors">The last <see cref="MaxRecentErrors"/> delivery, transformation and error-output errors, oldest first.</param>
public sealed record DeliveryStreamStatistics(
    string Destination,
    DateTimeOffset CountingSince,
    long DeliveredRecords,
    long DeliveredBytes,
    double DeliveredRecordsPerSecond,
    double DeliveredBytesPerSecond,
    long FailedDeliveryAttempts,
    IReadOnlyDictionary<string, ErrorOutputStatistics> ErrorOutput,
    long? BacklogRecords,
    long? BacklogBytes,
    TimeSpan? DataFreshness,
    IReadOnlyList<DeliveryError> RecentErrors)
{
    /// <summary>The window of the per-second rates, in seconds.</summary>
    public const int RateWindowSeconds = 60;

    /// <summary>How many of the latest errors are kept.</summary>
    public const int MaxRecentErrors = 10;
}
