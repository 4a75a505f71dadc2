using System.Reflection;
using System.Text;

namespace ActorStreams.Server;

/// <summary>
/// The server's command line: every flag with the setting it stands for and one line of help, <c>--help</c> and
/// <c>--version</c>. A flag is a short form of a configuration key, so <c>--port 4567</c>,
/// <c>ActorStreams__Port=4567</c> and <c>"ActorStreams": { "Port": 4567 }</c> in appsettings.json are the same.
/// </summary>
internal static class ServerCommandLine
{
    /// <summary>The command the .NET tool installs (<c>dotnet tool install ActorStreams.Server</c>).</summary>
    public const string CommandName = "actorstreams";

    /// <summary>A switch that may stand alone (<c>--allow-anonymous</c> means <c>--allow-anonymous true</c>).</summary>
    internal const string AllowAnonymousSwitch = "--allow-anonymous";

    /// <summary>One flag: its switch, the value it takes (shown in the help), the configuration key it sets, and what it does.</summary>
    internal sealed record Flag(string Switch, string Value, string Key, string Help);

    private const string S = ActorStreamsServerOptions.Section;

    /// <summary>Every flag, in the order <c>--help</c> lists them.</summary>
    public static IReadOnlyList<Flag> Flags { get; } =
    [
        new("--port", "N", $"{S}:{nameof(ActorStreamsServerOptions.Port)}", $"HTTP port for Kinesis, Firehose, the console and health (default {ActorStreamsServerOptions.DefaultPort}; 0 picks a free one)"),
        new("--host", "ADDRESS", $"{S}:{nameof(ActorStreamsServerOptions.Host)}", "IP address to listen on (default 127.0.0.1; beyond loopback needs authentication or --allow-anonymous)"),
        new("--data-dir", "PATH", $"{S}:{nameof(ActorStreamsServerOptions.DataDir)}", "directory of the SQLite journal and of Firehose's local objects (default ./data)"),
        new("--config", "FILE", $"{S}:{nameof(ActorStreamsServerOptions.Config)}", "a HOCON file merged over the defaults (limits, throttling, state delays, journal, Firehose)"),
        new("--journal", "PROVIDER", $"{S}:{nameof(ActorStreamsServerOptions.JournalProvider)}", "sqlite (default), postgresql or inmemory"),
        new("--pg", "CONNECTION", $"{S}:{nameof(ActorStreamsServerOptions.PostgreSqlConnectionString)}", "PostgreSQL connection string (journal on PostgreSQL; prefer --pg-file or the environment for passwords)"),
        new("--pg-file", "FILE", $"{S}:{nameof(ActorStreamsServerOptions.PostgreSqlConnectionStringFile)}", "a file holding the PostgreSQL connection string"),
        new("--encryption-key-file", "FILE", $"{S}:{nameof(ActorStreamsServerOptions.EncryptionKeyFile)}", "key file for encryption at rest (StartStreamEncryption)"),
        new(AllowAnonymousSwitch, "[true/false]", $"{S}:{nameof(ActorStreamsServerOptions.AllowAnonymous)}", "serve beyond loopback without authentication (refused unless asked for)"),
        new("--allowed-hosts", "NAMES", $"{S}:{nameof(ActorStreamsServerOptions.AllowedHosts)}", "host names accepted in the Host header besides localhost and IP addresses (',' or ';' between names, * for any)"),
        new("--credentials-file", "FILE", $"{S}:Auth:{nameof(ActorStreamsAuthOptions.CredentialsFile)}", "access key pairs for SigV4 authentication, one ACCESS_KEY_ID:SECRET_ACCESS_KEY per line (checked once ActorStreams__Auth__Enabled=true)"),
        new("--tls-cert", "FILE", $"{S}:Tls:{nameof(ActorStreamsTlsOptions.CertificatePath)}", "serve HTTPS with this certificate (PKCS#12, or PEM with --tls-key)"),
        new("--tls-key", "FILE", $"{S}:Tls:{nameof(ActorStreamsTlsOptions.KeyPath)}", "the PEM private key of --tls-cert"),
        new("--tls-password", "PASSWORD", $"{S}:Tls:{nameof(ActorStreamsTlsOptions.CertificatePassword)}", "password of --tls-cert (prefer --tls-password-file)"),
        new("--tls-password-file", "FILE", $"{S}:Tls:{nameof(ActorStreamsTlsOptions.CertificatePasswordFile)}", "a file holding the password of --tls-cert"),
        new("--cluster-host", "ADDRESS", $"{S}:Cluster:{nameof(ActorStreamsClusterOptions.Host)}", "address Akka remoting binds to (cluster of several nodes on PostgreSQL)"),
        new("--cluster-port", "N", $"{S}:Cluster:{nameof(ActorStreamsClusterOptions.Port)}", "Akka remoting port"),
        new("--public-host", "NAME", $"{S}:Cluster:{nameof(ActorStreamsClusterOptions.PublicHost)}", "the name other nodes reach this one by"),
        new("--seeds", "ADDRESSES", $"{S}:Cluster:{nameof(ActorStreamsClusterOptions.Seeds)}", "seed nodes, host:port of their remoting ports, comma-separated"),
        new("--cluster-tls-cert", "FILE", $"{S}:Cluster:{nameof(ActorStreamsClusterOptions.TlsCertificatePath)}", "TLS between nodes with this shared certificate (PKCS#12)"),
        new("--cluster-tls-password-file", "FILE", $"{S}:Cluster:{nameof(ActorStreamsClusterOptions.TlsCertificatePasswordFile)}", "a file holding the password of --cluster-tls-cert"),
        new("--log-format", "FORMAT", $"{S}:{nameof(ActorStreamsServerOptions.LogFormat)}", "text (default) or json (one object per line)"),
    ];

