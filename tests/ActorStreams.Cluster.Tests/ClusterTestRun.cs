using System.Diagnostics;
using Xunit.Abstractions;

namespace ActorStreams.Cluster.Tests;

/// <summary>
/// What every cluster test starts with: its time budget, a log that stamps each line with the seconds since the start,
/// a running <see cref="LocalCluster"/> with its three node addresses, and an HTTP client for them. Disposing it stops
/// the cluster.
/// </summary>
public sealed class ClusterTestRun : IAsyncDisposable
{
    /// <summary>How often a cluster test checks what it waits for (<see cref="TestSupport.Eventually"/>).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly ITestOutputHelper _output;

    private ClusterTestRun(ITestOutputHelper output, TimeSpan budget)
    {
        _output = output;
        Budget = new CancellationTokenSource(budget);
    }

    /// <summary>Cancelled when the test's whole budget is spent.</summary>
    public CancellationTokenSource Budget { get; }

    /// <summary>Started with the run: the time base of the log and of the producers' acknowledgements.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public LocalCluster Cluster { get; private set; } = null!;

    public KinesisHttp Http { get; } = new();

    /// <summary>The HTTP addresses of nodes 1, 2 and 3.</summary>
    public Uri[] Nodes { get; private set; } = [];

    /// <summary>Starts a three-node cluster within <paramref name="budget"/> (which the rest of the test shares).</summary>
    public static async Task<ClusterTestRun> StartAsync(ITestOutputHelper output, TimeSpan budget)
    {
        var run = new ClusterTestRun(output, budget);
        try
        {
            run.Cluster = await LocalCluster.StartAsync(run.Log, run.Budget.Token);
        }
        catch
        {
            run.Http.Dispose();
            run.Budget.Dispose();
            throw;
        }
        run.Nodes = [run.Cluster.Node(1), run.Cluster.Node(2), run.Cluster.Node(3)];
        return run;
    }

    /// <summary>
    /// Creates <paramref name="streamName"/> with <paramref name="shards"/> shards through node 1, waits until node 2
    /// sees it ACTIVE, and returns one producer per shard (by its starting hash key, listed through node 3), each
    /// sending through every node.
    /// </summary>
    public async Task<ShardProducer[]> CreateStreamWithProducersAsync(string streamName, int shards)
    {
        await Http.OkAsync(Nodes[0], "CreateStream", new { StreamName = streamName, ShardCount = shards }, Budget.Token);
        await TestSupport.Eventually.EventuallyAsync(async () =>
        {
            var summary = await Http.OkAsync(Nodes[1], "DescribeStreamSummary", new { StreamName = streamName }, Budget.Token);
            return summary.GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString() == "ACTIVE";
        }, "the stream to become ACTIVE", TimeSpan.FromSeconds(30), PollInterval, Budget.Token);
        var hashKeys = (await Http.OkAsync(Nodes[2], "ListShards", new { StreamName = streamName }, Budget.Token)).GetProperty("Shards").EnumerateArray()
            .Select(s => s.GetProperty("HashKeyRange").GetProperty("StartingHashKey").GetString()!)
            .ToArray();
        if (hashKeys.Length != shards) throw new Xunit.Sdk.XunitException($"{streamName} lists {hashKeys.Length} shards, not {shards}");
        var producers = hashKeys.Select((hashKey, i) => new ShardProducer(i, hashKey, streamName, Http, Clock)).ToArray();
        foreach (var p in producers) p.UseNodes(Nodes);
        return producers;
    }

    /// <summary>Writes a line to the test output, after the seconds since the run started.</summary>
    public void Log(string line) => _output.WriteLine($"[{Clock.Elapsed.TotalSeconds,6:F1} s] {line}");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Cluster.DisposeAsync();
        Budget.Dispose();
    }
}
