namespace ActorStreams.Server.Tests;

/// <summary>The real AWS SDK for JavaScript v3 (<c>@aws-sdk/client-kinesis</c>, tests/js/kinesis-e2e.mjs) against the server, end to end.</summary>
public sealed class JavaScriptSdkTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_creates_writes_reads_lists_and_deletes_a_stream()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();

        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["kinesis-e2e.mjs", endpoint], TimeSpan.FromMinutes(3));

        Assert.True(code == 0, $"node kinesis-e2e.mjs {endpoint} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }

    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_subscribes_to_a_shard_over_h2c_and_resumes_from_the_continuation()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();

        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["subscribe-to-shard.mjs", endpoint], TimeSpan.FromMinutes(3));

        Assert.StartsWith("http://", endpoint);
        Assert.True(code == 0, $"node subscribe-to-shard.mjs {endpoint} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }
}

/// <summary>The same script over HTTPS: the SDK trusts the test's self-signed certificate through NODE_EXTRA_CA_CERTS.</summary>
public sealed class JavaScriptSdkTlsTests(TlsServerFixture server) : IClassFixture<TlsServerFixture>
{
    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_works_over_TLS()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();
        var ca = Path.Combine(server.DataDir, "server.crt");
        await File.WriteAllTextAsync(ca, server.Certificate.ExportCertificatePem());

        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["kinesis-e2e.mjs", endpoint], TimeSpan.FromMinutes(3),
            new Dictionary<string, string> { ["NODE_EXTRA_CA_CERTS"] = ca });

        Assert.StartsWith("https://", endpoint);
        Assert.True(code == 0, $"node kinesis-e2e.mjs {endpoint} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }

    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_subscribes_to_a_shard_over_TLS_with_ALPN_h2()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();
        var ca = Path.Combine(server.DataDir, "server-efo.crt");
        await File.WriteAllTextAsync(ca, server.Certificate.ExportCertificatePem());

        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["subscribe-to-shard.mjs", endpoint], TimeSpan.FromMinutes(3),
            new Dictionary<string, string> { ["NODE_EXTRA_CA_CERTS"] = ca });

        Assert.StartsWith("https://", endpoint);
        Assert.True(code == 0, $"node subscribe-to-shard.mjs {endpoint} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }
}
