using System.Buffers;
using System.Text.Json;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Server.Auth;
using ActorStreams.Server.Protocol;
using Akka.Actor;
using Microsoft.Extensions.FileProviders;

namespace ActorStreams.Server.Console;

/// <summary>
/// The web console at <c>/console</c>: static HTML, CSS and JavaScript modules embedded in this assembly (no build step,
/// nothing fetched from elsewhere) and served by ASP.NET's static files middleware, which call the same Kinesis JSON API as the AWS CLI. Two small JSON resources of
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

    /// <summary>The page, its styles and scripts: <c>Console/wwwroot</c>, embedded with a manifest at build time.</summary>
    private static readonly Lazy<IFileProvider> Files = new(() => new ManifestEmbeddedFileProvider(typeof(ConsoleEndpoints).Assembly, "Console/wwwroot"));

    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

    public static void Map(WebApplication app, SigV4Verifier? verifier)
    {
        app.MapGet(ConfigPath, (HttpContext context) => WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteBoolean("authEnabled", verifier is not null);
            w.WriteString("kinesisTarget", KinesisEndpoint.TargetPrefix);
            w.WriteNumber("metricsWindowSeconds", StreamMetrics.WindowSeconds);
            w.WriteString("version", ServerCommandLine.Version);
        }));
        app.MapGet(MetricsPath, (HttpContext context, ActorSystem system) => MetricsAsync(context, system, verifier));
        ConsoleConsumerLagEndpoint.Map(app, verifier);
        ConsoleShardTimesEndpoint.Map(app, verifier);
        // Relative links in the page (js/app.js, api/config) resolve against /console/, not /.
        // A middleware, not an endpoint: routing ignores a trailing slash, so an endpoint for /console would also match
        // /console/, and the static files middleware serves nothing for a request that matched an endpoint.
        app.Use((context, next) =>
        {
            if (context.Request.Path.Value != Path) return next(context);
            context.Response.Redirect(Path + "/");
            return Task.CompletedTask;
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = Files.Value, RequestPath = Path });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files.Value,
            RequestPath = Path,
            OnPrepareResponse = file =>
            {
                var headers = file.Context.Response.Headers;
                // The files change only with the server binary: revalidate each time, cheap with the ETag.
                headers.CacheControl = "no-cache";
                headers.XContentTypeOptions = "nosniff";
                if (file.File.Name.EndsWith(".html", StringComparison.Ordinal)) headers.ContentSecurityPolicy = ContentSecurityPolicy;
            },
        });
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
                w.WriteString("ShardId", new Kinesis.StreamShardId(s.ShardIndex).ToString());
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
