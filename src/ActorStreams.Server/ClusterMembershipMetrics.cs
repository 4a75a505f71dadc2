using System.Diagnostics.Metrics;
using ActorStreams.Diagnostics;
using Akka.Actor;
using Akka.Cluster;

namespace ActorStreams.Server;

/// <summary>
/// Cluster membership as this node sees it, on the ActorStreams meter: <c>actorstreams.cluster.members</c> by
/// status (up, joining, weaklyup, leaving, exiting, down, removed) and <c>actorstreams.cluster.unreachable.members</c>.
/// </summary>
internal sealed class ClusterMembershipMetrics : IDisposable
{
    private readonly Meter _meter = new(ActorStreamsMetrics.MeterName);

    public ClusterMembershipMetrics(IServiceProvider services)
    {
        // Read at scrape time; the ActorSystem is started before Kestrel serves the first scrape.
        _meter.CreateObservableGauge("actorstreams.cluster.members", () => Members(services), "{member}",
            "Cluster members this node sees, by status.");
        _meter.CreateObservableGauge("actorstreams.cluster.unreachable.members", () => Unreachable(services), "{member}",
            "Cluster members this node's failure detector considers unreachable.");
    }

    private static IEnumerable<Measurement<int>> Members(IServiceProvider services)
    {
        if (StateOf(services) is not { } state) return [];
        return state.Members
            .GroupBy(m => m.Status)
            .Select(g => new Measurement<int>(g.Count(), new KeyValuePair<string, object?>("status", g.Key.ToString().ToLowerInvariant())))
            .ToList();
    }

    private static IEnumerable<Measurement<int>> Unreachable(IServiceProvider services) =>
        StateOf(services) is { } state ? [new Measurement<int>(state.Unreachable.Count)] : [];

    private static ClusterEvent.CurrentClusterState? StateOf(IServiceProvider services) =>
        services.GetService<ActorSystem>() is { WhenTerminated.IsCompleted: false } system ? Akka.Cluster.Cluster.Get(system).State : null;

    public void Dispose() => _meter.Dispose();
}
