namespace ActorStreams.Firehose.Hosting;

/// <summary>ActorRegistry key of the DeliveryStream sharding region (inject <c>IRequiredActor&lt;DeliveryStreamRegionKey&gt;</c>).</summary>
public sealed class DeliveryStreamRegionKey;
