using System.Net;
using System.Security.Cryptography.X509Certificates;
using ActorStreams.Server.Auth;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ActorStreams.Server.Tests;

/// <summary>
/// What the server will serve to whom: it refuses to listen beyond loopback without authentication unless told to,
/// and secrets can come from files instead of the command line.
/// </summary>
public sealed class ExposureTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "actorstreams-exposure-" + Guid.NewGuid().ToString("N"));

    public ExposureTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_server_process_listening_on_every_interface_without_authentication_exits_non_zero_and_says_what_to_set()
    {
        var (code, stdout, stderr) = await ChildProcess.RunAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "ActorStreams.Server.dll"), "--host", "0.0.0.0", "--port", LoopbackPort.Free().ToString(), "--data-dir", _dir],
            TimeSpan.FromSeconds(90), workingDirectory: AppContext.BaseDirectory);

        Assert.True(code != 0, $"the server exited with {code}:\n{stdout}\n{stderr}");
        Assert.Contains("beyond loopback, and authentication is off", stderr);
        Assert.Contains("ActorStreams:Auth:Enabled=true", stderr);
        Assert.Contains("ActorStreams:AllowAnonymous=true", stderr);
        Assert.Contains("--allow-anonymous", stderr);
        Assert.DoesNotContain("   at ", stderr); // a message, not a stack trace
    }

    [Fact]
    public async Task With_allow_anonymous_the_server_serves_on_every_interface()
    {
        // The bare switch before another one, as a user types it.
        await using var app = ActorStreamsServer.Create(["--host", "0.0.0.0", "--allow-anonymous", "--port", "0", "--data-dir", _dir,
            "--Logging:LogLevel:Default", "Warning"]);
        await app.StartAsync();
        try
        {
            var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using var response = await http.SendAsync(ServerFixture.Request("ListStreams", "{}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public void Every_interface_with_authentication_on_needs_no_further_setting_but_a_host_that_is_no_address_is_refused()
    {
        using var app = ActorStreamsServer.Create(["--host", "0.0.0.0", "--port", "0", "--ActorStreams:Auth:Enabled", "true",
            "--ActorStreams:Auth:Credentials:AKIDEXPOSURE", "secret"]);
        Assert.NotNull(app.Services.GetRequiredService<IServer>());

        var error = Assert.Throws<InvalidOperationException>(() => ActorStreamsServer.Create(["--host", "kinesis.example", "--port", "0"]));
        Assert.Contains("give an IP address", error.Message);
    }

    [Fact]
    public void Credentials_can_come_from_a_file_instead_of_the_command_line()
    {
        var file = Path.Combine(_dir, "credentials");
        File.WriteAllText(file, "# key pairs of the exposure tests\nAKIDFROMFILE:secret/from+file\n\n");

        using var app = ActorStreamsServer.Create(["--host", "0.0.0.0", "--port", "0", "--ActorStreams:Auth:Enabled", "true", "--credentials-file", file]);
        Assert.NotNull(app.Services.GetRequiredService<IServer>());

        File.WriteAllText(file, "AKIDNOSECRET\n");
        var malformed = Assert.Throws<InvalidOperationException>(() =>
            ActorStreamsServer.Create(["--port", "0", "--ActorStreams:Auth:Enabled", "true", "--credentials-file", file]));
        Assert.Contains("line 1: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY", malformed.Message);
    }

    [Fact]
    public void The_TLS_password_and_the_PostgreSQL_connection_string_can_come_from_files()
    {
        using var certificate = TestCertificate.Create();
        var pfx = Path.Combine(_dir, "server.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, "from-a-file"));
        var password = Path.Combine(_dir, "tls-password");
        File.WriteAllText(password, "from-a-file\n");

        // The certificate is loaded while the application is built: a wrong password would stop it here.
        using var app = ActorStreamsServer.Create(["--port", "0", "--tls-cert", pfx, "--tls-password-file", password]);
        Assert.NotNull(app.Services.GetRequiredService<IServer>());

        var missing = Assert.Throws<FileNotFoundException>(() => ActorStreamsServer.Create(["--port", "0", "--pg-file", Path.Combine(_dir, "no-such-file")]));
        Assert.Contains("--pg-file", missing.Message);
    }

    [Fact]
    public void Allowed_hosts_are_loopback_names_addresses_the_configured_names_and_their_suffix_patterns()
    {
        var local = AllowedHostsPolicy.From(new ActorStreamsServerOptions());
        Assert.True(local.Allows("localhost"));
        Assert.True(local.Allows("LOCALHOST"));
        Assert.True(local.Allows("127.0.0.1"));
        Assert.True(local.Allows("[::1]"));
        Assert.True(local.Allows("10.1.2.3"));
        Assert.False(local.Allows("evil.example"));
        Assert.False(local.Allows("localhost.evil.example"));

        var configured = AllowedHostsPolicy.From(new ActorStreamsServerOptions
        {
            Host = "0.0.0.0",
            AllowedHosts = "kinesis.internal; *.svc.cluster.local",
            Cluster = new ActorStreamsClusterOptions { PublicHost = "node-1.actorstreams" },
        });
        Assert.True(configured.Allows("kinesis.internal"));
        Assert.True(configured.Allows("actorstreams.default.svc.cluster.local"));
        Assert.True(configured.Allows("node-1.actorstreams"));
        Assert.False(configured.Allows("svc.cluster.local.evil.example"));
        Assert.False(configured.Allows("evil.example"));
        Assert.False(configured.AllowsAny);

        Assert.True(AllowedHostsPolicy.From(new ActorStreamsServerOptions { AllowedHosts = "*" }).AllowsAny);
    }
}

/// <summary>The <c>Host</c> header check on a server that listens on loopback with the default settings.</summary>
public sealed class HostHeaderTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<KinesisReply> SendWithHostAsync(string path, string host, bool kinesis)
    {
        await using var connection = await RawHttp.ConnectAsync(server.BaseAddress);
        var body = kinesis ? "{}" : "";
        var request = kinesis
            ? $"POST {path} HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"
            : $"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n";
        await connection.SendAsync(request);
        var response = await connection.ReadResponseAsync();
        Assert.NotNull(response);
        return Parse(response);
    }

    private static KinesisReply Parse(string response)
    {
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lines = response[..split].Split("\r\n");
        var status = (HttpStatusCode)int.Parse(lines[0].Split(' ')[1]);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var text = response[(split + 4)..];
        var json = text.Length > 0 && text[0] == '{' ? System.Text.Json.JsonDocument.Parse(text).RootElement.Clone() : default;
        return new KinesisReply(status, text, json, headers.GetValueOrDefault("x-amzn-RequestId"), headers.GetValueOrDefault("Content-Type"), HttpVersion.Version11);
    }

    [Fact]
    public async Task A_request_naming_another_host_is_refused_before_it_runs()
    {
        var refused = await SendWithHostAsync("/", "evil.example", kinesis: true);
        refused.AssertError(HttpStatusCode.Forbidden, "AccessDeniedException");
        Assert.Contains("'evil.example'", refused.Message);
        Assert.Contains("ActorStreams:AllowedHosts", refused.Message);

        // The other endpoints too: a rebinding page must not read the metrics or the console either.
        var metrics = await SendWithHostAsync("/metrics", $"evil.example:{server.BaseAddress.Port}", kinesis: false);
        Assert.Equal(HttpStatusCode.Forbidden, metrics.Status);
        Assert.Equal("AccessDeniedException", metrics.ErrorType);
    }

    [Fact]
    public async Task Requests_to_localhost_and_to_the_loopback_address_are_served()
    {
        foreach (var host in new[] { $"localhost:{server.BaseAddress.Port}", $"127.0.0.1:{server.BaseAddress.Port}", "localhost" })
        {
            var reply = await SendWithHostAsync("/", host, kinesis: true);
            Assert.True(reply.Status == HttpStatusCode.OK, $"{host}: {(int)reply.Status} {reply.Text}");
        }
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_works_against_localhost_and_127_0_0_1()
    {
        var aws = AwsCli.Installed!;
        var name = $"host-{Guid.NewGuid():N}";
        await aws.KinesisAsync(new Uri($"http://localhost:{server.BaseAddress.Port}"), "create-stream", "--stream-name", name, "--shard-count", "1");
        var streams = await aws.KinesisAsync(server.BaseAddress, "list-streams");
        Assert.Contains(name, streams.GetProperty("StreamNames").EnumerateArray().Select(s => s.GetString()));
    }
}

/// <summary>SigV4 with the body still unread: the header's form, the date and the key decide before the body is read.</summary>
public sealed class SigV4BeforeBodyTests(AuthServerFixture server) : IClassFixture<AuthServerFixture>
{
    private const int PromisedBody = 16 * 1024 * 1024;

    /// <summary>Headers of a PutRecords promising a 16 MiB body, signed over an empty one (the body is never sent).</summary>
    private async Task<string> HeadersPromisingABodyAsync(string accessKeyId, DateTime signedAt)
    {
        using var request = ServerFixture.Request("PutRecords", "");
        request.RequestUri = new Uri(server.BaseAddress, "/");
        await SigV4TestSigner.SignAsync(request, accessKeyId, AuthServerFixture.SecretAccessKey, signedAt);
        var headers = request.Headers.Select(h => $"{h.Key}: {string.Join(",", h.Value)}\r\n");
        return $"POST / HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\nContent-Type: application/x-amz-json-1.1\r\n" +
               $"{string.Concat(headers)}Content-Length: {PromisedBody}\r\n\r\n";
    }

    [Fact]
    public async Task A_16_MiB_body_from_an_unknown_key_is_refused_without_being_read()
    {
        await using var connection = await RawHttp.ConnectAsync(server.BaseAddress);
        await connection.SendAsync(await HeadersPromisingABodyAsync("AKIDNOBODY", DateTime.UtcNow));
        await connection.SendAsync(new byte[4096]); // a little of the body; the rest never comes

        var response = await connection.ReadResponseAsync();

        Assert.NotNull(response);
        Assert.StartsWith("HTTP/1.1 400 ", response);
        Assert.Contains("UnrecognizedClientException", response);
    }

    [Fact]
    public async Task A_stale_date_is_refused_without_reading_the_body()
    {
        await using var connection = await RawHttp.ConnectAsync(server.BaseAddress);
        await connection.SendAsync(await HeadersPromisingABodyAsync(AuthServerFixture.AccessKeyId, DateTime.UtcNow.AddMinutes(-10)));

        var response = await connection.ReadResponseAsync();

        Assert.NotNull(response);
        Assert.StartsWith("HTTP/1.1 400 ", response);
        Assert.Contains("InvalidSignatureException", response);
        Assert.Contains("Signature expired", response);
    }

    [Fact]
    public async Task An_x_amz_header_outside_the_signed_headers_is_an_IncompleteSignatureException()
    {
        var name = await server.CreateStreamAsync("unsigned-header");
        using var request = ServerFixture.Request("PutRecord", System.Text.Json.JsonSerializer.Serialize(new { StreamName = name, PartitionKey = "k", Data = "AA==" }));
        request.RequestUri = new Uri(server.BaseAddress, "/");
        await SigV4TestSigner.SignAsync(request, AuthServerFixture.AccessKeyId, AuthServerFixture.SecretAccessKey, DateTime.UtcNow);
        request.Headers.TryAddWithoutValidation("X-Amz-Meta-Injected", "not signed");
        using var http = new HttpClient();

        using var response = await http.SendAsync(request);
        var reply = await KinesisReply.ReadAsync(response);

        reply.AssertError(HttpStatusCode.BadRequest, "IncompleteSignatureException");
        Assert.Contains("not signed: x-amz-meta-injected", reply.Message);
        var shards = await server.OkAsync("DescribeStreamSummary", new { StreamName = name });
        Assert.Equal(1, shards.GetProperty("StreamDescriptionSummary").GetProperty("OpenShardCount").GetInt32());
        var iterator = await server.OkAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" });
        var records = await server.OkAsync("GetRecords", new { ShardIterator = iterator.GetProperty("ShardIterator").GetString() });
        Assert.Equal(0, records.GetProperty("Records").GetArrayLength());
    }
}

/// <summary>A server with small connection limits, to see each one act.</summary>
public sealed class LimitsServerFixture : ServerFixture
{
    public const int MaxConnections = 3;

    protected override string[] ExtraArgs() =>
    [
        "--ActorStreams:Limits:MaxConcurrentConnections", MaxConnections.ToString(),
        "--ActorStreams:Limits:H2cPrefaceTimeout", "00:00:01",
        "--ActorStreams:Limits:RequestHeadersTimeout", "00:00:07",
        "--ActorStreams:Limits:MinRequestBodyBytesPerSecond", "1000",
        "--ActorStreams:Limits:MinRequestBodyGracePeriod", "00:00:03",
    ];
}

public sealed class ConnectionLimitsTests(LimitsServerFixture server) : IClassFixture<LimitsServerFixture>
{
    private const string Live = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    [Fact]
    public async Task A_connection_that_sends_nothing_is_closed_after_the_preface_timeout()
    {
        await using var idle = await RawHttp.ConnectAsync(server.BaseAddress);

        Assert.True(await idle.ClosedByServerAsync());
    }

    [Fact]
    public async Task A_connection_that_stops_in_the_middle_of_the_HTTP2_preface_is_closed()
    {
        await using var partial = await RawHttp.ConnectAsync(server.BaseAddress);
        await partial.SendAsync("PRI * HTTP/2.0\r\n");

        Assert.True(await partial.ClosedByServerAsync());
    }

    [Fact]
    public async Task A_connection_beyond_the_limit_is_closed_unanswered_and_served_again_once_one_closes()
    {
        // The fixture's own client may hold a connection; fill what is left and keep every one open.
        var held = new List<RawHttp>();
        try
        {
            RawHttp? refused = null;
            for (var i = 0; i <= LimitsServerFixture.MaxConnections && refused is null; i++)
            {
                var connection = await RawHttp.ConnectAsync(server.BaseAddress);
                await connection.SendAsync(Live);
                if (await connection.ReadResponseAsync() is { } answer)
                {
                    Assert.StartsWith("HTTP/1.1 200 ", answer);
                    held.Add(connection);
                }
                else
                {
                    refused = connection;
                }
            }
            Assert.NotNull(refused);
            await refused.DisposeAsync();
            Assert.True(held.Count <= LimitsServerFixture.MaxConnections);

            await held[0].DisposeAsync();
            held.RemoveAt(0);
            await Eventually.EventuallyAsync(async () =>
            {
                await using var again = await RawHttp.ConnectAsync(server.BaseAddress);
                await again.SendAsync(Live);
                Assert.StartsWith("HTTP/1.1 200 ", await again.ReadResponseAsync());
            }, TimeSpan.FromSeconds(30));
        }
        finally
        {
            foreach (var connection in held) await connection.DisposeAsync();
        }
    }

    [Fact]
    public void The_limits_reach_Kestrel_and_have_bounded_defaults()
    {
        var limits = server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value.Limits;
        Assert.Equal(LimitsServerFixture.MaxConnections, limits.MaxConcurrentConnections);
        Assert.Equal(TimeSpan.FromSeconds(7), limits.RequestHeadersTimeout);
        Assert.Equal(1000, limits.MinRequestBodyDataRate!.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(3), limits.MinRequestBodyDataRate.GracePeriod);

        using var defaults = ActorStreamsServer.Create(["--port", "0"]);
        var standard = defaults.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value.Limits;
        Assert.Equal(ActorStreamsLimitsOptions.DefaultMaxConcurrentConnections, standard.MaxConcurrentConnections);
        Assert.Equal(ActorStreamsLimitsOptions.DefaultMaxConcurrentConnections, standard.MaxConcurrentUpgradedConnections);
        Assert.Equal(ActorStreamsLimitsOptions.DefaultRequestHeadersTimeout, standard.RequestHeadersTimeout);
        Assert.Equal(ActorStreamsLimitsOptions.DefaultMinRequestBodyBytesPerSecond, standard.MinRequestBodyDataRate!.BytesPerSecond);

        var zero = Assert.Throws<InvalidOperationException>(() => ActorStreamsServer.Create(["--port", "0", "--ActorStreams:Limits:MaxConcurrentConnections", "0"]));
        Assert.Contains("ActorStreams:Limits:MaxConcurrentConnections is 0", zero.Message);
        var negative = Assert.Throws<InvalidOperationException>(() => ActorStreamsServer.Create(["--port", "0", "--ActorStreams:Limits:H2cPrefaceTimeout", "-00:00:01"]));
        Assert.Contains("ActorStreams:Limits:H2cPrefaceTimeout", negative.Message);
    }
}
