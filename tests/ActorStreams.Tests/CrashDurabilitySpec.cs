using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Threading.Channels;
using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Durability across a real crash: ActorStreams.ProducerHost writes in a child process that is killed with SIGKILL
/// while it writes, restarted on the same SQLite data directory, killed again, and then read back by a third child.
/// Every write the host acknowledged must be there, in order, exactly once.
/// </summary>
public sealed class CrashDurabilitySpec : IDisposable
{
    private const string StreamName = "crash-durability";
    // The first run dies young, before any snapshot. The second usually writes past the first snapshot of each
    // StreamShard (snapshot-every-events = 1000 group-commit events, about 40 records each on an idle machine), so
    // the read back recovers from a snapshot and reads the older events from the journal rather than the hot tail.
    private static readonly int[] AcksBeforeKill = [2_000, 100_000];
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _output;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("actorstreams-crash-").FullName;

    public CrashDurabilitySpec(ITestOutputHelper output) => _output = output;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Acknowledged_writes_must_survive_kill_9_and_restart()
    {
        var host = ProducerHostPath();
        using var budget = new CancellationTokenSource(Budget);
        var elapsed = Stopwatch.StartNew();

        var acked = new List<HostRecord>();
        for (var run = 0; run < AcksBeforeKill.Length; run++)
        {
            var acks = await ProduceUntilKilledAsync(host, run, budget.Token);
            _output.WriteLine($"run {run}: {acks.Count} records acknowledged before SIGKILL ({elapsed.Elapsed.TotalSeconds:F1} s)");
            acked.AddRange(acks);
        }

        var stored = await VerifyAsync(host, budget.Token);
        _output.WriteLine($"verify: {stored.Count} records read back ({elapsed.Elapsed.TotalSeconds:F1} s)");

        AssertShardsInOrderWithoutDuplicates(stored);
        AssertEveryAcknowledgedRecordStored(acked, stored);
        AssertCountersGrowPerPartitionKey(stored);
    }

    [Fact]
    public async Task Acknowledged_writes_must_survive_kill_9_in_the_middle_of_resharding_and_restart()
    {
        // The host rescales 2 <-> 4 shards without pause while it writes, so a kill most likely cuts a resharding
        // short; the next run's catalog finishes it, and the verifier waits for ACTIVE.
        var host = ProducerHostPath();
        using var budget = new CancellationTokenSource(Budget * 2);
        var acked = new List<HostRecord>();
        int[] acksBeforeKill = [5_000, 20_000];
        for (var run = 0; run < acksBeforeKill.Length; run++)
        {
            var acks = await ProduceUntilKilledAsync(host, run, budget.Token, acksBeforeKill[run], reshard: true);
            _output.WriteLine($"run {run}: {acks.Count} records acknowledged before SIGKILL, in {acks.Select(a => a.ShardId).Distinct().Count()} shards");
            acked.AddRange(acks);
        }

        var stored = await VerifyAsync(host, budget.Token);
        _output.WriteLine($"verify: {stored.Count} records read back from {stored.Select(r => r.ShardId).Distinct().Count()} shards");
        Assert.True(stored.Select(r => r.ShardId).Distinct().Count() > 2, "the stream was resharded while it was written");

        AssertShardsInOrderWithoutDuplicates(stored);
        AssertEveryAcknowledgedRecordStored(acked, stored);
        // A key moves to a child shard at each resharding, and a child's index is above its parents': in shard-index
        // order, then sequence order, each key's counters must grow.
        foreach (var key in stored.GroupBy(r => r.PartitionKey))
        {
            long previous = -1;
            foreach (var record in key.OrderBy(r => StreamShardId.Parse(r.ShardId, StreamName).Index)
                         .ThenBy(r => SequenceNumber.Parse(r.SequenceNumber, "SequenceNumber")))
            {
                var counter = long.Parse(record.Value, CultureInfo.InvariantCulture);
                Assert.True(counter > previous, $"Partition key {key.Key}: counter {counter} at {record.ShardId} {record.SequenceNumber} follows {previous}.");
                previous = counter;
            }
        }
    }

    // ---------------- children ----------------

