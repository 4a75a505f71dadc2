using System.Diagnostics;

namespace ActorStreams.Server.Tests;

/// <summary>
/// The AWS SDK for JavaScript v3 end-to-end script in <c>tests/js</c> (<c>kinesis-e2e.mjs</c>) and the <c>node</c> that
/// runs it. ops/test.sh installs node (apt, when missing) and runs <c>npm ci</c> there before <c>dotnet test</c>;
/// when <c>node_modules</c> is still missing (a plain <c>dotnet test</c> on a fresh checkout) the first test runs
/// <c>npm ci</c> itself.
/// </summary>
public static class JavaScriptSdk
{
    /// <summary>Full path of <c>node</c> on PATH, or null.</summary>
    public static string? Node { get; } = FindOnPath("node");

    /// <summary>True on CI: <c>CI</c> set and not empty (as for the PostgreSQL specs).</summary>
    public static bool IsCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>The <c>tests/js</c> folder of the repository this test assembly was built from.</summary>
    public static string Directory { get; } = FindDirectory();

    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorStreams.sln")))
                return Path.Combine(dir.FullName, "tests", "js");
        }
        throw new DirectoryNotFoundException($"No ActorStreams.sln above {AppContext.BaseDirectory}; cannot find tests/js.");
    }

    public static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>Runs <c>npm ci</c> in tests/js unless the SDK is already installed there; fails the test when that does not work.</summary>
    public static async Task EnsureInstalledAsync()
    {
        // Every package of package.json: a node_modules from before a dependency was added is installed again.
        string[] markers =
        [
            Path.Combine(Directory, "node_modules", "@aws-sdk", "client-kinesis", "package.json"),
            Path.Combine(Directory, "node_modules", "aws-kinesis-agg", "package.json"),
        ];
        if (markers.All(File.Exists))
            return;
        await InstallLock.WaitAsync();
        try
        {
            if (markers.All(File.Exists))
                return;
            var npm = FindOnPath("npm");
            Assert.True(npm is not null, $"{string.Join(" or ", markers.Where(m => !File.Exists(m)))} is missing and npm is not on PATH (ops/test.sh runs `npm ci` in {Directory}).");
            var (code, stdout, stderr) = await RunAsync(npm!, ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5));
            Assert.True(code == 0 && markers.All(File.Exists), $"npm ci in {Directory} exited with {code}:\n{stdout}\n{stderr}");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>Runs a command in tests/js with a clean AWS environment; kills it after <paramref name="timeout"/>.</summary>
    public static Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null) =>
        // The script passes region and credentials itself; keep a developer's ~/.aws and AWS_* out of it.
        ChildProcess.RunAsync(file, args, timeout, environment, Directory);
}

/// <summary>
/// A fact that needs node. Skipped, saying why, only on a developer machine without node; when <c>CI</c> is set a
/// missing node is a failure, so the JavaScript SDK tests can never silently drop out of CI.
/// </summary>
public sealed class JavaScriptSdkFactAttribute : FactAttribute
{
    public JavaScriptSdkFactAttribute()
    {
        if (JavaScriptSdk.Node is null && !JavaScriptSdk.IsCi)
            Skip = "node is not installed (apt-get install nodejs npm; ops/test.sh does this). With CI set this fails instead.";
    }
}
