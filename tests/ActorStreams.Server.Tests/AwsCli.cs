using System.Diagnostics;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// Finds a working AWS CLI: the Debian package's <c>/usr/bin/aws</c> (v2) first, then any <c>aws</c> on PATH
/// (a v1 from pip works too; it lacks <c>--no-cli-pager</c> and <c>--cli-binary-format</c> and needs neither).
/// </summary>
public sealed class AwsCli
{
    private AwsCli(string path, bool isV2)
    {
        Path = path;
        IsV2 = isV2;
    }

    public string Path { get; }

    public bool IsV2 { get; }

    public static AwsCli? Installed { get; } = Find();

    private static AwsCli? Find()
    {
        var candidates = new List<string> { "/usr/bin/aws" };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            candidates.Add(System.IO.Path.Combine(dir, "aws"));
        foreach (var path in candidates.Where(File.Exists).Distinct())
        {
            try
            {
                var (code, stdout, stderr) = RunAsync(path, ["--version"], TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
                var version = stdout + stderr;
                if (code == 0 && version.StartsWith("aws-cli/", StringComparison.Ordinal))
                    return new AwsCli(path, version.StartsWith("aws-cli/2", StringComparison.Ordinal));
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or TimeoutException)
            {
                // not runnable: try the next one
            }
        }
        return null;
    }

    /// <summary>Runs <c>aws kinesis ...</c> against the endpoint with dummy credentials; returns the parsed JSON output (or default when there is none).</summary>
    public Task<JsonElement> KinesisAsync(Uri endpoint, params string[] args) => KinesisAsAsync(endpoint, "test", "test", args);

    /// <summary>Runs <c>aws kinesis ...</c> with the given access key pair; it must succeed.</summary>
    public async Task<JsonElement> KinesisAsAsync(Uri endpoint, string accessKeyId, string secretAccessKey, params string[] args)
    {
        var (code, stdout, stderr) = await RunKinesisAsync(endpoint, accessKeyId, secretAccessKey, args);
        Assert.True(code == 0, $"aws kinesis {string.Join(' ', args)} exited with {code}: {stderr}");
        return string.IsNullOrWhiteSpace(stdout) ? default : JsonDocument.Parse(stdout).RootElement.Clone();
    }

    /// <summary>Runs <c>aws kinesis ...</c> with the given access key pair; it must fail, and its error output is returned.</summary>
    public async Task<string> KinesisFailsAsync(Uri endpoint, string accessKeyId, string secretAccessKey, params string[] args)
    {
        var (code, stdout, stderr) = await RunKinesisAsync(endpoint, accessKeyId, secretAccessKey, args);
        Assert.True(code != 0, $"aws kinesis {string.Join(' ', args)} was expected to fail but printed: {stdout}");
        return stderr;
    }

    /// <summary>Runs <c>aws firehose ...</c> against the endpoint with dummy credentials; it must succeed.</summary>
    public async Task<JsonElement> FirehoseAsync(Uri endpoint, params string[] args)
    {
        var (code, stdout, stderr) = await RunServiceAsync("firehose", endpoint, "test", "test", args);
        Assert.True(code == 0, $"aws firehose {string.Join(' ', args)} exited with {code}: {stderr}");
        return string.IsNullOrWhiteSpace(stdout) ? default : JsonDocument.Parse(stdout).RootElement.Clone();
    }

    /// <summary>Runs <c>aws firehose ...</c>; it must fail, and its error output is returned.</summary>
    public async Task<string> FirehoseFailsAsync(Uri endpoint, params string[] args)
    {
        var (code, stdout, stderr) = await RunServiceAsync("firehose", endpoint, "test", "test", args);
        Assert.True(code != 0, $"aws firehose {string.Join(' ', args)} was expected to fail but printed: {stdout}");
        return stderr;
    }

    /// <summary>The arguments that make the CLI take blobs inside JSON or shorthand as raw text (v2 expects base64 by default).</summary>
    public string[] RawBlobs => IsV2 ? ["--cli-binary-format", "raw-in-base64-out"] : [];

    private Task<(int Code, string Stdout, string Stderr)> RunKinesisAsync(Uri endpoint, string accessKeyId, string secretAccessKey, string[] args) =>
        RunServiceAsync("kinesis", endpoint, accessKeyId, secretAccessKey, args);

    private Task<(int Code, string Stdout, string Stderr)> RunServiceAsync(string service, Uri endpoint, string accessKeyId, string secretAccessKey, string[] args)
    {
        var all = new List<string> { "--endpoint-url", endpoint.ToString().TrimEnd('/'), "--region", "us-east-1", "--output", "json" };
        if (IsV2) all.Add("--no-cli-pager");
        all.Add(service);
        all.AddRange(args);
        return RunAsync(Path, all, TimeSpan.FromMinutes(2), accessKeyId, secretAccessKey);
    }

    /// <summary>The arguments that pass a literal string as a blob: v2 needs to be told not to expect base64.</summary>
    public string[] RawBlob(string name, string value) => IsV2 ? [name, value, "--cli-binary-format", "raw-in-base64-out"] : [name, value];

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout,
        string accessKeyId = "test", string secretAccessKey = "test") =>
        ChildProcess.RunAsync(file, args, timeout, new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = accessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = secretAccessKey,
            ["AWS_DEFAULT_REGION"] = "us-east-1",
        });
}

/// <summary>A fact that needs the AWS CLI; skipped, saying why, when none is installed (ops/test.sh installs it).</summary>
public sealed class AwsCliFactAttribute : FactAttribute
{
    public AwsCliFactAttribute()
    {
        if (AwsCli.Installed is null)
            Skip = "The AWS CLI is not installed (apt-get install awscli; ops/test.sh does this).";
    }
}
