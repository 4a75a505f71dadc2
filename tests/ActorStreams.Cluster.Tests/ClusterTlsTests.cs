using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorStreams.Server;
using ActorStreams.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote;
using Xunit.Abstractions;

namespace ActorStreams.Cluster.Tests;

/// <summary>
/// Remoting over TLS with the cluster's shared certificate (<see cref="ClusterTls"/>), four ActorSystems in this
/// process: a node with the certificate joins; a node with another certificate and a node without TLS do not. The
/// certificates are made here (self-signed, in a temporary directory), none is committed.
/// </summary>
public sealed class ClusterTlsTests(ITestOutputHelper output) : IDisposable
{
    private const string Password = "cluster-tls-test";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("actorstreams-cluster-tls-").FullName;
    private readonly List<ActorSystem> _systems = [];

    [Fact]
    public async Task A_node_with_the_shared_certificate_must_join_and_nodes_with_another_or_none_must_not()
    {
        var shared = CertificateFile("shared");
        var other = CertificateFile("other");
        var seed = Node(shared);
        var seedCluster = Akka.Cluster.Cluster.Get(seed);
        seedCluster.Join(seedCluster.SelfAddress);
        Assert.Equal(ClusterTls.Protocol, seedCluster.SelfAddress.Protocol);

        // The side that checks first refuses: the connecting node checks the seed's certificate, the seed the
        // connecting node's.
        var refusals = new ConcurrentQueue<string>();
        seed.EventStream.Subscribe(seed.ActorOf(Props.Create(() => new Collector(refusals))), typeof(Warning));
        var stranger = Node(other);
        stranger.EventStream.Subscribe(stranger.ActorOf(Props.Create(() => new Collector(refusals))), typeof(Warning));
        Akka.Cluster.Cluster.Get(stranger).Join(seedCluster.SelfAddress);
        var plain = Node(null);
        var plainErrors = new ConcurrentQueue<string>();
        plain.EventStream.Subscribe(plain.ActorOf(Props.Create(() => new Collector(plainErrors))), typeof(AssociationErrorEvent));
        plain.EventStream.Subscribe(plain.ActorOf(Props.Create(() => new Collector(plainErrors))), typeof(DisassociatedEvent));
        Akka.Cluster.Cluster.Get(plain).Join(new Address("akka.tcp", seed.Name, seedCluster.SelfAddress.Host, seedCluster.SelfAddress.Port));

        var member = Node(shared);
        Akka.Cluster.Cluster.Get(member).Join(seedCluster.SelfAddress);

        await Eventually.EventuallyAsync(
            () => seedCluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2,
            "the node with the shared certificate is Up at the seed", Timeout);
        await Eventually.EventuallyAsync(
            () => refusals.Any(r => r.Contains("not the cluster's", StringComparison.Ordinal)),
            "the node with another certificate was refused", Timeout);
        await Eventually.EventuallyAsync(() => !plainErrors.IsEmpty, "the node without TLS failed to associate", Timeout);

        var members = seedCluster.State.Members.Select(m => m.Address).ToHashSet();
        output.WriteLine($"members: {string.Join(", ", members)}");
        Assert.Equal(new HashSet<Address> { seedCluster.SelfAddress, Akka.Cluster.Cluster.Get(member).SelfAddress }, members);
        Assert.Empty(Akka.Cluster.Cluster.Get(stranger).State.Members);
        Assert.Empty(Akka.Cluster.Cluster.Get(plain).State.Members);
    }

    [Fact]
    public void Seed_addresses_use_the_TLS_protocol_and_the_password_comes_from_a_file()
    {
        var passwordFile = Path.Combine(_dir, "password");
        File.WriteAllText(passwordFile, Password + "\n");
        var options = new ActorStreamsClusterOptions
        {
            Seeds = "node1:4581", TlsCertificatePath = CertificateFile("shared"), TlsCertificatePasswordFile = passwordFile,
            TlsCertificatePassword = "not this one",
        };
        Assert.Equal(["akka.ssl.tcp://actorstreams@node1:4581"], options.SeedAddresses("actorstreams"));
        Assert.True(options.ToHocon("actorstreams").GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal(Password, options.ResolveTlsPassword());
        using var certificate = ClusterTls.Load(options.TlsCertificatePath!, options.ResolveTlsPassword());
        Assert.True(certificate.HasPrivateKey);
        Assert.Throws<InvalidOperationException>(() => ClusterTls.Load(options.TlsCertificatePath!, "wrong"));
        Assert.Equal(["akka.tcp://actorstreams@node1:4581"], new ActorStreamsClusterOptions { Seeds = "node1:4581" }.SeedAddresses("actorstreams"));
    }

    private ActorSystem Node(string? certificateFile)
    {
        var config = ConfigurationFactory.ParseString("""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            akka.cluster.seed-node-timeout = 2s
            akka.loglevel = INFO
            """);
        var system = certificateFile is null
            ? ActorSystem.Create(ActorStreamsServer.ActorSystemName, config)
            : ActorSystem.Create(ActorStreamsServer.ActorSystemName, BootstrapSetup.Create().WithConfig(config.WithFallback(ClusterTls.Hocon))
                .And(ClusterTls.Setup(ClusterTls.Load(certificateFile, Password))));
        _systems.Add(system);
        return system;
    }

    private string CertificateFile(string name)
    {
        var path = Path.Combine(_dir, name + ".pfx");
        if (File.Exists(path)) return path;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=actorstreams-{name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server and client auth
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, Password));
        return path;
    }

    public void Dispose()
    {
        Task.WaitAll(_systems.Select(s => s.Terminate()).ToArray(), TimeSpan.FromSeconds(20));
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class Collector : ReceiveActor
    {
        public Collector(ConcurrentQueue<string> into) => ReceiveAny(message => into.Enqueue(message.ToString() ?? ""));
    }
}
