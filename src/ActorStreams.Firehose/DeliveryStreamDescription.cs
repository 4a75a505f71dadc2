namespace ActorStreams.Firehose;

/// <summary>What DescribeDeliveryStream reports.</summary>
public sealed record DeliveryStreamDescription(
    string DeliveryStreamName,
    string DeliveryStreamArn,
    DeliveryStreamStatus Status,
    DeliveryStreamType DeliveryStreamType,
    int VersionId,
    DateTimeOffset CreateTimestamp,
    DateTimeOffset LastUpdateTimestamp,
    DeliveryStreamEncryption Encryption,
    KinesisStreamSourceConfiguration? KinesisStreamSource,
    DeliveryDestination Destination)
{
    /// <summary>The one destination's id, as UpdateDestination wants it.</summary>
    public const string DestinationId = "destinationId-000000000001";

    /// <summary>
    /// How deliveries are going (an ActorStreams extension): delivered, failed, backlog, data freshness and the last
    /// errors, as counted by the node that runs the delivery stream.
    /// </summary>
    public DeliveryStreamStatistics? Statistics { get; init; }
}
