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

    /// <summary>
    /// Address Kestrel binds to (default 127.0.0.1; 0.0.0.0 for every interface). An address beyond loopback needs
    /// <see cref="ActorStreamsAuthOptions.Enabled"/> or <see cref="AllowAnonymous"/>, else the server refuses to start.
    /// </summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>
    /// Serve without authentication although <see cref="Host"/> is beyond loopback (<c>--allow-anonymous</c>,
    /// <c>ActorStreams__AllowAnonymous=true</c>): anyone who reaches the port can then read and write every stream.
    /// Default false.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// Host names (and <c>*.example.com</c> suffix patterns) a request's <c>Host</c> header may name, separated by
    /// <c>,</c> or <c>;</c> (<c>--allowed-hosts</c>, <c>ActorStreams__AllowedHosts</c>); <c>*</c> accepts any. Always
    /// accepted besides: <c>localhost</c>, IP addresses, <see cref="Host"/> and the cluster's public host. Another name
    /// is refused (a DNS-rebinding page in a browser cannot drive the server).
    /// </summary>
    public string? AllowedHosts { get; set; }

    /// <summary>Port for HTTP/1.1 and HTTP/2 cleartext (default 4567; 0 picks a free port).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Directory of the SQLite journal; unset keeps the runtime's default (<c>data</c>).</summary>
    public string? DataDir { get; set; }

    /// <summary>A HOCON file merged over the runtime's defaults (journal provider, throttling, limits, ...).</summary>
    public string? Config { get; set; }

    /// <summary>A key file for encryption at rest (<c>actorstreams.encryption.key-file</c>), over the one in <see cref="Config"/>.</summary>
    public string? EncryptionKeyFile { get; set; }

    /// <summary>
    /// Journal: <c>sqlite</c> (default, one file under <see cref="DataDir"/>) or <c>postgresql</c> (shared by the nodes of a
    /// cluster; needs <see cref="PostgreSqlConnectionString"/>). Unset keeps the HOCON value (<c>--journal</c>).
    /// </summary>
    public string? JournalProvider { get; set; }

    /// <summary>
    /// Npgsql connection string of the PostgreSQL journal (<c>--pg</c>, <c>ActorStreams__PostgreSqlConnectionString</c>,
    /// which is how a Kubernetes secret reaches it). Setting it alone selects the PostgreSQL journal.
    /// </summary>
    public string? PostgreSqlConnectionString { get; set; }

    /// <summary>
    /// A file holding <see cref="PostgreSqlConnectionString"/> (<c>--pg-file</c>; e.g. a mounted Kubernetes secret), read at
    /// start-up and trimmed; it keeps the password out of the process's arguments. Ignored when the string itself is set.
    /// </summary>
    public string? PostgreSqlConnectionStringFile { get; set; }

    /// <summary>
    /// Key that signs shard iterators (<c>ActorStreams__IteratorSecret</c>, e.g. from a Kubernetes secret); every node of a
    /// cluster needs the same one. Unset keeps the HOCON value (<c>actorstreams.iterator-secret</c>).
    /// </summary>
    public string? IteratorSecret { get; set; }

    /// <summary>
    /// How the server writes its log to standard output (<c>--log-format</c>, <c>ActorStreams__LogFormat</c>): <c>text</c>
    /// (default, ASP.NET Core's simple console format) or <c>json</c> (one JSON object per line: <c>Timestamp</c>,
    /// <c>LogLevel</c>, <c>Category</c>, <c>Message</c>, <c>Exception</c> and the event's fields under <c>State</c>, for
    /// Akka events <c>ActorPath</c>, <c>LogSource</c> and <c>Stream</c>/<c>Shard</c>). Both carry Akka.NET's events.
    /// </summary>
    public string LogFormat { get; set; } = TextLogFormat;

    /// <summary>The <see cref="LogFormat"/> of human-readable lines.</summary>
    public const string TextLogFormat = "text";

    /// <summary>The <see cref="LogFormat"/> of one JSON object per line.</summary>
    public const string JsonLogFormat = "json";

    /// <summary>The Prometheus scrape endpoint of the metrics (<c>ActorStreams:Metrics:Enabled</c>, <c>:Path</c>); on at /metrics.</summary>
    public ActorStreamsMetricsOptions Metrics { get; set; } = new();

    /// <summary>Remoting address and seed nodes of a multi-node cluster (<c>ActorStreams:Cluster:*</c>).</summary>
    public ActorStreamsClusterOptions Cluster { get; set; } = new();

    /// <summary>SigV4 checking (<c>ActorStreams:Auth:Enabled</c>, <c>ActorStreams:Auth:Credentials:&lt;key id&gt;</c>); off by default.</summary>
    public ActorStreamsAuthOptions Auth { get; set; } = new();

    /// <summary>HTTPS on the port instead of cleartext (<c>ActorStreams:Tls:CertificatePath</c> ...); off by default.</summary>
    public ActorStreamsTlsOptions Tls { get; set; } = new();

    /// <summary>Connection limits and timeouts of the HTTP port (<c>ActorStreams:Limits:*</c>).</summary>
    public ActorStreamsLimitsOptions Limits { get; set; } = new();
}

