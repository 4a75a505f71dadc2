namespace ActorStreams.Firehose;

/// <summary>Everything CreateDeliveryStream takes.</summary>
public sealed record DeliveryStreamConfiguration
{
    /// <summary>1 to 64 characters of <c>[a-zA-Z0-9_.-]</c>.</summary>
    public string DeliveryStreamName { get; init; } = "";

    /// <summary>Where records come from.</summary>
    public DeliveryStreamType DeliveryStreamType { get; init; } = DeliveryStreamType.DirectPut;

    /// <summary>The source stream of a <see cref="DeliveryStreamType.KinesisStreamAsSource"/> delivery stream.</summary>
    public KinesisStreamSourceConfiguration? KinesisStreamSource { get; init; }

    /// <summary>Where records go.</summary>
    public DeliveryDestination Destination { get; init; } = new ObjectStoreDestination();

    /// <summary>Server-side encryption at creation.</summary>
    public DeliveryStreamEncryption Encryption { get; init; } = DeliveryStreamEncryption.Disabled;

    /// <summary>Tags at creation (at most 50).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}
