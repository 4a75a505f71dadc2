namespace ActorStreams.Firehose;

/// <summary>Server-side encryption of a delivery stream, as Start/StopDeliveryStreamEncryption set it.</summary>
public sealed record DeliveryStreamEncryption
{
    /// <summary>No encryption.</summary>
    public static DeliveryStreamEncryption Disabled { get; } = new();

    /// <summary><c>ENABLED</c> or <c>DISABLED</c>.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>AWS_OWNED_CMK</c> or <c>CUSTOMER_MANAGED_CMK</c>; null when disabled.</summary>
    public string? KeyType { get; init; }

    /// <summary>The customer managed key's ARN (only with <c>CUSTOMER_MANAGED_CMK</c>).</summary>
    public string? KeyArn { get; init; }
}
