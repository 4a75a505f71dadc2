namespace ActorStreams.Firehose.Hosting;

/// <summary>ActorRegistry key of the delivery stream catalog sharding region.</summary>
public sealed class DeliveryCatalogKey;
