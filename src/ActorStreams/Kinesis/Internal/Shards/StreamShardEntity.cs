using System.Globalization;
using ActorStreams.Kinesis.Internal.Catalog;
using Akka.Cluster.Sharding;

namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>Names of StreamShard entities. The stream's creation epoch is part of the id, so a recreated stream never sees old data.</summary>
internal static class StreamShardEntity
{
    public const string TypeName = "actorstreams-stream-shard";

    public static string EntityId(string streamName, long epoch, int shardIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"{streamName}/{epoch}/{shardIndex}");

    private const string PersistencePrefix = "streamshard-";

    public static string PersistenceId(string entityId) => PersistencePrefix + entityId;

    public static string EntityIdOf(string persistenceId) => persistenceId[PersistencePrefix.Length..];

    /// <summary>"shardId-000000000001 in stream orders" for an entity id, as error messages name it.</summary>
    public static string Describe(string entityId)
    {
        var parts = entityId.Split('/');
        return parts.Length == 3 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? $"{new Kinesis.StreamShardId(index)} in stream {parts[0]}"
            : entityId;
    }
}

/// <summary>
/// What a sharding region sends an entity it hands off (rebalance, node leaving) instead of a PoisonPill: the entity
/// finishes what it has taken in, then stops. Sent locally by the entity's shard, never across nodes.
/// </summary>
internal sealed class StopEntity
{
    public static readonly StopEntity Instance = new();

    private StopEntity() { }
}

internal sealed class StreamShardMessageExtractor : HashCodeMessageExtractor
{
    public StreamShardMessageExtractor(int maxNumberOfShards) : base(maxNumberOfShards) { }

    public override string? EntityId(object message) => (message as IStreamShardCommand)?.EntityId;
}

internal static class StreamCatalogEntity
{
    public const string TypeName = "actorstreams-catalog";
    public const string EntityId = "catalog";
    public const string PersistenceId = "actorstreams-catalog";
}

internal sealed class CatalogMessageExtractor : HashCodeMessageExtractor
{
    public CatalogMessageExtractor() : base(1) { }

    public override string? EntityId(object message) => message is ICatalogCommand ? StreamCatalogEntity.EntityId : null;
}
