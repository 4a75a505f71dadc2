using Akka.Cluster.Sharding;

namespace ActorStreams.Firehose.Internal;

/// <summary>Names of the DeliveryStream entities and of the delivery catalog.</summary>
internal static class DeliveryStreamEntity
{
    public const string TypeName = "actorstreams-delivery-stream";
    public const string CatalogTypeName = "actorstreams-delivery-catalog";
    public const string CatalogEntityId = "catalog";
    public const string CatalogPersistenceId = "actorstreams-delivery-catalog";

    public static string PersistenceId(string name) => "deliverystream-" + name;
}

internal sealed class DeliveryStreamMessageExtractor(int maxNumberOfShards) : HashCodeMessageExtractor(maxNumberOfShards)
{
    public override string? EntityId(object message) => (message as IDeliveryStreamCommand)?.DeliveryStreamName;
}

internal sealed class DeliveryCatalogMessageExtractor() : HashCodeMessageExtractor(1)
{
    public override string? EntityId(object message) => message is IDeliveryCatalogCommand ? DeliveryStreamEntity.CatalogEntityId : null;
}
