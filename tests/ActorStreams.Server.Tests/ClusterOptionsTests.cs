using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ActorStreams.Server.Tests;

/// <summary>The <c>ActorStreams:Cluster</c> settings: seed node lists, the HOCON they become, and a node started with them.</summary>
public sealed class ClusterOptionsTests
{
    [Fact]
    public void Seeds_given_as_host_and_port_become_akka_addresses_of_the_servers_actor_system()
    {
        var options = new ActorStreamsClusterOptions { Seeds = " 10.0.0.1:4581, node-2.actorstreams:4581,akka.tcp://actorstreams@[::1]:4583 " };

        Assert.Equal(
            ["akka.tcp://actorstreams@10.0.0.1:4581", "akka.tcp://actorstreams@node-2.actorstreams:4581", "akka.tcp://actorstreams@[::1]:4583"],
            options.SeedAddresses(ActorStreamsServer.ActorSystemName));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("10.0.0.1:notaport")]
    [InlineData("akka.tcp://other@10.0.0.1:4581")]
    [InlineData("http://10.0.0.1:4581")]
    public void A_seed_that_is_not_host_and_port_is_refused_with_the_setting_named(string seed)
    {
        var options = new ActorStreamsClusterOptions { Seeds = $"10.0.0.2:4581,{seed}" };

        var e = Assert.Throws<InvalidOperationException>(() => options.ToHocon(ActorStreamsServer.ActorSystemName));

        Assert.Contains("ActorStreams:Cluster:Seeds", e.Message);
        Assert.Contains(seed, e.Message);
    }

    [Fact]
    public void Only_the_settings_that_are_set_become_hocon()
    {
        var hocon = new ActorStreamsClusterOptions { Host = "0.0.0.0", Port = 4581, PublicHost = "node-1.actorstreams", Seeds = "node-1.actorstreams:4581" }
            .ToHocon(ActorStreamsServer.ActorSystemName);

        Assert.Equal("0.0.0.0", hocon.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4581, hocon.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("node-1.actorstreams", hocon.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(["akka.tcp://actorstreams@node-1.actorstreams:4581"], hocon.GetStringList("akka.cluster.seed-nodes"));
        Assert.False(new ActorStreamsClusterOptions().ToHocon(ActorStreamsServer.ActorSystemName).HasPath("akka.cluster.seed-nodes"));
        Assert.Throws<InvalidOperationException>(() => new ActorStreamsClusterOptions { Port = 70000 }.ToHocon(ActorStreamsServer.ActorSystemName));
    }

    [Fact]
    public async Task A_node_started_with_cluster_flags_listens_there_and_joins_its_seed()
    {
        var port = LoopbackPort.Free();
        var dataDir = Directory.CreateTempSubdirectory("actorstreams-cluster-flags-").FullName;
        var app = ActorStreamsServer.Create(["--port", "0", "--data-dir", dataDir, "--Logging:LogLevel:Default", "Warning",
            "--cluster-host", "127.0.0.1", "--cluster-port", port.ToString(), "--seeds", $"127.0.0.1:{port}"]);
        await app.StartAsync();
        try
        {
            var system = app.Services.GetRequiredService<ActorSystem>();
            var cluster = Akka.Cluster.Cluster.Get(system);
            Assert.Equal(port, cluster.SelfAddress.Port);
            Assert.Equal([$"akka.tcp://actorstreams@127.0.0.1:{port}"], cluster.Settings.SeedNodes.Select(a => a.ToString()));

            // The node forms the cluster through its seed list (the first seed joins itself), then serves requests.
            using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
            using var response = await http.SendAsync(ServerFixture.Request("ListStreams", "{}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(MemberStatus.Up, cluster.SelfMember.Status);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }
}
