using System.Text.Json;
using ActorStreams.Server.Auth;
using ActorStreams.Streams;
using Akka.Actor;

namespace ActorStreams.Server;

/// <summary>
/// <c>GET /console/api/shard-times?stream=name</c>: when each shard of a stream opened and closed, for the console's
/// shard map time axis (Kinesis' ListShards does not report shard times). Signed like a Kinesis request when
/// authentication is on; errors are Kinesis-shaped. Times are epoch seconds, like Kinesis' JSON timestamps.
/// </summary>
internal static class ConsoleShardTimesEndpoint
{
    public const string Path = ConsoleEndpoints.Path + "/api/shard-times";

    public static void Map(WebApplication app, SigV4Verifier? verifier) =>
        app.MapGet(Path, (HttpContext context, ActorSystem system) => HandleAsync(context, system, verifier));

    private static async Task HandleAsync(HttpContext context, ActorSystem system, SigV4Verifier? verifier)
    {
        if (ConsoleEndpoints.RejectUnauthenticated(context, verifier) is { } rejected)
        {
            await rejected;
            return;
        }
        var stream = context.Request.Query["stream"].ToString();
        IReadOnlyList<StreamShardDescription> shards;
        try
        {
            shards = await ActorStreamsExtension.Get(system).Client.ListShardsAsync(stream, context.RequestAborted);
        }
        catch (ActorStreamsException e)
        {
            var status = e.ErrorCode switch
            {
                InternalFailureException.Code => StatusCodes.Status500InternalServerError,
                ServiceUnavailableException.Code => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status400BadRequest,
            };
            await ConsoleEndpoints.WriteErrorAsync(context, status, e.ErrorCode, e.Message);
            return;
        }
        await ConsoleEndpoints.WriteJsonAsync(context, StatusCodes.Status200OK, w => Write(w, stream, shards));
    }

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
