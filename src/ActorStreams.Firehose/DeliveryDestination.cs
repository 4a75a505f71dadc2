using System.Text.Json.Serialization;

namespace ActorStreams.Firehose;

/// <summary>Where a delivery stream delivers: one of <see cref="ObjectStoreDestination"/>, <see cref="WarehouseDestination"/>,
/// <see cref="HttpEndpointDestination"/>, <see cref="SplunkDestination"/>, <see cref="OpenSearchDestination"/>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$kind")]
[JsonDerivedType(typeof(ObjectStoreDestination), "s3")]
[JsonDerivedType(typeof(WarehouseDestination), "warehouse")]
[JsonDerivedType(typeof(HttpEndpointDestination), "http")]
[JsonDerivedType(typeof(SplunkDestination), "splunk")]
[JsonDerivedType(typeof(OpenSearchDestination), "opensearch")]
public abstract record DeliveryDestination
{
    private protected DeliveryDestination() { }

    /// <summary>Record transformation before delivery; null for none.</summary>
    public ProcessingConfiguration? Processing { get; init; }

    /// <summary>The buffering hints that apply to this destination.</summary>
    [JsonIgnore]
    public abstract BufferingHints EffectiveBufferingHints { get; }
}
