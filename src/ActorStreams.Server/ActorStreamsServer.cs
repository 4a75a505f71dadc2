using OpenTelemetry.Metrics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorStreams.Diagnostics;
using ActorStreams.Firehose.Hosting;
using ActorStreams.Hosting;
using ActorStreams.Server.Auth;
using ActorStreams.Server.Logging;
using ActorStreams.Server.Console;
using ActorStreams.Server.Protocol;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ActorStreams.Server;

/// <summary>Builds the ActorStreams HTTP node: Kestrel speaking the Kinesis (JSON, CBOR) and Firehose (JSON) protocols over an embedded ActorStreams runtime.</summary>
public static class ActorStreamsServer
{
    /// <summary>The ActorSystem name; every node of one cluster must use it (it is part of the seed node addresses).</summary>
    public const string ActorSystemName = "actorstreams";

    private static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--port"] = $"{ActorStreamsServerOptions.Section}:{nameof(ActorStreamsServerOptions.Port)}",
        ["--host"] = $"{ActorStreamsServerOptions.Section}:{nameof(ActorStreamsServerOptions.Host)}",
        ["--data-dir"] = $"{ActorStreamsServerOptions.Section}:{nameof(ActorStreamsServerOptions.DataDir)}",
        ["--config"] = $"{ActorStreamsServerOptions.Section}:{nameof(ActorStreamsServerOptions.Config)}",
        ["--encryption-key-file"] = $"{ActorStreamsServerOptions.Section}:{nameof(ActorStreamsServerOptions.EncryptionKeyFile)}",
        ["--journal"] = $"{ActorStreamsServerOptions.Section}:{nameof(ActorStreamsServerOptions.JournalProvider)}",
        ["--pg"] = $"{ActorStreamsServerOptions.Section}:{nameof(ActorStreamsServerOptions.PostgreSqlConnectionString)}",
        ["--cluster-host"] = $"{ActorStreamsServerOptions.Section}:Cluster:{nameof(ActorStreamsClusterOptions.Host)}",
        ["--cluster-port"] = $"{ActorStreamsServerOptions.Section}:Cluster:{nameof(ActorStreamsClusterOptions.Port)}",
        ["--public-host"] = $"{ActorStreamsServerOptions.Section}:Cluster:{nameof(ActorStreamsClusterOptions.PublicHost)}",
        ["--seeds"] = $"{ActorStreamsServerOptions.Section}:Cluster:{nameof(ActorStreamsClusterOptions.Seeds)}",
        ["--log-format"] = $"{ActorStreamsServerOptions.Section}:{nameof(ActorStreamsServerOptions.LogFormat)}",
        ["--tls-cert"] = $"{ActorStreamsServerOptions.Section}:Tls:{nameof(ActorStreamsTlsOptions.CertificatePath)}",
        ["--tls-key"] = $"{ActorStreamsServerOptions.Section}:Tls:{nameof(ActorStreamsTlsOptions.KeyPath)}",
        ["--tls-password"] = $"{ActorStreamsServerOptions.Section}:Tls:{nameof(ActorStreamsTlsOptions.CertificatePassword)}",
    };

    /// <summary>
    /// Creates the web application from command-line arguments and the usual ASP.NET Core configuration sources.
    /// <paramref name="configureRuntime"/> adjusts the runtime's options after the configuration was applied
    /// (tests pass a clock or lift throttling there).
    /// </summary>
    public static WebApplication Create(string[] args, Action<ActorStreamsOptions>? configureRuntime = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, SwitchMappings);
        var options = new ActorStreamsServerOptions();
        builder.Configuration.GetSection(ActorStreamsServerOptions.Section).Bind(options);
        var certificate = options.Tls.Enabled ? LoadCertificate(options.Tls) : null;
        var jsonLogs = ConfigureLogging(builder.Logging, options.LogFormat);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Bodies are capped by the endpoint itself so an oversized request gets a Kinesis-shaped error.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = false;
            // h2c requests carry ":scheme http" while the h2c marking below looks like TLS to Kestrel.
            kestrel.AllowAlternateSchemes = true;
            kestrel.Listen(IPAddress.Parse(options.Host), options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                if (certificate is not null)
                    listen.UseHttps(certificate); // Kestrel offers ALPN "h2" and "http/1.1" for Http1AndHttp2
                else
                    listen.UseH2cPriorKnowledge();
            });
        });

        if (options.Config is not null && !File.Exists(options.Config))
            throw new FileNotFoundException($"--config {options.Config}: no such file (relative to {Environment.CurrentDirectory}).", options.Config);
        var fileHocon = options.Config is null ? null : ConfigurationFactory.ParseString(File.ReadAllText(options.Config));
        // Cluster flags and settings win over the --config file, which wins over the defaults.
        var clusterHocon = options.Cluster.ToHocon(ActorSystemName);
        if (!string.IsNullOrEmpty(options.IteratorSecret))
            clusterHocon = ConfigurationFactory.ParseString(
                $"actorstreams.iterator-secret = \"{options.IteratorSecret.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"").WithFallback(clusterHocon);
        var hocon = fileHocon is null ? clusterHocon : clusterHocon.WithFallback(fileHocon);
        builder.Services.AddAkka(ActorSystemName, (akka, services) =>
        {
            if (jsonLogs)
            {
                // Akka's own events go to the host's logging too, so every line is JSON. The text format keeps Akka's own
                // single-line logger (timestamped lines that ops/cluster.sh's users and the cluster tests read).
                akka.AddSetup(new AkkaLogBridgeSetup(services.GetRequiredService<ILoggerFactory>()))
                    .ConfigureLoggers(loggers =>
                    {
                        // The level of akka.loglevel in the --config file (default INFO); Microsoft.Extensions.Logging filters after it.
                        loggers.LogLevel = Akka.Event.Logging.LogLevelFor(hocon.GetString("akka.loglevel", "INFO"));
                        loggers.ClearLoggers();
                        loggers.AddLogger<AkkaLogBridge>();
                    });
            }
            akka.WithActorStreams(o =>
            {
                o.Hocon = hocon;
                if (options.DataDir is not null) o.DataDirectory = options.DataDir;
                if (options.EncryptionKeyFile is not null) o.EncryptionKeyFile = options.EncryptionKeyFile;
                if (options.PostgreSqlConnectionString is { Length: > 0 } pg)
                {
                    o.JournalProvider = "postgresql";
                    o.PostgreSqlConnectionString = pg;
                }
                if (options.JournalProvider is { Length: > 0 } provider) o.JournalProvider = provider;
                configureRuntime?.Invoke(o);
            });
            // The Firehose settings come from the same HOCON (actorstreams.firehose in the --config file).
            akka.WithActorStreamsFirehose();
        });
        builder.Services.AddActorStreamsClient();
        builder.Services.AddActorStreamsFirehoseClient();
        HealthEndpoints.AddServices(builder.Services);
        if (options.Metrics.Enabled)
        {
            builder.Services.AddSingleton<ClusterMembershipMetrics>();
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ActorStreamsMetrics.MeterName).AddPrometheusExporter());
        }
        builder.Services.AddSingleton<KinesisOperations>();
        builder.Services.AddSingleton<FirehoseOperations>();
        SigV4Verifier? verifier = null;
        if (options.Auth.Enabled)
        {
            if (options.Auth.Credentials.Count == 0)
                throw new InvalidOperationException(
                    $"{ActorStreamsServerOptions.Section}:Auth:Enabled is true but {ActorStreamsServerOptions.Section}:Auth:Credentials is empty; no request could be accepted.");
            verifier = new SigV4Verifier(options.Auth.Credentials);
        }
        builder.Services.AddSingleton(services => new KinesisEndpoint(
            services.GetRequiredService<KinesisOperations>(), services.GetRequiredService<ILogger<KinesisEndpoint>>(), verifier,
            services.GetRequiredService<FirehoseOperations>()));

        var app = builder.Build();
        if (options.Metrics.Enabled)
        {
            app.Services.GetRequiredService<ClusterMembershipMetrics>();
            app.MapPrometheusScrapingEndpoint(options.Metrics.Path);
        }
        app.Use(KinesisEndpoint.AddRequestId);
        // An error that would leave with an empty body (routing's 405 for another endpoint's path) gets AWS's error shape.
        app.UseStatusCodePages(AwsConnection.WriteEmptyErrorAsync);
        // AWS takes its protocol on any path and answers every method (403 in XML for all but POST, CORS for OPTIONS).
        app.Map("/", (HttpContext context, KinesisEndpoint endpoint) => endpoint.HandleAsync(context));
        HealthEndpoints.Map(app);
        ShardEstimateEndpoint.Map(app);
        ConsoleEndpoints.Map(app, verifier);
        // Last: what no endpoint took is a request of the protocol on another path (a missing console file stays a 404).
        app.Use((context, next) => context.GetEndpoint() is null && !context.Request.Path.StartsWithSegments(ConsoleEndpoints.Path)
            ? context.RequestServices.GetRequiredService<KinesisEndpoint>().HandleAsync(context)
            : next(context));
        return app;
    }

    /// <summary>
    /// The console log: ASP.NET Core's simple format, or with <c>json</c> one JSON object per line (UTC timestamps,
    /// scopes included) that log shippers read without parsing text. True for JSON.
    /// </summary>
    private static bool ConfigureLogging(ILoggingBuilder logging, string format)
    {
        switch (format.ToLowerInvariant())
        {
            case ActorStreamsServerOptions.TextLogFormat:
                return false;
            case ActorStreamsServerOptions.JsonLogFormat:
                logging.ClearProviders();
                logging.AddJsonConsole(json =>
                {
                    json.UseUtcTimestamp = true;
                    json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                    json.IncludeScopes = true;
                    json.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
                });
                return true;
            default:
                throw new InvalidOperationException(
                    $"{ActorStreamsServerOptions.Section}:{nameof(ActorStreamsServerOptions.LogFormat)} (--log-format) is '{format}'; use " +
                    $"'{ActorStreamsServerOptions.TextLogFormat}' or '{ActorStreamsServerOptions.JsonLogFormat}'.");
        }
    }

    /// <summary>The TLS server certificate from a PKCS#12 file, or from PEM certificate and key files.</summary>
    private static X509Certificate2 LoadCertificate(ActorStreamsTlsOptions tls)
    {
        const string section = ActorStreamsServerOptions.Section + ":Tls";
        var path = tls.CertificatePath!;
        if (!File.Exists(path))
            throw new FileNotFoundException($"{section}:CertificatePath {path}: no such file (relative to {Environment.CurrentDirectory}).", path);
        if (tls.KeyPath is { Length: > 0 } keyPath && !File.Exists(keyPath))
            throw new FileNotFoundException($"{section}:KeyPath {keyPath}: no such file (relative to {Environment.CurrentDirectory}).", keyPath);
        X509Certificate2 certificate;
        try
        {
            if (tls.KeyPath is { Length: > 0 })
            {
                using var pem = string.IsNullOrEmpty(tls.CertificatePassword)
                    ? X509Certificate2.CreateFromPemFile(path, tls.KeyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, tls.CertificatePassword, tls.KeyPath);
                // Round-trip through PKCS#12: SslStream on some platforms cannot use an ephemeral PEM key.
                certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            else
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, tls.CertificatePassword);
            }
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException(
                $"{section}: cannot load the certificate {path}" + (tls.KeyPath is { Length: > 0 } ? $" with key {tls.KeyPath}" : " as PKCS#12") +
                $" ({e.Message}). Give a .pfx/.p12 with its password, or PEM files in CertificatePath and KeyPath.", e);
        }
        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"{section}: the certificate {path} has no private key.");
        return certificate;
    }
}
