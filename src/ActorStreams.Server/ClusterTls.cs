using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace ActorStreams.Server;

/// <summary>
/// TLS between the nodes of a cluster (Akka.Remote's DotNetty transport): every node presents the same certificate,
/// both ends of a connection present one (mutual TLS), and a peer is accepted only when its certificate is exactly
/// that one. No CA and no host names are involved, so a self-signed certificate shared through a secret is enough,
/// and a node with another certificate, or none, cannot connect and so cannot join.
/// </summary>
internal static class ClusterTls
{
    /// <summary>The address protocol of remoting over TLS; seed node addresses must use it.</summary>
    public const string Protocol = "akka.ssl.tcp";

    /// <summary>The HOCON that turns TLS on for the remoting transport (the certificate comes with <see cref="Setup"/>).</summary>
    public static Config Hocon { get; } = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = on");

    /// <summary>The transport's TLS setup for <paramref name="certificate"/> (which must have its private key).</summary>
    public static DotNettySslSetup Setup(X509Certificate2 certificate)
    {
        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"The cluster TLS certificate {certificate.Subject} has no private key.");
        var pinned = certificate.GetCertHash(HashAlgorithmName.SHA256);
        CertificateValidationCallback sameCertificate = (peer, _, _, _, log) => IsSameCertificate(pinned, peer, log);
        // Not suppressed, mutual, no host name check (nodes are reached by IP or by names the certificate need not list).
        return new DotNettySslSetup(certificate, false, true, false, sameCertificate);
    }

    /// <summary>Loads the shared certificate: a PKCS#12 file (.pfx/.p12) and its password.</summary>
    public static X509Certificate2 Load(string path, string? password)
    {
        const string section = ActorStreamsServerOptions.Section + ":Cluster";
        if (!File.Exists(path))
            throw new FileNotFoundException($"{section}:TlsCertificatePath {path}: no such file (relative to {Environment.CurrentDirectory}).", path);
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException(
                $"{section}: cannot load the cluster certificate {path} as PKCS#12 ({e.Message}); check the file and its password " +
                $"({section}:TlsCertificatePasswordFile or {ActorStreamsServerOptions.Section}__Cluster__TlsCertificatePassword).", e);
        }
        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"{section}: the cluster certificate {path} has no private key.");
        return certificate;
    }

    // The chain is not asked about: the shared certificate is usually self-signed, and pinning it is stricter
    // than any CA (a certificate the same CA issued to someone else does not get in).
    private static bool IsSameCertificate(byte[] pinned, X509Certificate2? peer, ILoggingAdapter log)
    {
        if (peer is null)
        {
            log.Warning("Cluster TLS: a peer presented no certificate; connection refused.");
            return false;
        }
        if (CryptographicOperations.FixedTimeEquals(pinned, peer.GetCertHash(HashAlgorithmName.SHA256)))
            return true;
        log.Warning("Cluster TLS: a peer presented the certificate {0} (SHA-256 {1}), not the cluster's; connection refused.",
            peer.Subject, Convert.ToHexString(peer.GetCertHash(HashAlgorithmName.SHA256)));
        return false;
    }
}
