using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorStreams.Kinesis;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ActorStreams.Server.Tests;

/// <summary>A self-signed server certificate for 127.0.0.1 and localhost, made in the test.</summary>
public static class TestCertificate
{
    public static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>An HttpClient handler that trusts exactly <paramref name="certificate"/>.</summary>
    public static SocketsHttpHandler TrustingOnly(X509Certificate2 certificate) => new()
    {
        SslOptions =
        {
            RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetCertHashString() == certificate.GetCertHashString(),
        },
    };
}

/// <summary>The server with <c>ActorStreams:Tls</c> set to a PFX file (by <c>--tls-cert</c> and <c>--tls-password</c>).</summary>
public sealed class TlsServerFixture : ServerFixture
{
    private const string Password = "pfx-test-password";

    // Initialized before the base constructor runs CreateHandler.
    public X509Certificate2 Certificate { get; } = TestCertificate.Create();

    protected override HttpMessageHandler CreateHandler() => TestCertificate.TrustingOnly(Certificate);

    protected override string[] ExtraArgs()
    {
        var pfx = Path.Combine(DataDir, "server.pfx");
        File.WriteAllBytes(pfx, Certificate.Export(X509ContentType.Pkcs12, Password));
        return ["--tls-cert", pfx, "--tls-password", Password];
    }
}

public sealed class TlsTests(TlsServerFixture server) : IClassFixture<TlsServerFixture>
{
    [Fact]
    public void The_server_listens_on_https()
    {
        Assert.Equal(Uri.UriSchemeHttps, server.BaseAddress.Scheme);
    }

    [Fact]
    public async Task HTTP_1_1_over_TLS_works()
    {
        var name = await server.CreateStreamAsync("tls1");

        using var response = await server.Http.SendAsync(ServerFixture.Request("DescribeStreamSummary", $"{{\"StreamName\":\"{name}\"}}", HttpVersion.Version11));
        var reply = await KinesisReply.ReadAsync(response);

        Assert.True(reply.Status == HttpStatusCode.OK, reply.Text);
        Assert.Equal(HttpVersion.Version11, reply.Version);
        Assert.Equal(name, reply.Json.GetProperty("StreamDescriptionSummary").GetProperty("StreamName").GetString());
    }

    [Fact]
    public async Task HTTP_2_over_TLS_is_negotiated_by_ALPN()
    {
        var name = await server.CreateStreamAsync("tls2");

        using var response = await server.Http.SendAsync(ServerFixture.Request("DescribeStreamSummary", $"{{\"StreamName\":\"{name}\"}}", HttpVersion.Version20));
        var reply = await KinesisReply.ReadAsync(response);

        Assert.True(reply.Status == HttpStatusCode.OK, reply.Text);
        Assert.Equal(HttpVersion.Version20, reply.Version);
        Assert.Equal(name, reply.Json.GetProperty("StreamDescriptionSummary").GetProperty("StreamName").GetString());
        Assert.True(Guid.TryParse(reply.RequestId, out _));
    }

    [Fact]
    public async Task Errors_come_back_over_TLS_as_usual()
    {
        using var response = await server.Http.SendAsync(ServerFixture.Request("DescribeStream", "{\"StreamName\":\"tls-ghost\"}", HttpVersion.Version20));
        var reply = await KinesisReply.ReadAsync(response);

        reply.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
    }

    [Fact]
    public async Task A_cleartext_request_to_the_TLS_port_gets_no_answer()
    {
        using var http = new HttpClient { BaseAddress = new UriBuilder(server.BaseAddress) { Scheme = Uri.UriSchemeHttp }.Uri, Timeout = TimeSpan.FromSeconds(30) };

        await Assert.ThrowsAnyAsync<Exception>(() => http.SendAsync(ServerFixture.Request("ListStreams", "{}", HttpVersion.Version11)));
    }
}

/// <summary>TLS from PEM files (<c>ActorStreams:Tls:CertificatePath</c> + <c>KeyPath</c>) and the start-up checks.</summary>
public sealed class TlsConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorstreams-tls-tests-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string[] Args(params string[] more) =>
        ["--port", "0", "--data-dir", Path.Combine(_dir, "data"), "--Logging:LogLevel:Default", "Warning", .. more];

    [Fact]
    public async Task PEM_certificate_and_key_files_serve_HTTP_2_over_TLS()
    {
        using var certificate = TestCertificate.Create();
        var certPath = Path.Combine(_dir, "server.crt");
        var keyPath = Path.Combine(_dir, "server.key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        using (var rsa = certificate.GetRSAPrivateKey()!)
            File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());

        await using var app = ActorStreamsServer.Create(Args($"--ActorStreams:Tls:CertificatePath={certPath}", $"--ActorStreams:Tls:KeyPath={keyPath}"));
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            using var http = new HttpClient(TestCertificate.TrustingOnly(certificate)) { BaseAddress = address };
            using var response = await http.SendAsync(ServerFixture.Request("ListStreams", "{}", HttpVersion.Version20));

            Assert.Equal("https", address.Scheme);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(HttpVersion.Version20, response.Version);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public void A_missing_certificate_file_stops_the_start()
    {
        var missing = Path.Combine(_dir, "nope.pfx");

        var error = Assert.Throws<FileNotFoundException>(() => ActorStreamsServer.Create(Args("--tls-cert", missing)));

        Assert.Contains("ActorStreams:Tls:CertificatePath", error.Message);
    }

    [Fact]
    public void A_wrong_PFX_password_stops_the_start_with_a_clear_message()
    {
        using var certificate = TestCertificate.Create();
        var pfx = Path.Combine(_dir, "server.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, "right"));

        var error = Assert.Throws<InvalidOperationException>(() => ActorStreamsServer.Create(Args("--tls-cert", pfx, "--tls-password", "wrong")));

        Assert.Contains("cannot load the certificate", error.Message);
    }
}
