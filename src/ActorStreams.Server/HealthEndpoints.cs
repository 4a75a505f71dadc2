using System.Diagnostics;
using System.Text.Json;
using ActorStreams.Server.Protocol;
using Akka.Actor;
using Akka.Cluster;
using Akka.Persistence;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorStreams.Server;

/// <summary>
/// <c>GET /health/live</c> and <c>GET /health/ready</c> for load balancers and orchestrators, on ASP.NET's health
/// checks. Live means the process answers HTTP. Ready means the node can serve Kinesis requests: its ActorSystem runs,
/// it is an <c>Up</c> member of the cluster, the stream catalog entity answers, and the journal answers a read and has
/// not refused a write since its last successful probe write (a journal fault: disk full, database down). Each
/// check has a time limit; the body names every check with its outcome and duration, and a node that is not ready
/// answers 503.
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>How long the catalog and the journal may take to answer a readiness probe.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The persistence id the journal probe reads; nothing is ever written under it.</summary>
    public const string ProbePersistenceId = "actorstreams-health-probe";

    private const string ProbeStreamName = "actorstreams-health-probe";
    private const string ReadyTag = "ready";

    /// <summary>Registers the readiness checks, in the order the body lists them.</summary>
    public static void AddServices(IServiceCollection services)
    {
        // ASP.NET logs every unhealthy probe as an error, so an orchestrator probing every few seconds would log a
        // journal fault once per probe; the node logs its conditions itself (JournalHealth) and the body says why.
        services.AddLogging(logging => logging.AddFilter(typeof(HealthCheckService).Namespace + ".DefaultHealthCheckService", LogLevel.None));
        services.AddHealthChecks()
            .Add(Ready("actorSystem", ActorSystemAsync))
            .Add(Ready("cluster", ClusterAsync))
            .Add(Ready("catalog", CatalogAsync))
            .Add(Ready("journal", JournalAsync));
    }

    public static void Map(WebApplication app)
    {
        var started = Stopwatch.StartNew();
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = (context, _) => WriteAsync(context, w =>
            {
                w.WriteString("status", "live");
                w.WriteString("version", ServerCommandLine.Version);
                w.WriteNumber("uptimeSeconds", Math.Round(started.Elapsed.TotalSeconds, 1));
            }),
        });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = (context, report) => WriteAsync(context, w =>
            {
                w.WriteString("status", report.Status == HealthStatus.Healthy ? "ready" : "not ready");
                w.WriteStartObject("checks");
                foreach (var (name, entry) in report.Entries)
                {
                    w.WriteStartObject(name);
                    w.WriteBoolean("ok", entry.Status == HealthStatus.Healthy);
                    w.WriteString("detail", entry.Description);
                    w.WriteNumber("milliseconds", Math.Round(entry.Duration.TotalMilliseconds, 1));
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }),
        });
    }

    /// <summary>
    /// A readiness check from a probe that returns what it found or throws what went wrong; a probe that does not
    /// answer within <see cref="CheckTimeout"/> fails the check (the framework's own timeout would report a bare
    /// cancellation).
    /// </summary>
    private static HealthCheckRegistration Ready(string name, Func<ActorSystem, Task<string>> probe) =>
        new(name, services => new ProbeCheck(services.GetRequiredService<ActorSystem>(), probe), HealthStatus.Unhealthy, [ReadyTag]);

    private sealed class ProbeCheck(ActorSystem system, Func<ActorSystem, Task<string>> probe) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return HealthCheckResult.Healthy(await probe(system).WaitAsync(CheckTimeout, cancellationToken));
            }
            catch (TimeoutException)
            {
                return HealthCheckResult.Unhealthy($"no answer within {CheckTimeout.TotalSeconds:0.#} s");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy(e is ProbeFailedException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>A probe's negative answer, reported as its message alone.</summary>
    private sealed class ProbeFailedException(string message) : Exception(message);

    private static Task<string> ActorSystemAsync(ActorSystem system) =>
        system.WhenTerminated.IsCompleted
            ? throw new ProbeFailedException($"ActorSystem {system.Name} is terminated")
            : Task.FromResult($"ActorSystem {system.Name} is running");

    private static Task<string> ClusterAsync(ActorSystem system)
    {
        if (system.WhenTerminated.IsCompleted) throw new ProbeFailedException($"ActorSystem {system.Name} is terminated");
        var cluster = Cluster.Get(system);
        var self = cluster.SelfMember;
        var detail = $"{self.Address} is {self.Status}; {cluster.State.Members.Count(m => m.Status == MemberStatus.Up)} member(s) Up";
        return self.Status == MemberStatus.Up ? Task.FromResult(detail) : throw new ProbeFailedException(detail);
    }

    /// <summary>A round trip through the catalog's sharding region to the catalog entity (recovered from the journal).</summary>
    private static async Task<string> CatalogAsync(ActorSystem system)
    {
        if (system.WhenTerminated.IsCompleted) throw new ProbeFailedException($"ActorSystem {system.Name} is terminated");
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
    /// Red while the node is in a journal fault (a write was refused and no probe write has succeeded since); else asks
    /// the journal for the highest sequence number of a persistence id that is never written: a real query (SQLite
    /// file or PostgreSQL connection) that reads nothing and writes nothing.
    /// </summary>
    private static async Task<string> JournalAsync(ActorSystem system)
    {
        if (system.WhenTerminated.IsCompleted) throw new ProbeFailedException($"ActorSystem {system.Name} is terminated");
        if (ActorStreamsExtension.Get(system).Journal.Fault is { } fault)
            throw new ProbeFailedException($"the journal refuses writes since {fault.Since:yyyy-MM-ddTHH:mm:ssZ}: {fault.Reason}");
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
        var reply = await journal.Ask<object>(replyTo => new ReplayMessages(1, 0, 0, ProbePersistenceId, replyTo), CheckTimeout, CancellationToken.None);
        return reply switch
        {
            RecoverySuccess => "the journal answered a read",
            ReplayMessagesFailure failure => throw new ProbeFailedException($"the journal failed a read: {failure.Cause.Message}"),
            _ => throw new ProbeFailedException($"the journal answered {reply.GetType().Name}"),
        };
    }

    private static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> members)
    {
        var response = context.Response;
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