    /// <summary>The switches as <see cref="Microsoft.Extensions.Configuration.CommandLineConfigurationExtensions"/> maps them.</summary>
    internal static Dictionary<string, string> SwitchMappings { get; } =
        Flags.ToDictionary(f => f.Switch, f => f.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>The version of this build: the packages' version, without the source revision (e.g. <c>0.1.0</c>).</summary>
    public static string Version { get; } = ReadVersion();

    private static string ReadVersion()
    {
        var assembly = typeof(ServerCommandLine).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        var plus = informational.IndexOf('+');
        return plus < 0 ? informational : informational[..plus];
    }

    /// <summary>What <c>--help</c> prints.</summary>
    public static string HelpText()
    {
        var text = new StringBuilder();
        text.AppendLine($"ActorStreams {Version}: Amazon Kinesis Data Streams and Firehose, self-hosted on Akka.NET.");
        text.AppendLine();
        text.AppendLine($"Usage: {CommandName} [flags]");
        text.AppendLine();
        text.AppendLine("Flags:");
        var width = Flags.Max(f => f.Switch.Length + 1 + f.Value.Length);
        foreach (var flag in Flags)
            text.AppendLine($"  {(flag.Switch + " " + flag.Value).PadRight(width)}  {flag.Help}");
        text.AppendLine($"  {"--help".PadRight(width)}  print this help and exit");
        text.AppendLine($"  {"--version".PadRight(width)}  print the version and exit");
        text.AppendLine();
        text.AppendLine($"Every flag is also a setting: --port 4567 is {S}__Port=4567 in the environment or {S}:Port in appsettings.json.");
        text.AppendLine($"Point the AWS CLI at it: aws --endpoint-url http://127.0.0.1:{ActorStreamsServerOptions.DefaultPort} kinesis list-streams");
        text.AppendLine("Documentation: docs/server.md (flags, protocols, operations), docs/security.md, docs/cluster.md.");
        return text.ToString();
    }

    /// <summary>
    /// Handles <c>--help</c> (<c>-h</c>) and <c>--version</c> when they are among <paramref name="args"/>: writes the
    /// answer to <paramref name="output"/> and returns true (the process then exits 0 without starting).
    /// </summary>
    public static bool TryAnswer(string[] args, TextWriter output)
    {
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            output.Write(HelpText());
            return true;
        }
        if (args.Any(a => a == "--version"))
        {
            output.WriteLine($"{CommandName} {Version}");
            return true;
        }
        return false;
    }
}
