namespace ActorStreams.Server;

/// <summary>
/// The <c>ActorStreams:Limits</c> section: how much of the node one caller can hold with connections alone. Each value
/// left unset keeps the default named here; Kestrel's own defaults are unbounded for connections.
/// </summary>
public sealed class ActorStreamsLimitsOptions
{
    /// <summary>Default of <see cref="MaxConcurrentConnections"/>.</summary>
    public const long DefaultMaxConcurrentConnections = 10_000;

    /// <summary>Default of <see cref="RequestHeadersTimeout"/>.</summary>
    public static readonly TimeSpan DefaultRequestHeadersTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="H2cPrefaceTimeout"/>.</summary>
    public static readonly TimeSpan DefaultH2cPrefaceTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Default of <see cref="KeepAliveTimeout"/>.</summary>
    public static readonly TimeSpan DefaultKeepAliveTimeout = TimeSpan.FromSeconds(130);

    /// <summary>Default of <see cref="MinRequestBodyBytesPerSecond"/>.</summary>
    public const double DefaultMinRequestBodyBytesPerSecond = 240;

    /// <summary>Default of <see cref="MinRequestBodyGracePeriod"/>.</summary>
    public static readonly TimeSpan DefaultMinRequestBodyGracePeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Open connections at most (HTTP/1.1 and HTTP/2 alike; one HTTP/2 connection carries many requests). A connection
    /// beyond it is closed at once. Default 10,000.
    /// </summary>
    public long? MaxConcurrentConnections { get; set; }

    /// <summary>How long a request's headers may take to arrive once its first byte did (default 30 s).</summary>
    public TimeSpan? RequestHeadersTimeout { get; set; }

    /// <summary>
    /// How long a new cleartext connection may take to send its first bytes (enough to tell the HTTP/2 preface from
    /// HTTP/1.1); a connection that sends less in that time is closed. Default 10 s.
    /// </summary>
    public TimeSpan? H2cPrefaceTimeout { get; set; }

    /// <summary>How long an idle connection is kept open between requests (default 130 s, Kestrel's).</summary>
    public TimeSpan? KeepAliveTimeout { get; set; }

    /// <summary>
    /// The slowest a request body may arrive, in bytes per second, once <see cref="MinRequestBodyGracePeriod"/> has
    /// passed; a slower one is aborted (default 240 B/s, Kestrel's). 0 turns the check off.
    /// </summary>
    public double? MinRequestBodyBytesPerSecond { get; set; }

    /// <summary>How long a request body may arrive slower than <see cref="MinRequestBodyBytesPerSecond"/> (default 5 s).</summary>
    public TimeSpan? MinRequestBodyGracePeriod { get; set; }

    /// <summary>Throws, naming the setting, when a limit that is set cannot work (not positive, or a negative rate).</summary>
    internal void Validate()
    {
        const string section = ActorStreamsServerOptions.Section + ":Limits:";
        if (MaxConcurrentConnections <= 0)
            throw new InvalidOperationException($"{section}{nameof(MaxConcurrentConnections)} is {MaxConcurrentConnections}; give a positive number.");
        if (MinRequestBodyBytesPerSecond < 0)
            throw new InvalidOperationException($"{section}{nameof(MinRequestBodyBytesPerSecond)} is {MinRequestBodyBytesPerSecond}; give 0 (no minimum) or more.");
        foreach (var (name, value) in new[]
                 {
                     (nameof(RequestHeadersTimeout), RequestHeadersTimeout), (nameof(H2cPrefaceTimeout), H2cPrefaceTimeout),
                     (nameof(KeepAliveTimeout), KeepAliveTimeout), (nameof(MinRequestBodyGracePeriod), MinRequestBodyGracePeriod),
                 })
            if (value <= TimeSpan.Zero)
                throw new InvalidOperationException($"{section}{name} is {value}; give a positive time span such as 00:00:30.");
    }
}
