using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>
/// Runs the shell commands of docs/aws-cli.md ("Use it from the AWS CLI") and of the README's five-minute tour, each in
/// order and in one bash session (so <c>VAR=$(...)</c> carries over), with the real AWS CLI v2 against the real server.
/// The only change made to them is the endpoint: the docs' <c>http://127.0.0.1:4567</c> becomes this test server's address.
/// </summary>
public sealed partial class DocsAwsCliTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    public const string AwsCliPage = "docs/aws-cli.md";
    public const string Heading = "# Use it from the AWS CLI";
    public const string TourHeading = "## Five-minute tour";
    private const string DocsEndpoint = "http://127.0.0.1:4567";

    public static string RepositoryRoot { get; } = Path.GetFullPath(Path.Combine(JavaScriptSdk.Directory, "..", ".."));

    /// <summary>
    /// The commands of the fenced <c>sh</c> blocks of a markdown section (from its heading, which may open the page, to the
    /// next <c>## </c> heading): comments and blank lines dropped, <c>\</c> continuations joined.
    /// </summary>
    public static IReadOnlyList<string> SectionCommands(string markdown, string heading)
    {
        markdown = "\n" + markdown.ReplaceLineEndings("\n");
        var start = markdown.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section \"{heading}\"");
        var end = markdown.IndexOf("\n## ", start + heading.Length + 2, StringComparison.Ordinal);
        var section = end < 0 ? markdown[start..] : markdown[start..end];
        var commands = new List<string>();
        foreach (Match block in FencedShell().Matches(section))
        {
            var pending = new StringBuilder();
            foreach (var raw in block.Groups[1].Value.Split('\n'))
            {
                var line = raw.TrimEnd();
                if (pending.Length == 0 && (line.Length == 0 || line.TrimStart().StartsWith('#'))) continue;
                if (line.EndsWith('\\'))
                {
                    pending.Append(line[..^1].TrimEnd()).Append(' ');
                    continue;
                }
                pending.Append(line.Trim());
                commands.Add(pending.ToString());
                pending.Clear();
            }
            Assert.True(pending.Length == 0, $"a command ends in a continuation: {pending}");
        }
        return commands;
    }

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedShell();

    private sealed record Ran(string Command, int ExitCode, string Output);

    [AwsCliV2Fact]
    public async Task Every_command_of_the_AWS_CLI_page_runs_as_written()
    {
        var page = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, AwsCliPage));
        var commands = SectionCommands(page, Heading);
        // The section must keep showing what a Kinesis user needs; a shrunken one fails here.
        foreach (var needed in new[]
                 {
                     "create-stream", "describe-stream-summary", "--cli-binary-format raw-in-base64-out", "get-shard-iterator", "get-records",
                     "list-shards", "add-tags-to-stream", "list-tags-for-stream", "increase-stream-retention-period", "register-stream-consumer",
                     "list-stream-consumers", "delete-stream",
                 })
            Assert.True(commands.Any(c => c.Contains(needed, StringComparison.Ordinal)), $"{AwsCliPage} no longer shows {needed}");

        var ran = await RunAsync(commands, server.BaseAddress.ToString().TrimEnd('/'));

        foreach (var r in ran)
            Assert.True(r.ExitCode == 0, $"{AwsCliPage} command exited with {r.ExitCode}:\n{r.Command}\n{r.Output}");
        JsonElement Json(string command) => JsonDocument.Parse(ran.First(r => r.Command.Contains(command, StringComparison.Ordinal)).Output).RootElement;
        var summary = Json("kinesis describe-stream-summary --stream-name orders").GetProperty("StreamDescriptionSummary");
        Assert.Equal("ACTIVE", summary.GetProperty("StreamStatus").GetString());
        Assert.Equal(2, summary.GetProperty("OpenShardCount").GetInt32());
        Assert.Equal(2, Json("--shard-filter Type=AT_LATEST").GetProperty("Shards").GetArrayLength());
        var records = Json("get-records --shard-iterator \"$ITERATOR\"").GetProperty("Records").EnumerateArray()
            .Select(r => Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64())).ToArray();
        Assert.Equal(["order 1", "order 2", "order 3"], records);
        Assert.Equal("order 1", ran.Single(r => r.Command.Contains("base64 -d", StringComparison.Ordinal)).Output.Trim());
        var tags = Json("list-tags-for-stream").GetProperty("Tags").EnumerateArray().Select(t => $"{t.GetProperty("Key").GetString()}={t.GetProperty("Value").GetString()}");
        Assert.Equal(["team=payments"], tags);
        Assert.Equal(["analytics"], Json("list-stream-consumers").GetProperty("Consumers").EnumerateArray().Select(c => c.GetProperty("ConsumerName").GetString()));
        Assert.DoesNotContain("orders", Json("list-streams").GetProperty("StreamNames").EnumerateArray().Select(n => n.GetString()));
    }

    [AwsCliV2Fact]
    public async Task Every_command_of_the_README_tour_runs_as_written()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, "README.md"));
        var commands = SectionCommands(readme, TourHeading);
        // The tour must keep creating, writing and reading; a tour that lost a step fails here.
        foreach (var needed in new[] { "create-stream", "put-record", "get-shard-iterator", "get-records", "base64 -d" })
            Assert.True(commands.Any(c => c.Contains(needed, StringComparison.Ordinal)), $"the README's tour no longer shows {needed}");

        var ran = await RunAsync(commands, server.BaseAddress.ToString().TrimEnd('/'));

        foreach (var r in ran)
            Assert.True(r.ExitCode == 0, $"README tour command exited with {r.ExitCode}:\n{r.Command}\n{r.Output}");
        Assert.Equal("hello world", ran.Single(r => r.Command.Contains("base64 -d", StringComparison.Ordinal)).Output.Trim());
    }

    /// <summary>One bash script, each command between markers that record its output and exit code.</summary>
    private static async Task<List<Ran>> RunAsync(IReadOnlyList<string> commands, string endpoint)
    {
        var script = new StringBuilder("set -o pipefail\n");
        for (var i = 0; i < commands.Count; i++)
        {
            script.Append(Invariant($"printf '\\n@@begin {i}\\n'\n"));
            script.Append(commands[i].Replace(DocsEndpoint, endpoint, StringComparison.Ordinal)).Append('\n');
            script.Append(Invariant($"printf '\\n@@end {i} %d\\n' $?\n"));
        }
        var file = Path.Combine(Path.GetTempPath(), $"actorstreams-docs-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(file, script.ToString());
        try
        {
            // The v2 CLI the docs are written for first on PATH (a pip-installed v1 may come first otherwise).
            var path = $"{Path.GetDirectoryName(AwsCli.Installed!.Path)}:{Environment.GetEnvironmentVariable("PATH")}";
            var (code, stdout, stderr) = await ChildProcess.RunAsync("/bin/bash", [file], TimeSpan.FromMinutes(5),
                new Dictionary<string, string> { ["PATH"] = path });
            Assert.True(code == 0, $"bash exited with {code}:\n{stdout}\n{stderr}");
            var ran = new List<Ran>();
            for (var i = 0; i < commands.Count; i++)
            {
                var begin = stdout.IndexOf($"\n@@begin {i}\n", StringComparison.Ordinal);
                var endMatch = Regex.Match(stdout, $"\n@@end {i} (\\d+)\n");
                Assert.True(begin >= 0 && endMatch.Success, $"command {i} ({commands[i]}) did not run to its end marker:\n{stdout}\n{stderr}");
                var output = stdout[(begin + $"\n@@begin {i}\n".Length)..endMatch.Index];
                ran.Add(new Ran(commands[i], int.Parse(endMatch.Groups[1].Value), output + (endMatch.Groups[1].Value == "0" ? "" : "\nstderr:\n" + stderr)));
            }
            return ran;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>A fact that needs the AWS CLI v2 (the docs' commands use v2's <c>--cli-binary-format</c>); skipped, saying why, without it.</summary>
public sealed class AwsCliV2FactAttribute : FactAttribute
{
    public AwsCliV2FactAttribute()
    {
        if (AwsCli.Installed is not { IsV2: true })
            Skip = "The AWS CLI v2 is not installed (apt-get install awscli on Debian 12; ops/test.sh does this).";
    }
}
