using System.Globalization;
using System.IO.Compression;
using Xunit;
using Xunit.Abstractions;
using HostProcess = ActorStreams.Tests.CrashDurabilitySpec.HostProcess;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// Firehose across a real crash: ActorStreams.ProducerHost puts to a delivery stream (GZIP objects into the
/// directory store) in a child process that is killed with SIGKILL while it puts and delivers, twice; a third child
/// only starts the runtime. Every record a put acknowledged must end up in an object.
/// </summary>
public sealed class FirehoseCrashSpec(ITestOutputHelper output) : IDisposable
{
    private const string DeliveryStreamName = "crash-firehose";
    private static readonly int[] AcksBeforeKill = [3_000, 30_000];

    private readonly string _dataDir = Directory.CreateTempSubdirectory("actorstreams-firehose-crash-").FullName;

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
    public async Task Every_acknowledged_put_must_be_delivered_after_kill_9_and_restart()
    {
        var host = CrashDurabilitySpec.ProducerHostPath();
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var acked = new HashSet<long>();
        for (var run = 0; run < AcksBeforeKill.Length; run++)
        {
            await using var child = HostProcess.Start(host, "--data-dir", _dataDir, "--stream", DeliveryStreamName, "--mode", "firehose-produce",
                "--run", run.ToString(CultureInfo.InvariantCulture));
            var what = $"firehose-produce (run {run})";
            var line = await child.ReadLineAsync(what, "READY", budget.Token);
            Assert.True(line == "READY", $"{what} printed '{line}' before READY.{child.Diagnostics()}");
            var count = 0;
            while (count < AcksBeforeKill[run])
            {
                line = await child.ReadLineAsync(what, $"{AcksBeforeKill[run]} acknowledgements", budget.Token);
                if (line is null) Assert.Fail($"{what} exited with {child.ExitCodeText}.{child.Diagnostics()}");
                acked.Add(Parse(line));
                count++;
            }
            child.Kill();
            while ((line = await child.ReadLineAsync(what, "the end of its output", budget.Token)) is not null) acked.Add(Parse(line));
            output.WriteLine($"run {run}: killed after {count}+ acknowledgements; {Delivered().Count} records in objects so far");
        }

        await using (var serve = HostProcess.Start(host, "--data-dir", _dataDir, "--stream", DeliveryStreamName, "--mode", "firehose-serve"))
        {
            Assert.Equal("READY", await serve.ReadLineAsync("firehose-serve", "READY", budget.Token));
            while (true)
            {
                var delivered = Delivered();
                if (acked.IsSubsetOf(delivered.Keys)) break;
                if (budget.IsCancellationRequested)
                {
                    var missing = acked.Where(a => !delivered.ContainsKey(a)).Take(10);
                    Assert.Fail($"{acked.Count(a => !delivered.ContainsKey(a))} of {acked.Count} acknowledged records never arrived, e.g. {string.Join(", ", missing)}.{serve.Diagnostics()}");
                }
                await Task.Delay(200);
            }
            serve.Kill();
        }
        var final = Delivered();
        output.WriteLine($"{acked.Count} acknowledged, {final.Count} distinct delivered, {final.Values.Count(n => n > 1)} delivered more than once");
    }

    private static long Parse(string line)
    {
        var parts = line.Split(' ');
        Assert.True(parts.Length == 2 && parts[0] == "FACK", $"Expected 'FACK <counter>', got '{line}'.");
        return long.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Counter -> how many times it is in the bucket's objects.</summary>
    private Dictionary<long, int> Delivered()
    {
        var dir = Path.Combine(_dataDir, "objects", "crash");
        var counts = new Dictionary<long, int>();
        if (!Directory.Exists(dir)) return counts;
        foreach (var file in Directory.EnumerateFiles(dir, "*.gz", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file).StartsWith('.')) continue;
            using var reader = new StreamReader(new GZipStream(File.OpenRead(file), CompressionMode.Decompress));
            while (reader.ReadLine() is { } line)
            {
                var n = long.Parse(line, CultureInfo.InvariantCulture);
                counts[n] = counts.GetValueOrDefault(n) + 1;
            }
        }
        return counts;
    }
}
