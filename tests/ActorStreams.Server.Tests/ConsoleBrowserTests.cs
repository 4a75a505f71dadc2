namespace ActorStreams.Server.Tests;

/// <summary>The web console in headless chromium against the real server (tests/console/console-e2e.mjs).</summary>
public sealed class ConsoleBrowserTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [ConsoleBrowserFact]
    public async Task The_console_creates_a_stream_with_the_estimator_lists_it_splits_a_shard_and_shows_a_record_in_the_data_viewer()
    {
        await ConsoleBrowser.RunScriptAsync("console-e2e.mjs", server.BaseAddress.ToString().TrimEnd('/'), ConsoleBrowser.Artifacts);
        foreach (var page in new[] { "create-stream", "streams", "stream-detail", "data-viewer", "firehose" })
            Assert.True(new FileInfo(Path.Combine(ConsoleBrowser.Artifacts, page + ".png")) is { Exists: true, Length: > 10_000 }, $"screenshot {page}.png");
    }

    [JavaScriptSdkFact]
    public async Task The_console_SHA256_and_HMAC_used_outside_secure_contexts_match_node_crypto()
    {
        Assert.True(JavaScriptSdk.Node is not null, "node is not on PATH and CI is set.");
        var (code, stdout, stderr) = await ChildProcess.RunAsync(JavaScriptSdk.Node!, ["sigv4-fallback.mjs"], TimeSpan.FromMinutes(1), null, ConsoleBrowser.Directory);
        Assert.True(code == 0, $"node sigv4-fallback.mjs exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }
}

/// <summary>The console with SigV4 on: it asks for a key, signs every call in the browser, and a wrong key is refused.</summary>
public sealed class ConsoleBrowserAuthTests(AuthServerFixture server) : IClassFixture<AuthServerFixture>
{
    [ConsoleBrowserFact]
    public async Task The_console_signs_its_requests_with_the_key_the_user_enters()
    {
        await ConsoleBrowser.RunScriptAsync("console-e2e.mjs", server.BaseAddress.ToString().TrimEnd('/'), ConsoleBrowser.Artifacts,
            "--auth", AuthServerFixture.AccessKeyId, AuthServerFixture.SecretAccessKey);
        Assert.True(File.Exists(Path.Combine(ConsoleBrowser.Artifacts, "sign-in.png")));
    }
}
