using System.Buffers;
using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using ActorStreams.Internal;
using ActorStreams.Server.Auth;
using ActorStreams.Server.Protocol;
using Akka.Actor;

namespace ActorStreams.Server;

/// <summary>
/// The web console at <c>/console</c>: static HTML, CSS and JavaScript modules embedded in this assembly (no build step,
/// nothing fetched from elsewhere), which call the same Kinesis JSON API as the AWS CLI. Two small JSON resources of
/// its own: <c>GET /console/api/config</c> (whether requests must be SigV4-signed, so the page knows to ask for a key)
/// <c>GET /console/api/metrics[?stream=name]</c> (this node's per-shard throughput counters) and
/// <c>GET /console/api/consumers?stream=name</c> (<see cref="ConsoleConsumerLagEndpoint"/>). The metrics and consumers
/// answers are signed like any Kinesis request when authentication is on; the static files and the config hold no data.
/// </summary>
internal static class ConsoleEndpoints
{
    public const string Path = "/console";
    public const string ConfigPath = Path + "/api/config";
    public const string MetricsPath = Path + "/api/metrics";
    private const string ResourcePrefix = "console/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private sealed record Asset(byte[] Content, string ContentType, string ETag);

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(LoadAssets);

    private static FrozenDictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(ConsoleEndpoints).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var extension = System.IO.Path.GetExtension(name);
            var type = ContentTypes.GetValueOrDefault(extension, "application/octet-stream");
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + "\"";
            assets[name[ResourcePrefix.Length..]] = new Asset(content, type, etag);
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static void Map(WebApplication app, SigV4Verifier? verifier)
    {
        app.MapGet(ConfigPath, (HttpContext context) => WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteBoolean("authEnabled", verifier is not null);
            w.WriteString("kinesisTarget", KinesisEndpoint.TargetPrefix);
            w.WriteNumber("metricsWindowSeconds", StreamMetrics.WindowSeconds);
        }));
        app.MapGet(MetricsPath, (HttpContext context, ActorSystem system) => MetricsAsync(context, system, verifier));
        ConsoleConsumerLagEndpoint.Map(app, verifier);
        ConsoleShardTimesEndpoint.Map(app, verifier);
        app.MapGet(Path + "/{**file}", (HttpContext context, string? file) => ServeAsync(context, file));
    }

    private static Task ServeAsync(HttpContext context, string? file)
    {
        if (string.IsNullOrEmpty(file) && !(context.Request.Path.Value ?? "").EndsWith('/'))
        {
            // Relative links in the page (js/app.js, api/config) resolve against /console/, not /.
            context.Response.Redirect(Path + "/");
            return Task.CompletedTask;
        }
        var assets = Assets.Value;
        var key = string.IsNullOrEmpty(file) ? "index.html" : file;
        if (!assets.TryGetValue(key, out var asset))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        var response = context.Response;
        response.Headers.ETag = asset.ETag;
        // The files change only with the server binary: revalidate each time, cheap with the ETag.
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        if (key.EndsWith(".html", StringComparison.Ordinal))
            response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    /// <summary>
    /// With authentication on, checks the request's SigV4 signature like a Kinesis request's (empty body) and, when it
    /// fails, writes the Kinesis-shaped error and returns that task; null when the request may go on.
    /// </summary>
    internal static Task? RejectUnauthenticated(HttpContext context, SigV4Verifier? verifier)
    {
        if (verifier is null) return null;
        try
        {
            KinesisEndpoint.Authenticate(verifier, context, ReadOnlySequence<byte>.Empty);
            return null;
        }
        catch (KinesisProtocolException e)
        {
            return WriteErrorAsync(context, e.StatusCode, e.ErrorCode, e.Message);
        }
    }

    /// <summary>
    /// Maps <c>GET path?stream=NAME</c>: a console resource about one stream. The request is authenticated like a
    /// Kinesis request (<see cref="RejectUnauthenticated"/>); <paramref name="fetch"/> asks the runtime, and its typed
    /// exception becomes the Kinesis error (500 for InternalFailure, 503 for ServiceUnavailable, 400 otherwise);
    /// <paramref name="write"/> writes the answer's JSON members.
    /// </summary>
    internal static void MapStreamResource<T>(WebApplication app, string path, SigV4Verifier? verifier,
        Func<ActorStreamsClient, string, CancellationToken, Task<T>> fetch, Action<Utf8JsonWriter, string, T> write) =>
        app.MapGet(path, async (HttpContext context, ActorSystem system) =>
        {
            if (RejectUnauthenticated(context, verifier) is { } rejected)
            {
                await rejected;
                return;
            }
            var stream = context.Request.Query["stream"].ToString();
            T answer;
            try
            {
                answer = await fetch(ActorStreamsExtension.Get(system).Client, stream, context.RequestAborted);
            }
            catch (ActorStreamsException e)
            {
                var status = e.ErrorCode switch
                {
                    InternalFailureException.Code => StatusCodes.Status500InternalServerError,
                    ServiceUnavailableException.Code => StatusCodes.Status503ServiceUnavailable,
                    _ => StatusCodes.Status400BadRequest,
                };
                await WriteErrorAsync(context, status, e.ErrorCode, e.Message);
                return;
            }
            await WriteJsonAsync(context, StatusCodes.Status200OK, w => write(w, stream, answer));
        });

    internal static Task WriteErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.Headers[KinesisEndpoint.ErrorTypeHeader] = code;
        return WriteJsonAsync(context, status, w =>
        {
            w.WriteString("__type", code);
            w.WriteString("message", message);
        });
    }

    private static Task MetricsAsync(HttpContext context, ActorSystem system, SigV4Verifier? verifier)
    {
        if (RejectUnauthenticated(context, verifier) is { } rejected) return rejected;
        var stream = context.Request.Query.TryGetValue("stream", out var values) ? values.ToString() : null;
        var shards = ActorStreamsExtension.Get(system).Metrics.Snapshot(string.IsNullOrEmpty(stream) ? null : stream);
        return WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteNumber("WindowSeconds", StreamMetrics.WindowSeconds);
            w.WriteNumber("AtEpochSecond", shards.Count > 0 ? shards[0].AtSecond : DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            w.WriteStartArray("Shards");
            foreach (var s in shards)
            {
                w.WriteStartObject();
                w.WriteString("StreamName", s.StreamName);
                w.WriteString("ShardId", new Streams.StreamShardId(s.ShardIndex).ToString());
                if (s.LastMillisBehindLatest is { } lag) w.WriteNumber("LastMillisBehindLatest", lag);
                w.WriteStartObject("Totals");
                for (var m = 0; m < StreamMetrics.MetricCount; m++) w.WriteNumber(((StreamMetrics.Metric)m).ToString(), s.Totals[m]);
                w.WriteEndObject();
                w.WriteStartObject("PerSecond");
                for (var m = 0; m < StreamMetrics.MetricCount; m++)
                {
                    w.WriteStartArray(((StreamMetrics.Metric)m).ToString());
                    foreach (var v in s.PerSecond[m]) w.WriteNumberValue(v);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    internal static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> members)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        await using (var w = new Utf8JsonWriter(response.BodyWriter, KinesisOperations.WriterOptions))
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync();
    }
}
