using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorStreams.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Cluster.Tests;

/// <summary>Skipped when there is no PostgreSQL (ACTORSTREAMS_TEST_POSTGRES), except on CI, where it fails instead.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute() => Skip = LocalCluster.SkipReason;
}

/// <summary>
/// Three server processes on one PostgreSQL journal under a steady PutRecords load to six shards, each producer going
/// through every node in turn. Node 1 (the oldest: it also runs the shard coordinator) is killed with SIGKILL; the
/// producers retry on the other nodes until its shards run on the survivors. It is restarted and rejoins (shards
/// rebalance to it under load). Then every node in turn is drained of clients, stopped with SIGTERM (a graceful leave
/// that hands its shards over) and started again, and no request may fail. At the end every acknowledged record must
/// be readable at its sequence number, and every shard in sequence order.
/// </summary>
[Collection(LocalCluster.Collection)]
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    private const string StreamName = "failover";
    private const int Shards = 6;
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    // ops/failover-benchmark.sh N kills node N; otherwise the node running the most shards is killed.
    private static readonly int? ForcedVictim =
        int.TryParse(Environment.GetEnvironmentVariable("ACTORSTREAMS_FAILOVER_KILL_NODE"), out var n) && n is >= 1 and <= 3 ? n : null;

    [ClusterFact]
    public async Task Kill_9_restart_and_rolling_restart_under_load_must_lose_no_acknowledged_record()
    {
        await using var run = await ClusterTestRun.StartAsync(output, Budget);
        var (budget, clock, cluster, http, nodes) = (run.Budget, run.Clock, run.Cluster, run.Http, run.Nodes);
        void Log(string line) => run.Log(line);
        try
        {
            var producers = await run.CreateStreamWithProducersAsync(StreamName, Shards);
            using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
            var load = producers.Select(p => Task.Run(() => p.RunAsync(stopLoad.Token))).ToArray();

            await Eventually.EventuallyAsync(() => producers.All(p => p.Acks.Count >= 50), "every shard to take writes",
                TimeSpan.FromSeconds(60), ClusterTestRun.PollInterval, budget.Token);
            await Task.Delay(TimeSpan.FromSeconds(2), budget.Token);

            // ---- kill -9 the node that runs the most shards (or the one ops/failover-benchmark.sh names) ----
            var hosts = ShardHosts(cluster);
            Log("shards per node: " + string.Join(", ", Enumerable.Range(1, 3).Select(n => $"node {n}: {hosts.Count(h => h.Value == n)}")));
            var victim = ForcedVictim ?? Enumerable.Range(1, 3).OrderByDescending(n => hosts.Count(h => h.Value == n)).ThenBy(n => n).First();
            var expectedMoves = hosts.Count(h => h.Value == victim);
            Assert.True(expectedMoves > 0, $"node {victim} runs no shard of the stream, so killing it tests nothing");
            var killAt = clock.Elapsed;
            await cluster.KillAsync(victim, budget.Token);
            Log($"node {victim} killed{(victim == 1 ? " (the oldest: the shard coordinator moves too)" : "")}");
            foreach (var p in producers) p.UseNodes(Except(nodes, victim));
            await Eventually.EventuallyAsync(() => producers.All(p => p.AcksAfter(killAt) >= 20),
                "every shard to take writes again after the kill", TimeSpan.FromSeconds(120), ClusterTestRun.PollInterval, budget.Token);
            var failover = FailoverReport(producers, killAt, Log);

            // ---- restart: the node rejoins and shards rebalance to it (hand-off under load) ----
            await cluster.RestartAsync(victim, budget.Token);
            foreach (var p in producers) p.UseNodes(nodes);

            // ---- rolling restart: each node in turn is drained of clients (as a load balancer does), stopped with
            // SIGTERM (it leaves and hands its shards over) and started again; no request may fail meanwhile ----
            foreach (var p in producers) p.RequestTimeout = TimeSpan.FromSeconds(25);
            await Task.Delay(TimeSpan.FromSeconds(2), budget.Token);
            var rollingAt = clock.Elapsed;
            for (var n = 1; n <= 3; n++)
            {
                foreach (var p in producers) p.UseNodes(Except(nodes, n));
                // Requests already sent to node n finish (each producer has at most one in flight, bounded by its timeout).
                var drained = nodes[n - 1];
                await Eventually.EventuallyAsync(() => producers.All(p => !p.IsSendingTo(drained)),
                    $"the requests in flight to node {n} to finish", TimeSpan.FromSeconds(30), ClusterTestRun.PollInterval, budget.Token);
                var sigterm = clock.Elapsed;
                await cluster.LeaveAsync(n, budget.Token);
                var left = clock.Elapsed;
                await Eventually.EventuallyAsync(() => producers.All(p => p.AcksAfter(left) >= 10),
                    $"every shard to take writes after node {n} left", TimeSpan.FromSeconds(60), ClusterTestRun.PollInterval, budget.Token);
                await cluster.RestartAsync(n, budget.Token);
                foreach (var p in producers) p.UseNodes(nodes);
                Log($"rolling restart: node {n} gone {(left - sigterm).TotalSeconds:F1} s after SIGTERM, back after {(clock.Elapsed - left).TotalSeconds:F1} s; " +
                    $"{producers.Sum(p => p.Acks.Count(a => a.At > sigterm))} acks since SIGTERM");
            }
            var rollingEnd = clock.Elapsed;
            await Eventually.EventuallyAsync(() => producers.All(p => p.AcksAfter(rollingEnd) >= 10),
                "every shard to take writes after the rolling restart", TimeSpan.FromSeconds(60), ClusterTestRun.PollInterval, budget.Token);
            rollingEnd = clock.Elapsed;

            await stopLoad.CancelAsync();
            await Task.WhenAll(load);

            var rollingFailures = producers.SelectMany(p => p.Failures.Where(f => f.At >= rollingAt && f.At <= rollingEnd).Select(f => $"shard {p.Shard}: {f}")).ToList();
            var rollingEntryFailures = producers.SelectMany(p => p.EntryFailures
                .Where(f => f.At >= rollingAt && f.At <= rollingEnd && f.Code != "ProvisionedThroughputExceededException")
                .Select(f => $"shard {p.Shard}: {f}")).ToList();
            Log($"rolling restart: {producers.Sum(p => p.Acks.Count(a => a.At >= rollingAt && a.At <= rollingEnd))} acks, {rollingFailures.Count} failed requests, " +
                $"{rollingEntryFailures.Count} failed entries in {(rollingEnd - rollingAt).TotalSeconds:F1} s");
            Assert.True(rollingFailures.Count == 0 && rollingEntryFailures.Count == 0,
                $"requests failed during the rolling restart:\n{string.Join('\n', rollingFailures.Concat(rollingEntryFailures).Take(20))}");

            // ---- every acknowledged record is there, in order ----
            await VerifyAsync(http, nodes[2], producers, Log, budget.Token);
            Assert.True(failover.MovedShards == expectedMoves,
                $"{failover.MovedShards} shards stalled after the kill, but node {victim} ran {expectedMoves}");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.LogTails()}", e);
        }
    }

    private static Uri[] Except(Uri[] nodes, int n) => nodes.Where((_, i) => i != n - 1).ToArray();

    /// <summary>Kinesis shard index -> the node it last started on, from the nodes' "StreamShard ... started" log lines.</summary>
    internal static Dictionary<int, int> ShardHosts(LocalCluster cluster, string streamName = StreamName)
    {
        var starts = new List<(DateTime At, int Shard, int Node)>();
        for (var node = 1; node <= 3; node++)
        {
            foreach (var line in cluster.LogLines(node, $"StreamShard {streamName}/"))
            {
                var match = System.Text.RegularExpressions.Regex.Match(line,
                    @"^\[INFO\]\[(?<at>[^\]]+)Z\].*StreamShard " + streamName + @"/\d+/(?<shard>\d+) started on this node");
                if (!match.Success) continue;
                var at = DateTime.ParseExact(match.Groups["at"].Value, "MM/dd/yyyy HH:mm:ss.fff", CultureInfo.InvariantCulture);
                starts.Add((at, int.Parse(match.Groups["shard"].Value, CultureInfo.InvariantCulture), node));
            }
        }
        return starts.GroupBy(s => s.Shard).ToDictionary(g => g.Key, g => g.MaxBy(s => s.At).Node);
    }

    private sealed record Failover(TimeSpan Time, int MovedShards);

    /// <summary>
    /// Fail-over time: from the last write acknowledged before the kill (any shard) to the write that ended the outage
    /// of a shard that moved. A shard moved when, around the kill, it went more than 5 s without an acknowledged write
    /// (answers already on their way when the node died may still arrive just after the kill); the others only lost
    /// the requests that went to the killed node and were retried at once on another.
    /// </summary>
    private static Failover FailoverReport(ShardProducer[] producers, TimeSpan killAt, Action<string> log)
    {
        var lastBefore = producers.Max(p => p.Acks.Where(a => a.At <= killAt).Max(a => a.At));
        var moved = 0;
        var worst = TimeSpan.Zero;
        foreach (var p in producers)
        {
            // The longest pause between two acknowledgements that ends after the kill.
            var times = p.Acks.Select(a => a.At).Where(t => t >= killAt - TimeSpan.FromSeconds(2)).Order().ToList();
            var (pauseStart, pauseEnd) = Enumerable.Zip(times, times.Skip(1)).Where(pair => pair.Second > killAt)
                .MaxBy(pair => pair.Second - pair.First);
            var failures = p.Failures.Count(f => f.At > killAt);
            var stalled = pauseEnd - pauseStart > TimeSpan.FromSeconds(5);
            log($"shard {p.Shard}: longest pause without acknowledged writes {(pauseEnd - pauseStart).TotalSeconds:F1} s, {failures} failed requests" +
                (stalled ? $"; moved, writes again {(pauseEnd - lastBefore).TotalSeconds:F1} s after the last acknowledged write before the kill" : ""));
            if (!stalled) continue;
            moved++;
            worst = pauseEnd - lastBefore > worst ? pauseEnd - lastBefore : worst;
        }
        log($"FAIL-OVER: {worst.TotalSeconds:F1} s from the last acknowledged write before kill -9 to the first acknowledged write to a moved shard ({moved} of {producers.Length} shards moved)");
        return new Failover(worst, moved);
    }

    internal static async Task VerifyAsync(KinesisHttp http, Uri node, ShardProducer[] producers, Action<string> log, CancellationToken cancellationToken,
        string streamName = StreamName)
    {
        foreach (var p in producers)
        {
            var stored = await ReadShardAsync(http, node, p.Shard, cancellationToken, streamName);
            var acks = p.Acks;
            var prefix = $"s{p.Shard}-";

            for (var i = 1; i < stored.Count; i++)
                Assert.True(string.CompareOrdinal(stored[i - 1].Sequence, stored[i].Sequence) < 0,
                    $"shard {p.Shard}: {stored[i - 1].Sequence} is not before {stored[i].Sequence}");
            Assert.All(stored, r => Assert.StartsWith(prefix, r.Data));

            var bySequence = stored.ToDictionary(r => r.Sequence, r => r.Data);
            var missing = acks.Where(a => !bySequence.TryGetValue(a.SequenceNumber, out var data) || data != ShardProducer.Data(p.Shard, a.Counter)).ToList();
            if (missing.Count > 0)
            {
                var byData = stored.GroupBy(r => r.Data).ToDictionary(g => g.Key, g => string.Join("/", g.Select(r => r.Sequence)));
                Assert.Fail($"shard {p.Shard}: {missing.Count} of {acks.Count} acknowledged records are not at their sequence number (last stored " +
                    $"{stored.LastOrDefault().Sequence}):\n" + string.Join("\n", missing.Take(8).Select(a =>
                        $"{a} holds {(bySequence.TryGetValue(a.SequenceNumber, out var d) ? d : "nothing")}, the record is at " +
                        $"{(byData.TryGetValue(ShardProducer.Data(p.Shard, a.Counter), out var at) ? at : "no sequence number")}")));
            }

            // One request in flight per producer: the first copy of every record comes in counter order, unless some
            // entries of a request were throttled and sent again after later ones.
            var firstCopies = stored.Select(r => long.Parse(r.Data[prefix.Length..], CultureInfo.InvariantCulture)).Distinct().ToList();
            var inOrder = Enumerable.Zip(firstCopies, firstCopies.Skip(1)).All(pair => pair.First < pair.Second);
            if (p.EntryFailures.Count == 0)
                Assert.True(inOrder, $"shard {p.Shard}: records are not in the order they were acknowledged");
            log($"shard {p.Shard}: {acks.Count} acknowledged, {stored.Count} stored ({stored.Count - firstCopies.Count} duplicates of retried " +
                $"requests), all acknowledged records at their sequence numbers, order kept{(p.EntryFailures.Count == 0 ? "" : " (throttled entries re-sent)")}");
        }
    }

    private static async Task<List<(string Sequence, string Data)>> ReadShardAsync(KinesisHttp http, Uri node, int shard, CancellationToken cancellationToken,
        string streamName)
    {
        var shardId = $"shardId-{shard:D12}";
        var iterator = (await http.OkAsync(node, "GetShardIterator",
            new { StreamName = streamName, ShardId = shardId, ShardIteratorType = "TRIM_HORIZON" }, cancellationToken)).GetProperty("ShardIterator").GetString();
        var records = new List<(string, string)>();
        while (true)
        {
            var (status, body) = await http.CallAsync(node, "GetRecords", new { ShardIterator = iterator, Limit = 10_000 }, TimeSpan.FromSeconds(60), cancellationToken);
            if (status != System.Net.HttpStatusCode.OK)
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
}
