using System.Diagnostics;

namespace ActorStreams.Server.Tests;

/// <summary>Runs the real clients (AWS CLI, node, npm) as child processes, isolated from a developer's AWS setup.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Runs <paramref name="file"/> with no AWS profile, session token, credentials, endpoint override, ~/.aws or
    /// instance metadata, plus <paramref name="environment"/>; kills it after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        foreach (var a in args) start.ArgumentList.Add(a);
        var scratch = Path.Combine(Path.GetTempPath(), "actorstreams-aws-none");
        foreach (var name in new[] { "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS" })
            start.Environment.Remove(name);
        start.Environment["AWS_CONFIG_FILE"] = scratch + "-config";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = scratch + "-credentials";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_PAGER"] = "";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
