using System.Diagnostics;
using System.Text.Json;
using ActorStreams.Server.Protocol;
using Akka.Actor;
using Akka.Cluster;
using Akka.Persistence;

namespace ActorStreams.Server;

/// <summary>
/// <c>GET /health/live</c> and <c>GET /health/ready</c> for load balancers and orchestrators. Live means the process
/// answers HTTP. Ready means the node can serve Kinesis requests: its ActorSystem runs, it is an <c>Up</c> member of
/// the cluster, the stream catalog entity answers, and the journal answers a read. Each check has a time limit; the
/// body names every check with its outcome and duration, and a node that is not ready answers 503.
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>How long the catalog and the journal may take to answer a readiness probe.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The persistence id the journal probe reads; nothing is ever written under it.</summary>
    public const string ProbePersistenceId = "actorstreams-health-probe";

    private const string ProbeStreamName = "actorstreams-health-probe";
    private const string ContentType = "application/json";

    public static void Map(WebApplication app)
    {
        var started = Stopwatch.StartNew();
        app.MapGet("/health/live", (HttpContext context) => WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteString("status", "live");
            w.WriteNumber("uptimeSeconds", Math.Round(started.Elapsed.TotalSeconds, 1));
        }));
        app.MapGet("/health/ready", (HttpContext context, ActorSystem system) => ReadyAsync(context, system));
    }

    private sealed record Check(string Name, bool Ok, string Detail, double Milliseconds);

    private static async Task ReadyAsync(HttpContext context, ActorSystem system)
    {
        var checks = new List<Check>();
        var terminated = system.WhenTerminated.IsCompleted;
        checks.Add(new Check("actorSystem", !terminated, terminated ? $"ActorSystem {system.Name} is terminated" : $"ActorSystem {system.Name} is running", 0));
        if (!terminated)
        {
            var cluster = Cluster.Get(system);
            var self = cluster.SelfMember;
            checks.Add(new Check("cluster", self.Status == MemberStatus.Up,
                $"{self.Address} is {self.Status}; {cluster.State.Members.Count(m => m.Status == MemberStatus.Up)} member(s) Up", 0));
            checks.Add(await TimedAsync("catalog", () => CatalogAsync(system), context.RequestAborted));
            checks.Add(await TimedAsync("journal", () => JournalAsync(system), context.RequestAborted));
        }
        var ready = checks.All(c => c.Ok);
        await WriteAsync(context, ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, w =>
        {
            w.WriteString("status", ready ? "ready" : "not ready");
            w.WriteStartObject("checks");
            foreach (var c in checks)
            {
                w.WriteStartObject(c.Name);
                w.WriteBoolean("ok", c.Ok);
                w.WriteString("detail", c.Detail);
                w.WriteNumber("milliseconds", Math.Round(c.Milliseconds, 1));
                w.WriteEndObject();
            }
            w.WriteEndObject();
        });
    }

    private static async Task<Check> TimedAsync(string name, Func<Task<string>> check, CancellationToken aborted)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var detail = await check().WaitAsync(CheckTimeout, aborted);
            return new Check(name, true, detail, watch.Elapsed.TotalMilliseconds);
        }
        catch (TimeoutException)
        {
            return new Check(name, false, $"no answer within {CheckTimeout.TotalSeconds:0.#} s", watch.Elapsed.TotalMilliseconds);
        }
        catch (Exception e) when (e is not OperationCanceledException || !aborted.IsCancellationRequested)
        {
            return new Check(name, false, $"{e.GetType().Name}: {e.Message}", watch.Elapsed.TotalMilliseconds);
        }
    }

    /// <summary>A round trip through the catalog's sharding region to the catalog entity (recovered from the journal).</summary>
    private static async Task<string> CatalogAsync(ActorSystem system)
    {
        using var cts = new CancellationTokenSource(CheckTimeout);
        try
        {
            await ActorStreamsExtension.Get(system).Client.DescribeStreamSummaryAsync(ProbeStreamName, cts.Token);
        }
        catch (ResourceNotFoundException)
        {
            // The expected answer: the catalog looked the name up and said so.
        }
        return "the stream catalog answered";
    }

    /// <summary>
    /// Asks the journal for the highest sequence number of a persistence id that is never written: a real query
    /// (SQLite file or PostgreSQL connection) that reads nothing and writes nothing.
    /// </summary>
    private static async Task<string> JournalAsync(ActorSystem system)
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
        var reply = await journal.Ask<object>(replyTo => new ReplayMessages(1, 0, 0, ProbePersistenceId, replyTo), CheckTimeout, CancellationToken.None);
        return reply switch
        {
            RecoverySuccess => "the journal answered a read",
            ReplayMessagesFailure failure => throw new InvalidOperationException($"the journal failed a read: {failure.Cause.Message}", failure.Cause),
            _ => throw new InvalidOperationException($"the journal answered {reply.GetType().Name}"),
        };
    }

    private static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> members)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ContentType;
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
