namespace ActorStreams.Server.Tests;

/// <summary>
/// The web console's browser tests in <c>tests/console</c> (<c>console-e2e.mjs</c>, playwright-core driving the
/// system's Debian <c>chromium</c>; no browser is downloaded). ops/test.sh installs chromium (apt, when missing) and
/// runs <c>npm ci</c> there; a plain <c>dotnet test</c> on a fresh checkout runs <c>npm ci</c> in the first test.
/// Screenshots go to <c>artifacts/console</c> at the repository root (ignored by git; CI keeps them as artifacts).
/// </summary>
public static class ConsoleBrowser
{
    /// <summary>The browser: CHROMIUM_PATH, else Debian's /usr/bin/chromium, else null.</summary>
    public static string? Chromium { get; } = FindChromium();

    /// <summary>The repository root (the folder holding ActorStreams.sln).</summary>
    public static string RepositoryRoot { get; } = Path.GetDirectoryName(Path.GetDirectoryName(JavaScriptSdk.Directory))!;

    /// <summary>The <c>tests/console</c> npm project.</summary>
    public static string Directory { get; } = Path.Combine(RepositoryRoot, "tests", "console");

    /// <summary>Where the screenshots go.</summary>
    public static string Artifacts { get; } = Path.Combine(RepositoryRoot, "artifacts", "console");

    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private static string? FindChromium()
    {
        var configured = Environment.GetEnvironmentVariable("CHROMIUM_PATH");
        if (!string.IsNullOrEmpty(configured)) return File.Exists(configured) ? configured : null;
        return File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : JavaScriptSdk.FindOnPath("chromium");
    }

    /// <summary>Runs <c>npm ci</c> in tests/console unless playwright-core is already there; fails the test when that does not work.</summary>
    public static async Task EnsureInstalledAsync()
    {
        var marker = Path.Combine(Directory, "node_modules", "playwright-core", "package.json");
        if (File.Exists(marker)) return;
        await InstallLock.WaitAsync();
        try
        {
            if (File.Exists(marker)) return;
            var npm = JavaScriptSdk.FindOnPath("npm");
            Assert.True(npm is not null, $"{marker} is missing and npm is not on PATH (ops/test.sh runs `npm ci` in {Directory}).");
            var (code, stdout, stderr) = await ChildProcess.RunAsync(npm!, ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5), null, Directory);
            Assert.True(code == 0 && File.Exists(marker), $"npm ci in {Directory} exited with {code}:\n{stdout}\n{stderr}");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>Runs a node script of tests/console and asserts it exits 0 printing <c>"ok": true</c>.</summary>
    public static async Task RunScriptAsync(params string[] args)
    {
        Assert.True(JavaScriptSdk.Node is not null, "node is not on PATH and CI is set: the console tests must run in CI (ops/test.sh installs nodejs and npm).");
        Assert.True(Chromium is not null, "chromium is not installed and CI is set: the console tests must run in CI (ops/test.sh installs Debian's chromium).");
        await EnsureInstalledAsync();
        var (code, stdout, stderr) = await ChildProcess.RunAsync(JavaScriptSdk.Node!, args, TimeSpan.FromMinutes(5),
            new Dictionary<string, string> { ["CHROMIUM_PATH"] = Chromium! }, Directory);
        Assert.True(code == 0, $"node {string.Join(' ', args)} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }
}

/// <summary>
/// A fact that needs node and chromium. Skipped, saying why, only on a developer machine without them; when <c>CI</c>
/// is set a missing one is a failure, so the console tests never silently drop out of CI.
/// </summary>
public sealed class ConsoleBrowserFactAttribute : FactAttribute
{
    public ConsoleBrowserFactAttribute()
    {
        if ((JavaScriptSdk.Node is null || ConsoleBrowser.Chromium is null) && !JavaScriptSdk.IsCi)
            Skip = "node or chromium is not installed (apt-get install nodejs npm chromium; ops/test.sh does this). With CI set this fails instead.";
    }
}
