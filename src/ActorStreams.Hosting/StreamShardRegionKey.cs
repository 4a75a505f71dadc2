namespace ActorStreams.Hosting;

/// <summary>ActorRegistry key of the StreamShard sharding region (inject <c>IRequiredActor&lt;StreamShardRegionKey&gt;</c>).</summary>
public sealed class StreamShardRegionKey;
