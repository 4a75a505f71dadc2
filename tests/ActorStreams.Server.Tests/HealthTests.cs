using System.Net;
using System.Text.Json;
using Akka.Actor;

namespace ActorStreams.Server.Tests;

/// <summary><c>/health/live</c> and <c>/health/ready</c> on a healthy node, a node that cannot join its cluster, and a node whose ActorSystem stopped.</summary>
public sealed class HealthTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Headers.Contains("x-amzn-RequestId"), "health answers carry a request id too");
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Polls /health/ready until it answers 200 (a node needs a moment to join itself); when the time is up, fails with the last answer.</summary>
    private static Task<(HttpStatusCode Status, JsonElement Body)> ReadyEventuallyAsync(HttpClient http, TimeSpan within) =>
        Eventually.EventuallyAsync(async () =>
        {
            var (status, body, _) = await GetAsync(http, "/health/ready");
            Assert.True(status == HttpStatusCode.OK, $"/health/ready answered {(int)status}: {body}");
            return (status, body);
        }, within, TimeSpan.FromMilliseconds(200));

    private static JsonElement Check(JsonElement body, string name) => body.GetProperty("checks").GetProperty(name);

    [Fact]
    public async Task Live_answers_200_with_a_JSON_body()
    {
        var (status, body, contentType) = await GetAsync(server.Http, "/health/live");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", contentType);
        Assert.Equal("live", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("uptimeSeconds").GetDouble() >= 0);
        Assert.Equal(ServerCommandLineTests.RepositoryVersion, body.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Ready_answers_200_when_the_node_is_Up_and_catalog_and_journal_answer()
    {
        var (status, body) = await ReadyEventuallyAsync(server.Http, TimeSpan.FromSeconds(30));

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("ready", body.GetProperty("status").GetString());
        foreach (var name in new[] { "actorSystem", "cluster", "catalog", "journal" })
            Assert.True(Check(body, name).GetProperty("ok").GetBoolean(), $"{name}: {Check(body, name)}");
        Assert.Contains("is Up", Check(body, "cluster").GetProperty("detail").GetString());
        Assert.Contains("1 member(s) Up", Check(body, "cluster").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Ready_keeps_working_while_streams_are_served()
    {
        var name = await server.CreateStreamAsync("health");
        await server.OkAsync("PutRecord", new { StreamName = name, PartitionKey = "k", Data = "aGk=" });

        var (status, body) = await ReadyEventuallyAsync(server.Http, TimeSpan.FromSeconds(30));

        Assert.True(status == HttpStatusCode.OK, body.ToString());
    }

    [Fact]
    public async Task Ready_answers_503_naming_the_cluster_and_the_catalog_when_the_node_cannot_join_its_seed()
    {
        var node = new UnjoinableServerFixture();
        await node.InitializeAsync();
        try
        {
            var (status, body, contentType) = await GetAsync(node.Http, "/health/ready");
            var (liveStatus, _, _) = await GetAsync(node.Http, "/health/live");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("application/json", contentType);
            Assert.Equal("not ready", body.GetProperty("status").GetString());
            Assert.True(Check(body, "actorSystem").GetProperty("ok").GetBoolean());
            Assert.False(Check(body, "cluster").GetProperty("ok").GetBoolean());
            Assert.DoesNotContain("is Up", Check(body, "cluster").GetProperty("detail").GetString());
            Assert.False(Check(body, "catalog").GetProperty("ok").GetBoolean());
            // The journal does not need the cluster: it still answers, and the body says so.
            Assert.True(Check(body, "journal").GetProperty("ok").GetBoolean(), Check(body, "journal").ToString());
            Assert.Equal(HttpStatusCode.OK, liveStatus);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Ready_answers_503_once_the_ActorSystem_has_terminated_while_live_stays_200()
    {
        var node = new ServerFixture();
        await node.InitializeAsync();
        try
        {
            var (before, beforeBody) = await ReadyEventuallyAsync(node.Http, TimeSpan.FromSeconds(30));
            Assert.True(before == HttpStatusCode.OK, beforeBody.ToString());

            await node.Services.GetRequiredService<ActorSystem>().Terminate();
            var (status, body, _) = await GetAsync(node.Http, "/health/ready");
            var (liveStatus, _, _) = await GetAsync(node.Http, "/health/live");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.False(Check(body, "actorSystem").GetProperty("ok").GetBoolean());
            Assert.Contains("terminated", Check(body, "actorSystem").GetProperty("detail").GetString());
            Assert.Equal(HttpStatusCode.OK, liveStatus);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    /// <summary>A node whose only seed is a port nothing listens on, so it never becomes a cluster member.</summary>
    private sealed class UnjoinableServerFixture : ServerFixture
    {
        protected override string[] ExtraArgs()
        {
            var config = Path.Combine(DataDir, "unjoinable.conf");
            File.WriteAllText(config, """akka.cluster.seed-nodes = ["akka.tcp://actorstreams@127.0.0.1:9"]""");
            return ["--config", config];
        }
    }
}
