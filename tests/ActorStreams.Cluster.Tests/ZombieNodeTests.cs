using ActorStreams.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Cluster.Tests;

/// <summary>
/// A zombie node: the node running the most shards of a stream under load is frozen with SIGSTOP (sockets open, as in
/// a long GC pause or a stalled VM) for longer than the fail-over, its shards move to the other nodes and take writes
/// there, then it is let go with SIGCONT while producers send to every node, the zombie included. Whatever the zombie
/// does in the moment before it learns it was removed (its entities still believe they own their shards), it must not
/// acknowledge a write that the new owners' history does not hold: every acknowledged record is read back at its
/// sequence number, each shard in order. What fences it is the journal's key: a shard's events are numbered, the
/// (persistence id, sequence number) pair is unique, so a stale owner's next write collides with the new owner's and
/// fails instead of being acknowledged (docs/cluster.md, who may write a shard).
/// </summary>
[Collection(LocalCluster.Collection)]
public sealed class ZombieNodeTests(ITestOutputHelper output)
{
    private const string StreamName = "zombie";
    private const int Shards = 6;
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    [ClusterFact]
    public async Task A_node_frozen_past_its_fail_over_and_let_go_must_acknowledge_nothing_the_new_owners_do_not_hold()
    {
        await using var run = await ClusterTestRun.StartAsync(output, Budget);
        var (budget, clock, cluster, http, nodes) = (run.Budget, run.Clock, run.Cluster, run.Http, run.Nodes);
        void Log(string line) => run.Log(line);
        try
        {
            var producers = await run.CreateStreamWithProducersAsync(StreamName, Shards);
            using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
            var load = producers.Select(p => Task.Run(() => p.RunAsync(stopLoad.Token))).ToArray();
            await Eventually.EventuallyAsync(() => producers.All(p => p.Acks.Count >= 30), "every shard to take writes",
                TimeSpan.FromSeconds(60), ClusterTestRun.PollInterval, budget.Token);

            // ---- freeze the node that runs the most shards; the others take its shards over ----
            var hosts = ClusterFailoverTests.ShardHosts(cluster, StreamName);
            var zombie = Enumerable.Range(2, 2).Concat([1]).OrderByDescending(n => hosts.Count(h => h.Value == n)).First();
            var moved = hosts.Where(h => h.Value == zombie).Select(h => h.Key).ToHashSet();
            Assert.NotEmpty(moved);
            var pausedAt = clock.Elapsed;
            await cluster.PauseAsync(zombie, budget.Token);
            Log($"node {zombie} paused (SIGSTOP); it ran shards {string.Join(", ", moved.Order())}");
            var others = nodes.Where((_, i) => i != zombie - 1).ToArray();
            foreach (var p in producers) p.UseNodes(others);
            await Eventually.EventuallyAsync(() => producers.Where(p => moved.Contains(p.Shard)).All(p => p.AcksAfter(pausedAt + TimeSpan.FromSeconds(4)) >= 20),
                "the frozen node's shards to take writes on the other nodes", TimeSpan.FromSeconds(120), ClusterTestRun.PollInterval, budget.Token);
            var takenOverAt = clock.Elapsed;
            Log($"its shards took writes elsewhere {(takenOverAt - pausedAt).TotalSeconds:F1} s after the pause");

            // ---- let it go while producers send to every node, the zombie included ----
            var resumedAt = clock.Elapsed;
            await cluster.ResumeAsync(zombie, budget.Token);
            foreach (var p in producers) p.UseNodes(nodes);
            Log($"node {zombie} resumed (SIGCONT)");
            await Eventually.EventuallyAsync(() => producers.All(p => p.AcksAfter(resumedAt + TimeSpan.FromSeconds(5)) >= 20),
                "every shard to take writes after the zombie came back", TimeSpan.FromSeconds(90), ClusterTestRun.PollInterval, budget.Token);
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);

            var zombieNode = nodes[zombie - 1];
            var sentToZombie = producers.Sum(p => p.Failures.Count(f => f.At > resumedAt && f.Node == zombieNode));
            var zombieAcks = producers.Sum(p => p.Acks.Count(a => a.At > resumedAt && a.Node == zombieNode));
            Log($"after the resume: {producers.Sum(p => p.Acks.Count(a => a.At > resumedAt))} acks ({zombieAcks} from the zombie), {sentToZombie} requests to the zombie failed " +
                $"({string.Join("; ", producers.SelectMany(p => p.Failures).Where(f => f.At > resumedAt && f.Node == zombieNode).Select(f => f.Reason).Distinct().Take(4))})");

            // ---- every acknowledged record, the zombie's included, is in the shards' one history ----
            await ClusterFailoverTests.VerifyAsync(http, others[0], producers, Log, budget.Token, StreamName);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.LogTails()}", e);
        }
    }
}
