namespace ActorStreams.Kinesis;

/// <summary>How a consumer in a <see cref="StreamConsumerLag"/> reads, which sets what its lag means.</summary>
public enum ConsumerLagKind
{
    /// <summary>
    /// A registered enhanced fan-out consumer (RegisterStreamConsumer, SubscribeToShard): per shard, the
    /// MillisBehindLatest of the last event its subscription sent.
    /// </summary>
    EnhancedFanOut,

    /// <summary>
    /// A consumer application (<c>KinesisSource.Committable</c>): per shard, the age of the first record after its
    /// checkpoint, 0 when the checkpoint is at the shard's newest record.
    /// </summary>
    ConsumerApplication,
}
