using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using ActorStreams.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Cluster.Tests;

/// <summary>Runs as root only: it mounts a tmpfs (skipped otherwise, on CI too, whose runner may not be root).</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess) Skip = "mounting a tmpfs needs root";
    }
}

/// <summary>
/// A server process whose journal refuses writes under a PutRecords load: its SQLite file system written full, or its
/// PostgreSQL stopped. Every request is answered with InternalFailure naming the journal (never the ask timeout), a
/// Firehose put with ServiceUnavailableException, /health/ready is red, the fault is logged a bounded number of
/// times; once the journal takes writes again the node is ready and writes by itself, and every acknowledged record
/// reads back.
/// </summary>
public sealed class JournalFaultTests(ITestOutputHelper output)
{
    private const string StreamName = "faults";
    private const int Shards = 4;
    private const int Producers = 4;
    private const int EntriesPerCall = 25;
    private const int RecordBytes = 16 * 1024;
    private const string JournalRefuses = "journal refuses writes";
    // Lines the server may log while the fault lasts: the fault once, its end once, a few readiness answers and
    // Akka's dead letters of appends that reached a stopping shard (which Akka stops logging after ten).
    private const int MaxFaultLogLines = 50;
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    [RootFact]
    public async Task A_journal_on_a_full_file_system_must_fail_fast_turn_readiness_red_and_recover_when_space_is_freed()
    {
        using var budget = new CancellationTokenSource(Budget);
        var mount = Directory.CreateTempSubdirectory("actorstreams-journal-full-").FullName;
        await RunAsync("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mount], budget.Token);
        try
        {
            // Written first, deleted to end the fault: the journal gets the rest of the 24 MiB.
            var filler = Path.Combine(mount, "filler");
            await File.WriteAllBytesAsync(filler, new byte[16 * 1024 * 1024], budget.Token);
            await using var server = await ServerProcess.StartAsync(output, budget.Token, "--data-dir", Path.Combine(mount, "data"));
            await FaultUnderLoadAsync(server, budget.Token,
                fault: null,
                repair: () =>
                {
                    File.Delete(filler);
                    return Task.CompletedTask;
                });
        }
        finally
        {
            await RunAsync("umount", ["-l", mount], CancellationToken.None);
            Directory.Delete(mount, recursive: true);
        }
    }

    [Fact]
    public async Task A_PostgreSQL_journal_that_stops_must_fail_fast_turn_readiness_red_and_recover_when_it_is_back()
    {
        using var budget = new CancellationTokenSource(Budget);
        var dir = Directory.CreateTempSubdirectory("actorstreams-journal-pg-");
        // ops/postgres.sh runs the server as the postgres OS user, which must reach the directory.
        File.SetUnixFileMode(dir.FullName, (UnixFileMode)0b111_101_101);
        var port = LoopbackPort.Free();
        var environment = new Dictionary<string, string> { ["ACTORSTREAMS_PG_DIR"] = dir.FullName, ["ACTORSTREAMS_PG_PORT"] = port.ToString(CultureInfo.InvariantCulture) };
        Task Postgres(string command) => RunAsync("bash", [Path.Combine(Metadata("RepositoryRoot"), "ops", "postgres.sh"), command], budget.Token, environment);
        await Postgres("start");
        try
        {
            var connection = $"Host=127.0.0.1;Port={port};Username=actorstreams;Password=actorstreams;Database=actorstreams";
            await using var server = await ServerProcess.StartAsync(output, budget.Token, "--journal", "postgresql", "--pg", connection);
            await FaultUnderLoadAsync(server, budget.Token, fault: () => Postgres("stop"), repair: () => Postgres("start"));
        }
        finally
        {
            await RunAsync("bash", [Path.Combine(Metadata("RepositoryRoot"), "ops", "postgres.sh"), "stop"], CancellationToken.None, environment);
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Puts under load until the journal refuses (after <paramref name="fault"/>, or by itself when the disk fills),
    /// checks the answers, readiness and log while it lasts, <paramref name="repair"/>s it, and checks recovery and that
    /// every acknowledged record is stored.
    /// </summary>
    private async Task FaultUnderLoadAsync(ServerProcess server, CancellationToken cancellationToken, Func<Task>? fault, Func<Task> repair)
    {
        using var http = new KinesisHttp();
        var node = server.Node;
        await http.OkAsync(node, "CreateStream", new { StreamName, ShardCount = Shards }, cancellationToken);
        await Eventually.EventuallyAsync(async () =>
        {
            var summary = await http.OkAsync(node, "DescribeStreamSummary", new { StreamName }, cancellationToken);
            return summary.GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString() == "ACTIVE";
        }, "the stream to become ACTIVE", TimeSpan.FromSeconds(30), PollInterval, cancellationToken);
        await http.OkAsync(node, AwsJsonRequest.Firehose + "CreateDeliveryStream", new
        {
            DeliveryStreamName = StreamName,
            DeliveryStreamType = "DirectPut",
            ExtendedS3DestinationConfiguration = new
            {
                BucketARN = "arn:aws:s3:::faults",
                RoleARN = "arn:aws:iam::000000000000:role/firehose",
                BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 60 },
            },
        }, cancellationToken);

        var load = new Load(http, node);
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() => load.ProduceAsync(p, stopLoad.Token))).ToArray();
        try
        {
            await Eventually.EventuallyAsync(() => load.Acks.Count >= 100, "the load to be acknowledged", TimeSpan.FromSeconds(60), PollInterval, cancellationToken);
            var faultLogStart = server.LineCount;
            if (fault is not null) await fault();
            await Eventually.EventuallyAsync(() => !load.Refusals.IsEmpty, "an entry refused by the journal", TimeSpan.FromSeconds(60), PollInterval, cancellationToken);

            // Refused at once, by every path: PutRecords entries (above), PutRecord, a Firehose put; and not ready.
            var (status, body) = await http.CallAsync(node, "PutRecord",
                new { StreamName, PartitionKey = "single", Data = Convert.ToBase64String("single"u8.ToArray()) }, TimeSpan.FromSeconds(60), cancellationToken);
            Assert.Equal(HttpStatusCode.InternalServerError, status);
            Assert.Equal("InternalFailure", body.GetProperty("__type").GetString());
            Assert.Contains(JournalRefuses, body.GetProperty("message").GetString());
            (status, body) = await http.CallAsync(node, AwsJsonRequest.Firehose + "PutRecord",
                new { DeliveryStreamName = StreamName, Record = new { Data = Convert.ToBase64String("firehose"u8.ToArray()) } }, TimeSpan.FromSeconds(60), cancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("ServiceUnavailableException", body.GetProperty("__type").GetString());
            Assert.Contains(JournalRefuses, body.GetProperty("message").GetString());
            var (readyStatus, ready) = await ReadyAsync(node, cancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, readyStatus);
            Assert.False(ready.GetProperty("checks").GetProperty("journal").GetProperty("ok").GetBoolean());
            Assert.Contains(JournalRefuses, ready.GetProperty("checks").GetProperty("journal").GetProperty("detail").GetString());

            // The load goes on against the fault for a while: every call is answered, refused by the journal.
            var callsBefore = load.Calls;
            await Eventually.EventuallyAsync(() => load.Calls >= callsBefore + 20, "20 more calls during the fault", TimeSpan.FromSeconds(60), PollInterval, cancellationToken);

            await repair();
            await Eventually.EventuallyAsync(async () => (await ReadyAsync(node, cancellationToken)).Status == HttpStatusCode.OK,
                "/health/ready to be green again", TimeSpan.FromSeconds(60), PollInterval, cancellationToken);
            var faultLines = server.LinesSince(faultLogStart);
            var acksAfter = load.Acks.Count;
            await Eventually.EventuallyAsync(() => load.Acks.Count >= acksAfter + EntriesPerCall, "the load to be acknowledged again", TimeSpan.FromSeconds(60), PollInterval, cancellationToken);

            output.WriteLine($"{load.Calls} calls, {load.Acks.Count} records acknowledged, {load.Refusals.Count} entries refused by the journal; " +
                $"{faultLines.Count} log lines during the fault");
            Assert.Empty(load.Unexpected);
            Assert.True(faultLines.Count < MaxFaultLogLines, $"{faultLines.Count} log lines during the fault:\n{string.Join('\n', faultLines)}");
            Assert.Contains(faultLines, line => line.Contains("The journal failed", StringComparison.Ordinal));
            Assert.Contains(server.LinesSince(faultLogStart), line => line.Contains("The journal accepts writes again", StringComparison.Ordinal));
        }
        finally
        {
            await stopLoad.CancelAsync();
            await Task.WhenAll(producers.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default)));
        }