/// <summary>
/// The <c>ActorStreams:Tls</c> section: with <see cref="CertificatePath"/> set the port serves HTTPS only, HTTP/2 and
/// HTTP/1.1 chosen by TLS ALPN ("h2", "http/1.1"); without it the port serves cleartext HTTP/1.1 and h2c.
/// </summary>
public sealed class ActorStreamsTlsOptions
{
    /// <summary>
    /// The server certificate: a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>, with its private key), or a PEM certificate
    /// when <see cref="KeyPath"/> is set. Unset: no TLS.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>
    /// Password of the PKCS#12 file, or of an encrypted PEM key; unset when there is none. Prefer
    /// <see cref="CertificatePasswordFile"/> or the environment (<c>ActorStreams__Tls__CertificatePassword</c>) to
    /// <c>--tls-password</c>, which any local user can read in the process list.
    /// </summary>
    public string? CertificatePassword { get; set; }

    /// <summary>A file holding <see cref="CertificatePassword"/> (<c>--tls-password-file</c>), read at start-up and trimmed.</summary>
    public string? CertificatePasswordFile { get; set; }

    /// <summary>PEM private key (PKCS#8 or RSA/EC) that goes with a PEM <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>True when <see cref="CertificatePath"/> is set.</summary>
    public bool Enabled => !string.IsNullOrEmpty(CertificatePath);
}

/// <summary>
/// The <c>ActorStreams:Auth</c> section: when <see cref="Enabled"/>, every request must carry a valid AWS Signature
/// Version 4 made with one of <see cref="Credentials"/> (access key id -> secret access key).
/// </summary>
public sealed class ActorStreamsAuthOptions
{
    /// <summary>Check signatures (default false: any or no credentials are accepted, for local use).</summary>
    public bool Enabled { get; set; }

    /// <summary>Access key id -> secret access key, e.g. <c>ActorStreams__Auth__Credentials__AKIDEXAMPLE=secret</c>.</summary>
    public Dictionary<string, string> Credentials { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A file of more key pairs (<c>--credentials-file</c>; e.g. a mounted Kubernetes secret): one
    /// <c>ACCESS_KEY_ID:SECRET_ACCESS_KEY</c> per line, blank lines and lines starting with <c>#</c> ignored.
    /// </summary>
    public string? CredentialsFile { get; set; }

    /// <summary>
    /// Access key id -> who it acts as, for resource policies (docs/security.md): a 12-digit account id, or an IAM
    /// user or role ARN (<c>arn:aws:iam::111122223333:user/alice</c>), e.g.
    /// <c>ActorStreams__Auth__Principals__AKIDPARTNER=111122223333</c>. A key not listed acts as the root of the
    /// server's account (<c>actorstreams.account-id</c>), which owns every stream.
    /// </summary>
    public Dictionary<string, string> Principals { get; set; } = new(StringComparer.Ordinal);
}
