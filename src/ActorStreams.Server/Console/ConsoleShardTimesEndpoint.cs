using System.Text.Json;
using ActorStreams.Kinesis;
using ActorStreams.Server.Auth;

namespace ActorStreams.Server.Console;

/// <summary>
/// <c>GET /console/api/shard-times?stream=name</c>: when each shard of a stream opened and closed, for the console's
/// shard map time axis (Kinesis' ListShards does not report shard times). Signed like a Kinesis request when
/// authentication is on; errors are Kinesis-shaped. Times are epoch seconds, like Kinesis' JSON timestamps.
/// </summary>
internal static class ConsoleShardTimesEndpoint
{
    public const string Path = ConsoleEndpoints.Path + "/api/shard-times";

    public static void Map(WebApplication app, SigV4Verifier? verifier) =>
        ConsoleEndpoints.MapStreamResource(app, Path, verifier, (client, stream, ct) => client.ListShardsAsync(stream, ct), Write);

    private static void Write(Utf8JsonWriter w, string stream, IReadOnlyList<StreamShardDescription> shards)
    {
        w.WriteString("StreamName", stream);
        w.WriteStartArray("Shards");
        foreach (var s in shards)
        {
            w.WriteStartObject();
            w.WriteString("ShardId", s.ShardId.ToString());
            if (s.OpenedAt is { } opened) w.WriteNumber("OpenedAt", Seconds(opened));
            if (s.ClosedAt is { } closed) w.WriteNumber("ClosedAt", Seconds(closed));
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static double Seconds(DateTimeOffset t) => t.ToUnixTimeMilliseconds() / 1000.0;
}
