namespace ActorStreams.Hosting;

/// <summary>ActorRegistry key of the stream catalog sharding region.</summary>
public sealed class StreamCatalogKey;
