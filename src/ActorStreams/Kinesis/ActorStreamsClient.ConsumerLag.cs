using System.Collections.Immutable;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using Akka.Actor;
using Akka.Cluster;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// The consumers of a stream and how far each is behind, per shard: every registered enhanced fan-out consumer
    /// with the MillisBehindLatest its subscriptions last sent, every running consumer application with the age of
    /// its checkpoints, and the iterator age of the anonymous polling readers (GetRecords) over the last minute.
    /// Every reachable cluster member is asked for what it knows; one that does not answer within
    /// <c>actorstreams.ask-timeout</c> is left out (see <see cref="StreamConsumerLag.NodesAnswered"/>).
    /// </summary>
    /// <exception cref="ResourceNotFoundException">The stream does not exist.</exception>
    public async Task<StreamConsumerLag> GetConsumerLagAsync(string streamName, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        var entry = await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        var (reports, asked) = await GatherLagReportsAsync(entry, cancellationToken).ConfigureAwait(false);
        var now = _clock.GetUtcNow();

        var consumers = new List<ConsumerLag>();
        foreach (var c in entry.Consumers)
        {
            var arn = ConsumerArns.ToConsumer(_settings, entry.Name, c).ConsumerArn;
            var shards = reports.SelectMany(r => r.Subscriptions).Where(s => s.ConsumerArn == arn)
                .GroupBy(s => s.ShardIndex)
                .Select(g => g.OrderByDescending(s => s.ObservedAtMs).ThenByDescending(s => s.Active).First())
                .OrderBy(s => s.ShardIndex)
                .Select(s => new ShardLag(new StreamShardId(s.ShardIndex), s.MillisBehindLatest, DateTimeOffset.FromUnixTimeMilliseconds(s.ObservedAtMs),
                    s.Continuation, s.Active))
                .ToList();
            consumers.Add(new ConsumerLag(ConsumerLagKind.EnhancedFanOut, c.Name, arn, shards));
        }
        foreach (var application in reports.SelectMany(r => r.Applications).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            consumers.Add(await ApplicationLagAsync(entry, application, now, cancellationToken).ConfigureAwait(false));

        var ages = reports.SelectMany(r => r.IteratorAges)
            .GroupBy(a => a.ShardIndex)
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var latest = g.MaxBy(a => a.LastReadAtMs)!;
                return new ShardIteratorAge(new StreamShardId(g.Key), g.Max(a => a.MaxMillisBehindLatest), latest.LastMillisBehindLatest,
                    DateTimeOffset.FromUnixTimeMilliseconds(latest.LastReadAtMs));
            })
            .ToList();
        return new StreamConsumerLag(entry.Name, consumers, ages, now, reports.Count, asked);
    }

    /// <summary>This node's report and every other reachable member's (those that answer in time).</summary>
    private async Task<(List<ConsumerLagReport> Reports, int Asked)> GatherLagReportsAsync(StreamEntry entry, CancellationToken cancellationToken)
    {
        var query = new GetConsumerLagReport(entry.Name, entry.Epoch);
        var cluster = Cluster.Get(_system);
        var state = cluster.State;
        var others = state.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp && !m.Address.Equals(cluster.SelfAddress))
            .Where(m => !state.Unreachable.Contains(m))
            .ToList();
        async Task<ConsumerLagReport?> ReportOfAsync(Member member)
        {
            var reporter = _system.ActorSelection(new RootActorPath(member.Address) / "user" / ConsumerLagReporter.Name);
            try
            {
                return await reporter.Ask<ConsumerLagReport>(query, _settings.AskTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return null; // down or slow: the report says how many members answered
            }
        }
        var asks = others.Select(ReportOfAsync).ToList();
        var reports = new List<ConsumerLagReport> { _lag.Report(entry.Name, entry.Epoch) };
        foreach (var report in await Task.WhenAll(asks).ConfigureAwait(false))
            if (report is not null) reports.Add(report);
        return (reports, others.Count + 1);
    }

    /// <summary>A consumer application's checkpoints, each compared with its shard's newest record.</summary>
    private async Task<ConsumerLag> ApplicationLagAsync(StreamEntry entry, string application, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = await AskAsync<ConsumerApplicationState>(ActorStreamsExtension.Get(_system).ConsumerApplicationRegion,
            new GetConsumerApplication(ConsumerApplicationEntity.EntityId(entry.Name, entry.Epoch, application)), cancellationToken).ConfigureAwait(false);
        var route = new StreamRoute(entry);
        async Task<ShardLag?> CheckpointLagAsync(CheckpointUpdate c)
        {
            var shardId = new StreamShardId(c.ShardIndex);
            var leased = state.Leases.ContainsKey(c.ShardIndex);
            if (c.ShardEnd) return new ShardLag(shardId, 0, now, ShardEndCheckpoint, leased);
            try
            {
                var lag = await AskAsync<PositionLagResult>(_shards, new GetPositionLag(route.EntityId(c.ShardIndex, _settings.AccountId), c.Position), cancellationToken)
                    .ConfigureAwait(false);
                return new ShardLag(shardId, lag.MillisBehindLatest, now, c.Position.Format(shardId), leased, !lag.Exact);
            }
            catch (ResourceNotFoundException)
            {
                return null; // the shard expired since the stream was looked up
            }
        }
        var shards = await Task.WhenAll(state.Checkpoints.Values.Where(c => route.EntityIds.ContainsKey(c.ShardIndex)).Select(CheckpointLagAsync))
            .ConfigureAwait(false);
        return new ConsumerLag(ConsumerLagKind.ConsumerApplication, application, null,
            shards.OfType<ShardLag>().OrderBy(s => s.ShardId.Index).ToImmutableArray());
    }

    /// <summary>The checkpoint of a shard processed to its end, as the KCL writes it.</summary>
    private const string ShardEndCheckpoint = "SHARD_END";
}
