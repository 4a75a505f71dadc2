using System.Text.Json;
using ActorStreams.Kinesis;
using ActorStreams.Server.Auth;

namespace ActorStreams.Server.Console;

/// <summary>
/// <c>GET /console/api/consumers?stream=name</c>: <see cref="ActorStreamsClient.GetConsumerLagAsync"/> as JSON for the
/// console's stream page (Kinesis has no operation for it: AWS shows it from CloudWatch). Signed like a Kinesis
/// request when authentication is on; errors are Kinesis-shaped (<c>__type</c>, <c>message</c>). Times are epoch
/// seconds, like Kinesis' JSON timestamps.
/// </summary>
internal static class ConsoleConsumerLagEndpoint
{
    public const string Path = ConsoleEndpoints.Path + "/api/consumers";

    public static void Map(WebApplication app, SigV4Verifier? verifier) =>
        ConsoleEndpoints.MapStreamResource(app, Path, verifier, (client, stream, ct) => client.GetConsumerLagAsync(stream, ct), (w, _, lag) => Write(w, lag));

    private static void Write(Utf8JsonWriter w, StreamConsumerLag lag)
    {
        w.WriteString("StreamName", lag.StreamName);
        w.WriteNumber("At", Seconds(lag.At));
        w.WriteNumber("NodesAnswered", lag.NodesAnswered);
        w.WriteNumber("NodesAsked", lag.NodesAsked);
        w.WriteStartArray("Consumers");
        foreach (var c in lag.Consumers)
        {
            w.WriteStartObject();
            w.WriteString("Kind", c.Kind == ConsumerLagKind.EnhancedFanOut ? "ENHANCED_FAN_OUT" : "CONSUMER_APPLICATION");
            w.WriteString("Name", c.Name);
            if (c.ConsumerArn is not null) w.WriteString("ConsumerARN", c.ConsumerArn);
            w.WriteStartArray("Shards");
            foreach (var s in c.Shards)
            {
                w.WriteStartObject();
                w.WriteString("ShardId", s.ShardId.ToString());
                w.WriteNumber("MillisBehindLatest", s.MillisBehindLatest);
                w.WriteNumber("ObservedAt", Seconds(s.ObservedAt));
                if (s.SequenceNumber is not null) w.WriteString("SequenceNumber", s.SequenceNumber);
                w.WriteBoolean("Active", s.Active);
                w.WriteBoolean("Approximate", s.Approximate);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("IteratorAges");
        foreach (var a in lag.IteratorAges)
        {
            w.WriteStartObject();
            w.WriteString("ShardId", a.ShardId.ToString());
            w.WriteNumber("MaxMillisBehindLatest", a.MaxMillisBehindLatest);
            w.WriteNumber("LastMillisBehindLatest", a.LastMillisBehindLatest);
            w.WriteNumber("LastReadAt", Seconds(a.LastReadAt));
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static double Seconds(DateTimeOffset t) => t.ToUnixTimeMilliseconds() / 1000.0;
}
