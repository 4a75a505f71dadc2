using ActorStreams.Firehose.Internal;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Kinesis.Internal.Shards;

namespace ActorStreams.Server.Logging;

/// <summary>
/// The ActorStreams entity an actor path belongs to, from the path Akka.Cluster.Sharding gives it
/// (<c>.../system/sharding/&lt;type&gt;/&lt;shard&gt;/&lt;url-encoded entity id&gt;[/child...]</c>): a StreamShard's
/// stream and Kinesis shard id, a consumer application's stream and name, or a delivery stream's name.
/// </summary>
internal sealed record EntityPath(string ActorPath, IReadOnlyList<KeyValuePair<string, object?>> Fields)
{
    private const string ShardingMarker = "/system/sharding/";

    public static EntityPath? FromLogSource(string? logSource)
    {
        if (string.IsNullOrEmpty(logSource)) return null;
        var at = logSource.IndexOf(ShardingMarker, StringComparison.Ordinal);
        if (at < 0) return null;
        // The log source may carry the actor's class after the path ("path (Class)") or a uid ("path#123").
        var path = logSource.Split(' ', '#')[0];
        var segments = path[(at + ShardingMarker.Length)..].Split('/');
        if (segments.Length < 3) return null;
        var entityId = Uri.UnescapeDataString(segments[2]);
        var parts = entityId.Split('/');
        IReadOnlyList<KeyValuePair<string, object?>>? fields = segments[0] switch
        {
            StreamShardEntity.TypeName when parts.Length == 3 && int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) =>
                [new("Stream", parts[0]), new("Shard", new StreamShardId(index).ToString())],
            ConsumerApplicationEntity.TypeName when parts.Length == 3 =>
                [new("Stream", parts[0]), new("Application", parts[2])],
            DeliveryStreamEntity.TypeName => [new("DeliveryStream", entityId)],
            _ => null,
        };
        return fields is null ? null : new EntityPath(path, fields);
    }
}
