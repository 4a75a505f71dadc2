namespace ActorStreams.Server;

/// <summary>
/// How the server listens and where its data lives: the <c>ActorStreams</c> configuration section
/// (appsettings.json, <c>ActorStreams__Port</c> in the environment, or <c>--port</c>, <c>--data-dir</c>,
/// <c>--config</c> on the command line).
/// </summary>
public sealed class ActorStreamsServerOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "ActorStreams";

    /// <summary>The port the AWS CLI and SDKs expect by default in ActorStreams' documentation.</summary>
    public const int DefaultPort = 4567;

    /// <summary>Address Kestrel binds to (default 127.0.0.1; 0.0.0.0 for every interface).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port for HTTP/1.1 and HTTP/2 cleartext (default 4567; 0 picks a free port).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Directory of the SQLite journal; unset keeps the runtime's default (<c>data</c>).</summary>
    public string? DataDir { get; set; }

    /// <summary>A HOCON file merged over the runtime's defaults (journal provider, throttling, limits, ...).</summary>
    public string? Config { get; set; }
}
