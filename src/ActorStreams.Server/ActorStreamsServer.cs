using Microsoft.Extensions.Configuration.Memory;
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

    /// <summary>
    /// What the server sets differently from the library's reference.conf, under everything else: states take time as
    /// in AWS (CREATING, UPDATING, DELETING for 500 ms), so that applications tested here must wait for ACTIVE as they
    /// must in AWS. A <c>--config</c> file sets them back to 0s where that is not wanted.
    /// </summary>
    internal static readonly Config ServerDefaults = ConfigurationFactory.ParseString("""
        actorstreams.state-delays {
          create-stream = 500ms
          update-stream = 500ms
          delete-stream = 500ms
          register-consumer = 500ms
          deregister-consumer = 500ms
        }
        actorstreams.firehose.state-delays {
          create-delivery-stream = 500ms
          delete-delivery-stream = 500ms
        }
        """);

    // ASP.NET Core logs each request at Information (eight lines a request); only its warnings are worth a line.
    private static readonly Dictionary<string, string?> ConfigurationDefaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    };

    /// <summary>
    /// Creates the web application from command-line arguments and the usual ASP.NET Core configuration sources.
    /// <paramref name="configureRuntime"/> adjusts the runtime's options after the configuration was applied
    /// (tests pass a clock or lift throttling there).
    /// </summary>
    public static WebApplication Create(string[] args, Action<ActorStreamsOptions>? configureRuntime = null)
    {
        args = WithFlagValues(args);
        var builder = WebApplication.CreateBuilder(args);
        // appsettings.json is read from the working directory: a server started from anywhere else (a script, a
        // service manager, a benchmark) must still have the defaults that matter, below every other source.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = ConfigurationDefaults });
        builder.Configuration.AddCommandLine(args, ServerCommandLine.SwitchMappings);
        var options = new ActorStreamsServerOptions();
        builder.Configuration.GetSection(ActorStreamsServerOptions.Section).Bind(options);
        ReadSecretFiles(options);
        var listenAddress = ListenAddress(options);
        CheckExposure(options, listenAddress);
        var certificate = options.Tls.Enabled ? LoadCertificate(options.Tls) : null;
        var jsonLogs = ConfigureLogging(builder.Logging, options.LogFormat);
        var limits = options.Limits;
        limits.Validate();

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Bodies are capped by the endpoint itself so an oversized request gets a Kinesis-shaped error.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MaxConcurrentConnections = limits.MaxConcurrentConnections ?? ActorStreamsLimitsOptions.DefaultMaxConcurrentConnections;
            // Upgraded (WebSocket) connections count apart in Kestrel; none are served, so they get the same bound.
            kestrel.Limits.MaxConcurrentUpgradedConnections = kestrel.Limits.MaxConcurrentConnections;
            kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout ?? ActorStreamsLimitsOptions.DefaultRequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = limits.KeepAliveTimeout ?? ActorStreamsLimitsOptions.DefaultKeepAliveTimeout;
            var minRate = limits.MinRequestBodyBytesPerSecond ?? ActorStreamsLimitsOptions.DefaultMinRequestBodyBytesPerSecond;
            kestrel.Limits.MinRequestBodyDataRate = minRate <= 0 ? null
                : new MinDataRate(minRate, limits.MinRequestBodyGracePeriod ?? ActorStreamsLimitsOptions.DefaultMinRequestBodyGracePeriod);
            kestrel.AddServerHeader = false;
            // h2c requests carry ":scheme http" while the h2c marking below looks like TLS to Kestrel.
            kestrel.AllowAlternateSchemes = true;
            kestrel.Listen(listenAddress, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                if (certificate is not null)
                    listen.UseHttps(certificate); // Kestrel offers ALPN "h2" and "http/1.1" for Http1AndHttp2
                else
                    listen.UseH2cPriorKnowledge(limits.H2cPrefaceTimeout ?? ActorStreamsLimitsOptions.DefaultH2cPrefaceTimeout);
            });
        });

        if (options.Config is not null && !File.Exists(options.Config))
            throw new FileNotFoundException($"--config {options.Config}: no such file (relative to {Environment.CurrentDirectory}).", options.Config);
        var fileHocon = options.Config is null ? null : ConfigurationFactory.ParseString(File.ReadAllText(options.Config));
        // Cluster flags and settings win over the --config file, which wins over the defaults.
        var clusterHocon = options.Cluster.ToHocon(ActorSystemName);
        var clusterCertificate = options.Cluster.TlsEnabled
            ? ClusterTls.Load(options.Cluster.TlsCertificatePath!, options.Cluster.ResolveTlsPassword())
            : null;
        if (!string.IsNullOrEmpty(options.IteratorSecret))
            clusterHocon = ConfigurationFactory.ParseString(
                $"actorstreams.iterator-secret = \"{options.IteratorSecret.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"").WithFallback(clusterHocon);
        var hocon = (fileHocon is null ? clusterHocon : clusterHocon.WithFallback(fileHocon)).WithFallback(ServerDefaults);
        builder.Services.AddAkka(ActorSystemName, (akka, services) =>
        {
            if (clusterCertificate is not null) akka.AddSetup(ClusterTls.Setup(clusterCertificate));
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
            builder.Services.AddSingleton<ObservedInstrumentsScrape>();
            // The observable instruments (series per stream, shard, consumer, delivery stream) are written by
            // ObservedInstrumentsScrape at each scrape: the SDK would keep every tag set they ever reported.
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(ActorStreamsMetrics.MeterName)
                .AddView(instrument => ObservedInstrumentsScrape.IsServedHere(instrument) ? MetricStreamConfiguration.Drop : null)
                // No cached answer: the families written at each scrape must not be newer than the SDK's beside them.
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        }
        builder.Services.AddSingleton<KinesisOperations>();
        builder.Services.AddSingleton<FirehoseOperations>();
        SigV4Verifier? verifier = null;
        if (options.Auth.Enabled)
        {
            if (options.Auth.Credentials.Count == 0)
                throw new InvalidOperationException(
                    $"{ActorStreamsServerOptions.Section}:Auth:Enabled is true but {ActorStreamsServerOptions.Section}:Auth:Credentials is empty; no request could be accepted. " +
                    $"Give key pairs as ActorStreams__Auth__Credentials__<access key id>=<secret access key> or in a file ({ActorStreamsServerOptions.Section}:Auth:CredentialsFile, --credentials-file).");
            verifier = new SigV4Verifier(options.Auth.Credentials);
        }
        var allowedHosts = AllowedHostsPolicy.From(options);
        var principals = options.Auth.Principals;
        // Checked at start: a key mapped to something that is not an account or IAM ARN is a configuration mistake.
        foreach (var (key, value) in principals) ResourcePolicyAuthorizer.ParsePrincipal(key, value);
        builder.Services.AddSingleton(services => new KinesisEndpoint(
            services.GetRequiredService<KinesisOperations>(), services.GetRequiredService<ILogger<KinesisEndpoint>>(), verifier,
            services.GetRequiredService<FirehoseOperations>(),
            verifier is null
                ? null
                : new ResourcePolicyAuthorizer(services.GetRequiredService<ActorStreams.Kinesis.ActorStreamsClient>(),
                    ActorStreams.Settings.ActorStreamsSettings.Create(services.GetRequiredService<Akka.Actor.ActorSystem>()), principals,
                    ActorStreamsExtension.Get(services.GetRequiredService<Akka.Actor.ActorSystem>()).Clock)));

        var app = builder.Build();
        LogStartup(app, options);
        if (options.Metrics.Enabled)
        {
            app.Services.GetRequiredService<ClusterMembershipMetrics>();
            app.MapPrometheusScrapingEndpoint(options.Metrics.Path);
        }
        app.Use(KinesisEndpoint.AddRequestId);
        if (!allowedHosts.AllowsAny) app.Use(allowedHosts.InvokeAsync);
        if (options.Metrics.Enabled)
        {
            // After the Host check: a refused scrape never reaches it.
            var observed = app.Services.GetRequiredService<ObservedInstrumentsScrape>();
            var metricsPath = new PathString(options.Metrics.Path);
            app.UseWhen(context => context.Request.Path.Equals(metricsPath, StringComparison.OrdinalIgnoreCase),
                branch => branch.Use(observed.InvokeAsync));
        }
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

    /// <summary>One line once Kestrel listens: the version, where it serves, and which journal holds the data.</summary>
    private static void LogStartup(WebApplication app, ActorStreamsServerOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ActorStreams.Server");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses;
            // What the runtime runs on, after every source of settings (flags, environment, --config file) was merged.
            var config = app.Services.GetRequiredService<Akka.Actor.ActorSystem>().Settings.Config;
            logger.LogInformation("ActorStreams {Version} serving Kinesis and Firehose on {Addresses} (journal: {Journal}, data directory: {DataDirectory})",
                ServerCommandLine.Version, string.Join(", ", addresses ?? []), ActorStreams.Settings.ActorStreamsConfig.JournalProvider(config),
                Path.GetFullPath(config.GetString("actorstreams.data-dir", "data")));
        });
    }

    /// <summary><c>--allow-anonymous</c> alone (last, or before another switch) stands for <c>--allow-anonymous true</c>.</summary>
    private static string[] WithFlagValues(string[] args)
    {
        var result = new List<string>(args.Length + 1);
        for (var i = 0; i < args.Length; i++)
        {
            result.Add(args[i]);
            if (string.Equals(args[i], ServerCommandLine.AllowAnonymousSwitch, StringComparison.OrdinalIgnoreCase)
                && (i + 1 == args.Length || args[i + 1].StartsWith('-')))
                result.Add("true");
        }
        return result.ToArray();
    }

    private static IPAddress ListenAddress(ActorStreamsServerOptions options) =>
        IPAddress.TryParse(options.Host, out var address)
            ? address
            : throw new InvalidOperationException(
                $"{ActorStreamsServerOptions.Section}:{nameof(ActorStreamsServerOptions.Host)} (--host) is '{options.Host}'; give an IP address " +
                "(127.0.0.1 for this machine only, 0.0.0.0 for every interface).");

    /// <summary>
    /// Refuses to serve beyond loopback without authentication unless that was asked for by name: anyone who reaches
    /// such a port could read and write every stream.
    /// </summary>
    private static void CheckExposure(ActorStreamsServerOptions options, IPAddress address)
    {
        if (options.Auth.Enabled || options.AllowAnonymous || IPAddress.IsLoopback(address)) return;
        const string section = ActorStreamsServerOptions.Section;
        throw new InvalidOperationException(
            $"{section}:{nameof(ActorStreamsServerOptions.Host)} (--host) is {options.Host}, beyond loopback, and authentication is off: anyone who " +
            $"reaches port {options.Port} could read and write every stream. Turn authentication on ({section}:Auth:Enabled=true with " +
            $"{section}:Auth:Credentials:<access key id>=<secret access key>, e.g. ActorStreams__Auth__Enabled=true and " +
            $"ActorStreams__Auth__Credentials__<access key id>=<secret access key>), listen on 127.0.0.1, or, to serve without " +
            $"authentication on purpose, set {section}:{nameof(ActorStreamsServerOptions.AllowAnonymous)}=true " +
            $"({ServerCommandLine.AllowAnonymousSwitch}, ActorStreams__AllowAnonymous=true).");
    }

    /// <summary>Secrets given as files (kept out of the process's arguments) are read into the options they stand for.</summary>
    private static void ReadSecretFiles(ActorStreamsServerOptions options)
    {
        const string section = ActorStreamsServerOptions.Section;
        if (string.IsNullOrEmpty(options.PostgreSqlConnectionString) && options.PostgreSqlConnectionStringFile is { Length: > 0 } pgFile)
            options.PostgreSqlConnectionString = ReadSecret(pgFile, $"{section}:{nameof(ActorStreamsServerOptions.PostgreSqlConnectionStringFile)} (--pg-file)");
        if (string.IsNullOrEmpty(options.Tls.CertificatePassword) && options.Tls.CertificatePasswordFile is { Length: > 0 } passwordFile)
            options.Tls.CertificatePassword = ReadSecret(passwordFile, $"{section}:Tls:{nameof(ActorStreamsTlsOptions.CertificatePasswordFile)} (--tls-password-file)");
        if (options.Auth.CredentialsFile is { Length: > 0 } credentialsFile)
        {
            var what = $"{section}:Auth:{nameof(ActorStreamsAuthOptions.CredentialsFile)} (--credentials-file)";
            var number = 0;
            foreach (var raw in ReadSecret(credentialsFile, what).Split('\n'))
            {
                number++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                var colon = line.IndexOf(':');
                if (colon <= 0 || colon == line.Length - 1)
                    throw new InvalidOperationException($"{what} {credentialsFile}, line {number}: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY.");
                options.Auth.Credentials[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }
    }

    private static string ReadSecret(string path, string what) =>
        File.Exists(path)
            ? File.ReadAllText(path).Trim()
            : throw new FileNotFoundException($"{what} {path}: no such file (relative to {Environment.CurrentDirectory}).", path);

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
