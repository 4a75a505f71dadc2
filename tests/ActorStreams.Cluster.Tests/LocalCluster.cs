using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text;
using ActorStreams.TestSupport;
using Npgsql;

namespace ActorStreams.Cluster.Tests;

/// <summary>
/// A real three-node cluster of ActorStreams.Server processes, run by <c>ops/cluster.sh</c> (the script operators
/// use) on free loopback ports, with its journal in a fresh schema of the test PostgreSQL database
/// (<c>ACTORSTREAMS_TEST_POSTGRES</c>).
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    public const string PostgresVariable = "ACTORSTREAMS_TEST_POSTGRES";

    /// <summary>The xUnit collection of every test that starts a cluster: they use the same ports, so they run one at a time.</summary>
    public const string Collection = "local cluster";

    private readonly string _dir = Directory.CreateTempSubdirectory("actorstreams-cluster-test-").FullName;
    private readonly string _schema = $"cluster_{Guid.NewGuid():N}"[..20];
    private readonly Dictionary<string, string> _environment;
    private readonly Action<string> _log;

    private LocalCluster(string postgres, Action<string> log)
    {
        _log = log;
        var ports = LoopbackPort.Free(6);
        HttpPorts = ports[..3];
        using (var connection = new NpgsqlConnection(postgres))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"CREATE SCHEMA \"{_schema}\"";
            command.ExecuteNonQuery();
        }
        Postgres = postgres;
        _environment = new Dictionary<string, string>
        {
            ["ACTORSTREAMS_CLUSTER_DIR"] = _dir,
            ["ACTORSTREAMS_CLUSTER_HTTP_PORTS"] = string.Join(' ', ports[..3]),
            ["ACTORSTREAMS_CLUSTER_REMOTE_PORTS"] = string.Join(' ', ports[3..]),
            ["ACTORSTREAMS_CLUSTER_PG"] = new NpgsqlConnectionStringBuilder(postgres) { SearchPath = _schema }.ConnectionString,
            ["ACTORSTREAMS_CLUSTER_SERVER_DLL"] = Metadata("ServerDllPath"),
        };
    }

    public int[] HttpPorts { get; }

    private string Postgres { get; }

    public Uri Node(int n) => new($"http://127.0.0.1:{HttpPorts[n - 1]}/");

    /// <summary>Why the cluster tests cannot run here, or null. On CI (<c>CI</c> set) they never skip.</summary>
    public static string? SkipReason =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresVariable)) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
            ? $"{PostgresVariable} not set"
            : null;

    public static async Task<LocalCluster> StartAsync(Action<string> log, CancellationToken cancellationToken)
    {
        var postgres = Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{PostgresVariable} is not set but CI is: the cluster tests must run on CI. Start the database with " +
                $"`bash ops/postgres.sh start` and export {PostgresVariable}=\"$(bash ops/postgres.sh env)\".");
        var cluster = new LocalCluster(postgres, log);
        try
        {
            await cluster.RunAsync(cancellationToken, "start");
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>SIGKILL node <paramref name="n"/>.</summary>
    public Task KillAsync(int n, CancellationToken cancellationToken) => RunAsync(cancellationToken, "kill", n.ToString());

    /// <summary>SIGTERM node <paramref name="n"/> and wait until its process is gone.</summary>
    public Task LeaveAsync(int n, CancellationToken cancellationToken) => RunAsync(cancellationToken, "leave", n.ToString());

    /// <summary>SIGSTOP node <paramref name="n"/>: frozen, its sockets open.</summary>
    public Task PauseAsync(int n, CancellationToken cancellationToken) => RunAsync(cancellationToken, "pause", n.ToString());

    /// <summary>SIGCONT node <paramref name="n"/>.</summary>
    public Task ResumeAsync(int n, CancellationToken cancellationToken) => RunAsync(cancellationToken, "resume", n.ToString());

    /// <summary>Start node <paramref name="n"/> again and wait until it answers.</summary>
    public Task RestartAsync(int n, CancellationToken cancellationToken) => RunAsync(cancellationToken, "restart", n.ToString());

    /// <summary>The last lines of every node's log, for a failure message.</summary>
    public string LogTails(int lines = 40)
    {
        var sb = new StringBuilder();
        for (var n = 1; n <= 3; n++)
        {
            var file = Path.Combine(_dir, $"node{n}", "server.log");
            if (!File.Exists(file)) continue;
            sb.AppendLine($"---- node {n} ({file}) ----");
            foreach (var line in File.ReadLines(file).TakeLast(lines)) sb.AppendLine(line);
        }
        return sb.ToString();
    }

    /// <summary>Lines of node <paramref name="n"/>'s log that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLines(int n, string text)
    {
        var file = Path.Combine(_dir, $"node{n}", "server.log");
        if (!File.Exists(file)) return [];
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            if (line.Contains(text, StringComparison.Ordinal)) lines.Add(line);
        return lines;
    }

    /// <summary>
    /// The objects of <paramref name="bucket"/> in the directory object store of every node (each node writes under its
    /// own data directory; a delivery stream delivers from the node that runs it), temporary files excluded.
    /// </summary>
    public IReadOnlyList<FileInfo> ObjectFiles(string bucket) =>
        Enumerable.Range(1, 3)
            .Select(n => Path.Combine(_dir, $"node{n}", "data", "objects", bucket))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Select(f => new FileInfo(f))
            .ToList();

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await RunAsync(cts.Token, "stop");
        }
        catch (Exception e)
        {
            _log($"stopping the cluster failed: {e.Message}");
        }
        LogNodeExtracts();
        var keep = Environment.GetEnvironmentVariable("ACTORSTREAMS_KEEP_CLUSTER_LOGS") == "1";
        if (keep) _log($"schema {_schema} kept");
        try
        {
            if (keep) throw new OperationCanceledException();
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(Postgres);
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE";
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log($"dropping schema {_schema} failed: {e.Message}");
        }
        catch (OperationCanceledException)
        {
        }
        if (keep)
        {
            _log($"logs kept in {_dir}");
            return;
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// What each node logged about membership, downing, shutdown and errors (the last 40 such lines of each of its
    /// logs), into the test's output: xunit shows it for a failed test, so a failure on a machine whose temporary
    /// directories are gone (CI) can still be read.
    /// </summary>
    private void LogNodeExtracts()
    {
        string[] markers = ["ERROR", "WARNING", "unreachable", "Unreachable", "Down", "down", "Leader", "Shutting down", "exit", "Exit", "Marking", "SBR"];
        try
        {
            foreach (var log in Directory.EnumerateFiles(_dir, "server*.log", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var lines = File.ReadLines(log).Where(l => markers.Any(m => l.Contains(m, StringComparison.Ordinal))).TakeLast(40).ToList();
                _log($"{Path.GetRelativePath(_dir, log)}: {lines.Count} lines about membership, downing and errors (the last 40):\n" +
                    string.Join('\n', lines.Select(l => l.Length > 400 ? l[..400] + " ..." : l)));
            }
        }
        catch (IOException e)
        {
            _log($"reading the nodes' logs failed: {e.Message}");
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var script = Path.Combine(Metadata("RepositoryRoot"), "ops", "cluster.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in _environment) start.Environment[name] = value;
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: false);
            throw new TimeoutException($"ops/cluster.sh {string.Join(' ', args)} did not finish in time.\n{LogTails()}");
        }
        var output = (await stdout + await stderr).Trim();
        _log($"ops/cluster.sh {string.Join(' ', args)} ({watch.Elapsed.TotalSeconds:F1} s): {output}");
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ops/cluster.sh {string.Join(' ', args)} exited with {process.ExitCode}:\n{output}\n{LogTails()}");
    }

    private static string Metadata(string key) =>
        typeof(LocalCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} missing");
}