    private async Task<List<HostRecord>> ProduceUntilKilledAsync(string host, int run, CancellationToken cancellationToken, int? acksBeforeKill = null,
        bool reshard = false)
    {
        string[] args = ["--data-dir", _dataDir, "--stream", StreamName, "--mode", "produce", "--shards", "2", "--run", run.ToString(CultureInfo.InvariantCulture)];
        await using var child = HostProcess.Start(host, reshard ? [.. args, "--reshard"] : args);
        var what = $"produce (run {run})";

        var line = await child.ReadLineAsync(what, "READY", cancellationToken);
        if (line != "READY") Assert.Fail($"{what} printed '{line}' before READY.{child.Diagnostics()}");

        var acks = new List<HostRecord>();
        var target = acksBeforeKill ?? AcksBeforeKill[run];
        while (acks.Count < target)
        {
            line = await child.ReadLineAsync(what, $"{target} acknowledgements ({acks.Count} so far)", cancellationToken);
            if (line is null) Assert.Fail($"{what} exited with {child.ExitCodeText} after {acks.Count} acknowledgements, before it was killed.{child.Diagnostics()}");
            acks.Add(HostRecord.Parse(line, "ACK"));
        }

        child.Kill();
        // Lines already in the pipe were printed before the kill, after their write was acknowledged: they count too.
        while ((line = await child.ReadLineAsync(what, "the end of its output after SIGKILL", cancellationToken)) is not null)
            acks.Add(HostRecord.Parse(line, "ACK"));
        if (child.TornLine is { } torn) _output.WriteLine($"{what}: ignored the unfinished last line '{torn}'");
        return acks;
    }

    private async Task<List<HostRecord>> VerifyAsync(string host, CancellationToken cancellationToken)
    {
        await using var child = HostProcess.Start(host, "--data-dir", _dataDir, "--stream", StreamName, "--mode", "verify");
        var records = new List<HostRecord>();
        while (true)
        {
            var line = await child.ReadLineAsync("verify", $"DONE ({records.Count} records so far)", cancellationToken);
            if (line is null) Assert.Fail($"verify exited with {child.ExitCodeText} before DONE.{child.Diagnostics()}");
            if (line == "DONE") break;
            records.Add(HostRecord.Parse(line, "REC"));
        }
        var exitCode = await child.WaitForExitAsync("verify", cancellationToken);
        Assert.True(exitCode == 0, $"verify exited with {exitCode}.{child.Diagnostics()}");
        return records;
    }

    // ---------------- checks ----------------

    private static void AssertShardsInOrderWithoutDuplicates(List<HostRecord> stored)
    {
        foreach (var shard in stored.GroupBy(r => r.ShardId))
        {
            SequenceNumber? previous = null;
            foreach (var record in shard)
            {
                var sequence = SequenceNumber.Parse(record.SequenceNumber, "SequenceNumber");
                Assert.True(previous is null || sequence > previous.Value,
                    $"{shard.Key}: sequence number {record.SequenceNumber} does not follow {previous}.");
                previous = sequence;
            }
        }
        var repeated = stored.GroupBy(r => r.Value).Where(g => g.Count() > 1).Select(g => g.Key).Take(10).ToList();
        Assert.True(repeated.Count == 0, $"Records stored more than once, by counter: {string.Join(", ", repeated)}");
    }

    private static void AssertEveryAcknowledgedRecordStored(List<HostRecord> acked, List<HostRecord> stored)
    {
        var twice = acked.GroupBy(r => (r.ShardId, r.SequenceNumber)).Where(g => g.Count() > 1).Select(g => g.Key).Take(10).ToList();
        Assert.True(twice.Count == 0, $"Sequence numbers acknowledged twice: {string.Join(", ", twice)}");

        var byPosition = stored.ToDictionary(r => (r.ShardId, r.SequenceNumber));
        var lost = new List<string>();
        var lostCount = 0;
        foreach (var ack in acked)
        {
            if (byPosition.TryGetValue((ack.ShardId, ack.SequenceNumber), out var found) && found == ack) continue;
            lostCount++;
            if (lost.Count < 10) lost.Add($"{ack} stored as {(found is null ? "nothing" : found.ToString())}");
        }
        Assert.True(lostCount == 0,
            $"{lostCount} of {acked.Count} acknowledged records are missing or changed after the crash, e.g.:\n{string.Join("\n", lost)}");
    }

    private static void AssertCountersGrowPerPartitionKey(List<HostRecord> stored)
    {
        // Each writer of the host owns its partition keys and sends a key's counters in increasing order, and a
        // key always maps to the same shard: its records must read back in that order, written or only attempted.
        foreach (var key in stored.GroupBy(r => r.PartitionKey))
        {
            Assert.True(key.Select(r => r.ShardId).Distinct().Count() == 1, $"Partition key {key.Key} is in more than one shard.");
            long previous = -1;
            foreach (var record in key)
            {
                var counter = long.Parse(record.Value, CultureInfo.InvariantCulture);
                Assert.True(counter > previous, $"Partition key {key.Key}: counter {counter} at {record.SequenceNumber} follows {previous}.");
                previous = counter;
            }
        }
    }

    // ---------------- plumbing ----------------

