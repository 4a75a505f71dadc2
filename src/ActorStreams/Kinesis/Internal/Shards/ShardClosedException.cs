using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>
/// An append reached a shard that resharding had closed; nothing of it was stored. <see cref="Route"/> is the
/// stream's route with that shard's keys handed to its children: write the records again through it.
/// </summary>
internal sealed class ShardClosedException(StreamRoute route, int shardIndex)
    : Exception($"Shard {new Kinesis.StreamShardId(shardIndex)} of stream {route.Name} is closed.")
{
    public StreamRoute Route { get; } = route;
}
