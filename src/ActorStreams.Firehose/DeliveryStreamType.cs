namespace ActorStreams.Firehose;

/// <summary>Where a delivery stream's records come from.</summary>
public enum DeliveryStreamType
{
    /// <summary>Producers write with PutRecord and PutRecordBatch.</summary>
    DirectPut,

    /// <summary>The delivery stream reads an ActorStreams (Kinesis) stream; direct puts are refused.</summary>
    KinesisStreamAsSource,
}