    internal static string ProducerHostPath()
    {
        var path = typeof(CrashDurabilitySpec).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ProducerHostPath").Value!;
        path = Path.GetFullPath(path);
        Assert.True(File.Exists(path),
            $"{path} does not exist: build tests/ActorStreams.ProducerHost in the configuration of the test run (the test project's build does it).");
        return path;
    }

    /// <summary>A line of the host: <c>ACK|REC shardId sequenceNumber partitionKey counter</c>.</summary>
    private sealed record HostRecord(string ShardId, string SequenceNumber, string PartitionKey, string Value)
    {
        public static HostRecord Parse(string line, string tag)
        {
            var parts = line.Split(' ');
            if (parts.Length != 5 || parts[0] != tag) Assert.Fail($"Expected '{tag} <shardId> <sequenceNumber> <partitionKey> <data>', got '{line}'.");
            return new HostRecord(parts[1], parts[2], parts[3], parts[4]);
        }

        public override string ToString() => $"{ShardId} {SequenceNumber} {PartitionKey} {Value}";
    }

    /// <summary>
    /// <c>dotnet ActorStreams.ProducerHost.dll ...</c> with stdout read as whole lines (a line the kill cut short is
    /// not one) and the tail of stderr kept for failure messages. Disposing kills it if it still runs.
    /// </summary>
    internal sealed class HostProcess : IAsyncDisposable
    {
        private const int StderrLinesKept = 40;

        private readonly Process _process;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        private readonly ConcurrentQueue<string> _stderr = new();
        private readonly Task _reader;

        private HostProcess(Process process)
        {
            _process = process;
            _process.ErrorDataReceived += (sender, e) =>
            {
                if (e.Data is null) return;
                _stderr.Enqueue(e.Data);
                while (_stderr.Count > StderrLinesKept && _stderr.TryDequeue(out _)) { }
            };
            _process.BeginErrorReadLine();
            _reader = Task.Run(ReadStdoutAsync);
        }

        public string? TornLine { get; private set; }

        public string ExitCodeText => _process.HasExited ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "(still running)";

        public static HostProcess Start(string hostDll, params string[] args)
        {
            var start = new ProcessStartInfo(DotnetHost())
            {
                RedirectStandardInput = true, // the host exits when this closes, so no child outlives a crashed test run
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(hostDll);
            foreach (var arg in args) start.ArgumentList.Add(arg);
            return new HostProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}."));
        }

        /// <summary>The next whole line, or null at the end of output; fails the test when the budget runs out.</summary>
        public async Task<string?> ReadLineAsync(string what, string waitingFor, CancellationToken cancellationToken)
        {
            try
            {
                return await _lines.Reader.WaitToReadAsync(cancellationToken) ? await _lines.Reader.ReadAsync(cancellationToken) : null;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"Timed out after {Budget.TotalSeconds:0} s in total: {what} has not printed {waitingFor}.{Diagnostics()}");
                throw;
            }
        }

        public async Task<int> WaitForExitAsync(string what, CancellationToken cancellationToken)
        {
            try
            {
                await _process.WaitForExitAsync(cancellationToken);
                return _process.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"Timed out after {Budget.TotalSeconds:0} s in total: {what} has not exited.{Diagnostics()}");
                throw;
            }
        }

        /// <summary>SIGKILL on Linux and macOS.</summary>
        public void Kill() => _process.Kill(entireProcessTree: true);

        public string Diagnostics() => _stderr.IsEmpty ? " The host wrote nothing to stderr." : $"\nLast stderr lines of the host:\n{string.Join("\n", _stderr)}";

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                await _reader.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
            }
            finally
            {
                _process.Dispose();
            }
        }

        private async Task ReadStdoutAsync()
        {
            var pending = new StringBuilder();
            var buffer = new char[16 * 1024];
            try
            {
                var stdout = _process.StandardOutput;
                int read;
                while ((read = await stdout.ReadAsync(buffer)) > 0)
                {
                    var start = 0;
                    for (var i = 0; i < read; i++)
                    {
                        if (buffer[i] != '\n') continue;
                        pending.Append(buffer, start, i - start);
                        _lines.Writer.TryWrite(pending.ToString());
                        pending.Clear();
                        start = i + 1;
                    }
                    pending.Append(buffer, start, read - start);
                }
                if (pending.Length > 0) TornLine = pending.ToString();
                _lines.Writer.TryComplete();
            }
            catch (Exception e)
            {
                _lines.Writer.TryComplete(e);
            }
        }

        private static string DotnetHost()
        {
            // The SDK names the dotnet that runs it; the test host itself usually runs in that same dotnet.
            var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }
}
