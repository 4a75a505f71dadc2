using System.Globalization;
using System.Text;
using Akka.Configuration;

namespace ActorStreams.Server;

/// <summary>
/// The <c>ActorStreams:Cluster</c> section: where this node listens for other nodes (Akka.Remote) and which nodes it
/// joins. With no <see cref="Seeds"/> the node is a cluster of one (it joins itself). Every property left unset keeps
/// the HOCON value (<c>--config</c> file, else the defaults: 127.0.0.1, a random port).
/// </summary>
public sealed class ActorStreamsClusterOptions
{
    /// <summary>Address the remoting port binds to (<c>--cluster-host</c>; 0.0.0.0 for every interface).</summary>
    public string? Host { get; set; }

    /// <summary>Remoting port (<c>--cluster-port</c>); a seed node needs a fixed one.</summary>
    public int? Port { get; set; }

    /// <summary>
    /// The host name other nodes reach this one by, when it differs from <see cref="Host"/> (<c>--public-host</c>;
    /// in Kubernetes the pod's DNS name under the headless service).
    /// </summary>
    public string? PublicHost { get; set; }

    /// <summary>
    /// Seed nodes, comma-separated (<c>--seeds</c>, <c>ActorStreams__Cluster__Seeds</c>): <c>host:port</c> of their
    /// remoting ports, or full addresses <c>akka.tcp://actorstreams@host:port</c>. List the same seeds, in the same
    /// order, on every node; the first one forms the cluster when none of the others answers.
    /// </summary>
    public string? Seeds { get; set; }

    /// <summary>
    /// The certificate every node of the cluster shares, a PKCS#12 file (<c>--cluster-tls-cert</c>,
    /// <c>ActorStreams__Cluster__TlsCertificatePath</c>). Set, remoting runs over mutual TLS and accepts only peers that
    /// present this same certificate; addresses become <c>akka.ssl.tcp://</c>. Unset, remoting is plain TCP.
    /// </summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>
    /// A file whose content (a trailing newline ignored) is the password of <see cref="TlsCertificatePath"/>
    /// (<c>--cluster-tls-password-file</c>); wins over <see cref="TlsCertificatePassword"/>.
    /// </summary>
    public string? TlsCertificatePasswordFile { get; set; }

    /// <summary>
    /// The password of <see cref="TlsCertificatePath"/> from the environment (<c>ActorStreams__Cluster__TlsCertificatePassword</c>);
    /// there is deliberately no command-line flag, since a process's arguments are visible to every local user.
    /// </summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>Whether remoting runs over TLS (<see cref="TlsCertificatePath"/> is set).</summary>
    public bool TlsEnabled => !string.IsNullOrWhiteSpace(TlsCertificatePath);

    /// <summary>The address protocol of this node's remoting: <c>akka.ssl.tcp</c> with TLS, else <c>akka.tcp</c>.</summary>
    public string Protocol => TlsEnabled ? ClusterTls.Protocol : "akka.tcp";

    /// <summary>The password of the cluster certificate: the password file's content, else <see cref="TlsCertificatePassword"/>.</summary>
    internal string? ResolveTlsPassword()
    {
        if (string.IsNullOrEmpty(TlsCertificatePasswordFile)) return TlsCertificatePassword;
        if (!File.Exists(TlsCertificatePasswordFile))
            throw new FileNotFoundException(
                $"{ActorStreamsServerOptions.Section}:Cluster:TlsCertificatePasswordFile {TlsCertificatePasswordFile}: no such file.", TlsCertificatePasswordFile);
        return File.ReadAllText(TlsCertificatePasswordFile).TrimEnd('\r', '\n');
    }

    /// <summary>The seed node addresses of <see cref="Seeds"/>, completed with the protocol and system name.</summary>
    public IReadOnlyList<string> SeedAddresses(string systemName)
    {
        if (string.IsNullOrWhiteSpace(Seeds)) return [];
        var addresses = new List<string>();
        foreach (var raw in Seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var address = raw.Contains("://", StringComparison.Ordinal) ? raw : $"{Protocol}://{systemName}@{raw}";
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != Protocol || uri.Port <= 0
                || string.IsNullOrEmpty(uri.Host) || uri.UserInfo != systemName)
                throw new InvalidOperationException(
                    $"{ActorStreamsServerOptions.Section}:Cluster:Seeds entry '{raw}' is not host:port or {Protocol}://{systemName}@host:port.");
            addresses.Add(address);
        }
        return addresses;
    }

    /// <summary>The HOCON of the properties that are set (remoting address, TLS and seed nodes).</summary>
    public Config ToHocon(string systemName)
    {
        if (Port is < 0 or > 65535)
            throw new InvalidOperationException($"{ActorStreamsServerOptions.Section}:Cluster:Port {Port} is not a port number (0-65535).");
        var sb = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(Host)) sb.AppendLine(CultureInfo.InvariantCulture, $"akka.remote.dot-netty.tcp.hostname = {Quote(Host)}");
        if (Port is { } port) sb.AppendLine(CultureInfo.InvariantCulture, $"akka.remote.dot-netty.tcp.port = {port}");
        if (!string.IsNullOrWhiteSpace(PublicHost)) sb.AppendLine(CultureInfo.InvariantCulture, $"akka.remote.dot-netty.tcp.public-hostname = {Quote(PublicHost)}");
        var seeds = SeedAddresses(systemName);
        if (seeds.Count > 0) sb.AppendLine(CultureInfo.InvariantCulture, $"akka.cluster.seed-nodes = [{string.Join(", ", seeds.Select(Quote))}]");
        var hocon = ConfigurationFactory.ParseString(sb.ToString());
        return TlsEnabled ? hocon.WithFallback(ClusterTls.Hocon) : hocon;
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