        var stored = new HashSet<(string Sequence, string Id)>();
        for (var shard = 0; shard < Shards; shard++)
            foreach (var (sequence, data) in await ReadShardAsync(http, node, shard, cancellationToken)) stored.Add((sequence, data.Split(' ')[0]));
        var missing = load.Acks.Where(ack => !stored.Contains((ack.Key, ack.Value))).Take(5).ToList();
        Assert.True(missing.Count == 0, $"acknowledged but not stored: {string.Join(", ", missing.Select(m => $"{m.Value} at {m.Key}"))}");
    }

    /// <summary>
    /// Producers putting records of <see cref="RecordBytes"/> in calls of <see cref="EntriesPerCall"/>, one call in flight
    /// each. Acknowledged entries (their ids by sequence number); entries the journal refused; and any other failure but throttling.
    /// </summary>
    private sealed class Load(KinesisHttp http, Uri node)
    {
        private long _calls;

        public ConcurrentDictionary<string, string> Acks { get; } = new();

        public ConcurrentQueue<string> Refusals { get; } = new();

        public ConcurrentQueue<string> Unexpected { get; } = new();

        public long Calls => Interlocked.Read(ref _calls);

        public async Task ProduceAsync(int producer, CancellationToken cancellationToken)
        {
            var padding = new string('x', RecordBytes);
            for (long n = 0; !cancellationToken.IsCancellationRequested; n++)
            {
                var ids = Enumerable.Range(0, EntriesPerCall).Select(i => $"p{producer}-{n}-{i}").ToArray();
                var records = ids.Select(id => new { PartitionKey = id, Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(id + " " + padding)) }).ToArray();
                HttpStatusCode status;
                JsonElement body;
                try
                {
                    (status, body) = await http.CallAsync(node, "PutRecords", new { StreamName, Records = records }, TimeSpan.FromSeconds(60), cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                Interlocked.Increment(ref _calls);
                if (status != HttpStatusCode.OK)
                {
                    Unexpected.Enqueue($"PutRecords: HTTP {(int)status} {body}");
                    continue;
                }
                var refused = false;
                var entries = body.GetProperty("Records").EnumerateArray().ToArray();
                for (var i = 0; i < entries.Length; i++)
                {
                    if (entries[i].TryGetProperty("SequenceNumber", out var sequence))
                    {
                        Acks[sequence.GetString()!] = ids[i];
                        continue;
                    }
                    var code = entries[i].GetProperty("ErrorCode").GetString();
                    var message = entries[i].GetProperty("ErrorMessage").GetString() ?? "";
                    if (code == "ProvisionedThroughputExceededException") continue;
                    // The first refusals are the writes in flight when the journal failed ("Writing to ... failed (...)");
                    // every later one names the fault. Neither waited for the ask timeout.
                    if (code == "InternalFailure" && !message.Contains("No answer within", StringComparison.Ordinal))
                    {
                        Refusals.Enqueue(message);
                        refused = true;
                    }
                    else
                    {
                        Unexpected.Enqueue($"entry {i}: {code} {message}");
                    }
                }
                // A client backs off after a refusal; a short pause keeps the test's own loop from spinning.
                if (refused) await Task.Delay(100, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(Uri node, CancellationToken cancellationToken)
    {
        using var client = new HttpClient();
        using var response = await client.GetAsync(new Uri(node, "/health/ready"), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<List<(string Sequence, string Data)>> ReadShardAsync(KinesisHttp http, Uri node, int shard, CancellationToken cancellationToken)
    {
        var shardId = $"shardId-{shard:D12}";
        var iterator = (await http.OkAsync(node, "GetShardIterator",
            new { StreamName, ShardId = shardId, ShardIteratorType = "TRIM_HORIZON" }, cancellationToken)).GetProperty("ShardIterator").GetString();
        var records = new List<(string, string)>();
        while (true)
        {
            var (status, body) = await http.CallAsync(node, "GetRecords", new { ShardIterator = iterator, Limit = 10_000 }, TimeSpan.FromSeconds(60), cancellationToken);
            if (status != HttpStatusCode.OK)
            {
                if (body.ValueKind == JsonValueKind.Object && body.GetProperty("__type").GetString() == "ProvisionedThroughputExceededException")
                {
                    await Task.Delay(1000, cancellationToken);
                    continue;
                }
                throw new InvalidOperationException($"GetRecords on {shardId}: HTTP {(int)status} {body}");
            }
            var page = body.GetProperty("Records").EnumerateArray()
                .Select(r => (r.GetProperty("SequenceNumber").GetString()!, Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64())))
                .ToList();
            records.AddRange(page);
            iterator = body.GetProperty("NextShardIterator").GetString();
            if (page.Count == 0 && body.GetProperty("MillisBehindLatest").GetInt64() == 0) return records;
            await Task.Delay(220, cancellationToken); // 5 GetRecords calls per second per shard
        }
    }

    private async Task RunAsync(string file, string[] args, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = (await stdout + await stderr).Trim();
        output.WriteLine($"{file} {string.Join(' ', args)}: exit {process.ExitCode} {text}");
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {text}");
    }

    private static string Metadata(string key) =>
        typeof(JournalFaultTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    /// <summary>One ActorStreams.Server process on a free loopback port; its log lines are kept in memory.</summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ITestOutputHelper _output;
        private readonly List<string> _lines = new();

        private ServerProcess(Process process, int port, ITestOutputHelper output)
        {
            _process = process;
            _output = output;
            Node = new Uri($"http://127.0.0.1:{port}/");
        }

        public Uri Node { get; }

        public int LineCount
        {
            get
            {
                lock (_lines) return _lines.Count;
            }
        }

        public IReadOnlyList<string> LinesSince(int index)
        {
            lock (_lines) return _lines.Skip(index).ToList();
        }

        public static async Task<ServerProcess> StartAsync(ITestOutputHelper output, CancellationToken cancellationToken, params string[] args)
        {
            var ports = LoopbackPort.Free(2);
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Metadata("ServerDllPath"));
            foreach (var a in new[] { "--port", ports[0].ToString(CultureInfo.InvariantCulture), "--cluster-port", ports[1].ToString(CultureInfo.InvariantCulture) }.Concat(args))
                start.ArgumentList.Add(a);
            // The request log would count every call; what is counted is what the node says about itself.
            start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
            var server = new ServerProcess(Process.Start(start)!, ports[0], output);
            server._process.OutputDataReceived += (_, e) => server.Add(e.Data);
            server._process.ErrorDataReceived += (_, e) => server.Add(e.Data);
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            try
            {
                await Eventually.EventuallyAsync(async () =>
                {
                    if (server._process.HasExited) throw new InvalidOperationException($"the server exited:\n{string.Join('\n', server.LinesSince(0))}");
                    try
                    {
                        return (await ReadyAsync(server.Node, cancellationToken)).Status == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                }, "the server to be ready", TimeSpan.FromSeconds(90), PollInterval, cancellationToken);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
            return server;
        }

        private void Add(string? line)
        {
            if (line is null) return;
            lock (_lines) _lines.Add(line);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            var lines = LinesSince(0);
            _output.WriteLine($"server log ({lines.Count} lines), last 30:");
            foreach (var line in lines.TakeLast(30)) _output.WriteLine(line);
            _process.Dispose();
        }
    }
}
