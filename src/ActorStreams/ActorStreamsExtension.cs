using ActorStreams.Diagnostics;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Kinesis.Internal.Reads;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Kinesis.Internal.Subscriptions;
using ActorStreams.Settings;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Streams;

namespace ActorStreams;

/// <summary>
/// The ActorStreams runtime of one ActorSystem: settings, clock, the StreamShard and catalog sharding regions,
/// and the <see cref="ActorStreamsClient"/>. Started on first use of <see cref="Get"/>; a node without
/// configured seed nodes joins itself, so a single node is a cluster of one.
/// </summary>
public sealed class ActorStreamsExtension : IExtension
{
    /// <summary>Started by Akka's extension mechanism; use <see cref="Get"/>.</summary>
    public ActorStreamsExtension(ExtendedActorSystem system)
    {
        System = system;
        Settings = ActorStreamsSettings.Create(system);
        var setup = system.Settings.Setup.Get<ActorStreamsSetup>();
        Clock = setup.HasValue ? setup.Value.Clock : TimeProvider.System;

        var cluster = Cluster.Get(system);
        if (Settings.SelfJoin && cluster.Settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress);

        var sharding = ClusterSharding.Get(system);
        var shardingSettings = ClusterShardingSettings.Create(system);
        if (!string.IsNullOrEmpty(Settings.ShardingRole)) shardingSettings = shardingSettings.WithRole(Settings.ShardingRole);
        shardingSettings = ShardingSettings = shardingSettings.WithRememberEntities(Settings.RememberEntities);
        var settings = Settings;
        var clock = Clock;
        // Entities hand off with StopEntity rather than a PoisonPill, so writes in flight finish before a shard moves.
        var budget = MemoryBudget = NodeMemoryBudget.Create(system.Settings.Config.GetConfig("actorstreams"));
        ActorStreamsMetrics.Observe(budget);
        system.RegisterOnTermination(() => ActorStreamsMetrics.StopObserving(budget));
        var metrics = Metrics = new StreamMetrics(clock);
        system.RegisterOnTermination(metrics.Dispose);
        var keys = Keys = new KeyProvider(settings.Encryption);
        var journal = Journal = new JournalHealth(system, clock,
            (system.Settings.Config.GetConfig("actorstreams") ?? Akka.Configuration.Config.Empty).WithFallback(ActorStreamsConfig.Default.GetConfig("actorstreams")).Duration("journal.write-probe-interval"));
        var lag = Lag = new ConsumerLagTracker(clock);
        system.ActorOf(ConsumerLagReporter.Props(lag), ConsumerLagReporter.Name);
        var lagGauges = new ConsumerLagMetrics(lag);
        system.RegisterOnTermination(lagGauges.Dispose);
        StreamShardRegion = sharding.Start(StreamShardEntity.TypeName,
            entityId => StreamShardActor.Props(entityId, settings, clock, metrics, keys, lag, budget, journal),
            shardingSettings, new StreamShardMessageExtractor(settings.NumberOfShards),
            sharding.DefaultShardAllocationStrategy(shardingSettings), StopEntity.Instance);
        var shardRegion = StreamShardRegion;
        CatalogRegion = sharding.Start(StreamCatalogEntity.TypeName,
            _ => StreamCatalogActor.Props(shardRegion, settings, clock, keys, metrics),
            shardingSettings, new CatalogMessageExtractor(),
            sharding.DefaultShardAllocationStrategy(shardingSettings), StopEntity.Instance);
        var catalogRegion = CatalogRegion;
        var askTimeout = settings.AskTimeout;
        var recoveryGrace = ConsumerApplicationSettings.Create(system).LeaseDuration;
        ConsumerApplicationRegion = sharding.Start(ConsumerApplicationEntity.TypeName,
            entityId => ConsumerApplicationActor.Props(entityId, catalogRegion, clock, askTimeout, recoveryGrace, lag),
            shardingSettings, new ConsumerApplicationMessageExtractor(settings.NumberOfShards));
        var iteratorSecretRegion = sharding.Start(IteratorSecretActor.TypeName, _ => IteratorSecretActor.Props(),
            shardingSettings, new IteratorSecretMessageExtractor(),
            sharding.DefaultShardAllocationStrategy(shardingSettings), StopEntity.Instance);
        Iterators = new ShardIterators(settings.IteratorSecret, iteratorSecretRegion, settings.AskTimeout);
        Asks = new EntityAsks(settings);
        Router = new StreamRouter(settings, Asks, CatalogRegion, StreamShardRegion, journal, metrics);
        Materializer = new Lazy<IMaterializer>(() => system.Materializer(namePrefix: "actorstreams-client"));
        Reads = new ShardReads(system, settings, clock, Asks, StreamShardRegion, metrics, keys, lag, Materializer);
        SubscribeToShard = new SubscribeToShardCalls(settings, Asks, Router, Reads, StreamShardRegion);
        ConsumerApplications = new ConsumerApplicationCalls(Asks, Router, ConsumerApplicationRegion);
        Client = new ActorStreamsClient(system, this);

        // The catalog's own timers (ON_DEMAND scaling, closed-shard expiry, resharding retries) do not count as activity
        // for sharding's idle passivation, and after a restart nothing would start the catalog until a client call.
        // A heartbeat through the region keeps it running, and starts it (resuming unfinished work) soon after start-up.
        var heartbeat = settings.OnDemand.EvaluationInterval < settings.StreamShard.TrimInterval
            ? settings.OnDemand.EvaluationInterval
            : settings.StreamShard.TrimInterval;
        // On the runtime clock, as the entities' own timers are, so a test that moves its clock moves these too.
        system.ActorOf(ClockHeartbeat.Props(clock, catalogRegion, CatalogHeartbeat.Instance, heartbeat), "actorstreams-catalog-heartbeat");
    }

    /// <summary>
    /// Forgets what this node keeps of a deleted stream: its cached route, its shards' counters (and so their metric
    /// series) and consumer lag. The node that ran the deletion calls it; each StreamShard forgets itself on its node.
    /// </summary>
    internal void ForgetStream(string streamName)
    {
        Router.ForgetRoute(streamName);
        Metrics.ForgetStream(streamName);
        Lag.ForgetStream(streamName);
    }

    /// <summary>The settings read from <c>actorstreams</c>.</summary>
    public ActorStreamsSettings Settings { get; }

    /// <summary>The clock of throttles, retention and iterators (<see cref="ActorStreamsSetup"/>, else the system clock).</summary>
    public TimeProvider Clock { get; }

    /// <summary>The node's memory budget (<c>actorstreams.memory-budget</c>), shared with ActorStreams.Firehose.</summary>
    internal NodeMemoryBudget MemoryBudget { get; }

    /// <summary>This node's throughput counters per StreamShard (the web console's live rates).</summary>
    internal StreamMetrics Metrics { get; }

    /// <summary>What this node knows first-hand about consumer lag (fan-out subscriptions, polling reads, consumer applications).</summary>
    internal ConsumerLagTracker Lag { get; }

    /// <summary>The local key provider of encryption at rest (<c>actorstreams.encryption</c>).</summary>
    internal KeyProvider Keys { get; }

    /// <summary>Whether this node's journal accepts writes; writers refuse appends at once while it does not.</summary>
    internal JournalHealth Journal { get; }

    /// <summary>How the client and the services ask entities.</summary>
    internal EntityAsks Asks { get; }

    /// <summary>Stream entries, cached routes and appends to StreamShards.</summary>
    internal StreamRouter Router { get; }

    /// <summary>Iterators and pages of StreamShards, from the hot tail or the journal.</summary>
    internal ShardReads Reads { get; }

    /// <summary>What SubscribeToShard subscriptions need from the engine.</summary>
    internal SubscribeToShardCalls SubscribeToShard { get; }

    /// <summary>Leases and checkpoints of consumer applications.</summary>
    internal ConsumerApplicationCalls ConsumerApplications { get; }

    /// <summary>The materializer of the client's own streams (journal reads, subscriptions).</summary>
    internal Lazy<IMaterializer> Materializer { get; }

    /// <summary>The ActorSystem this runtime belongs to.</summary>
    internal ActorSystem System { get; }

    /// <summary>The client facade for every control- and data-plane operation.</summary>
    public ActorStreamsClient Client { get; }

    /// <summary>
    /// The sharding settings of every ActorStreams region (<c>actorstreams.sharding</c> role and remember-entities):
    /// the regions of modules such as ActorStreams.Firehose start with them too.
    /// </summary>
    internal ClusterShardingSettings ShardingSettings { get; }

    /// <summary>The Akka.Cluster.Sharding region of the StreamShard entities.</summary>
    public IActorRef StreamShardRegion { get; }

    /// <summary>The Akka.Cluster.Sharding region of the stream catalog.</summary>
    public IActorRef CatalogRegion { get; }

    /// <summary>Signs and checks shard iterators (the configured secret, or the deployment's generated one).</summary>
    internal ShardIterators Iterators { get; }

    /// <summary>The Akka.Cluster.Sharding region of the consumer applications (leases and checkpoints).</summary>
    public IActorRef ConsumerApplicationRegion { get; }

    /// <summary>The runtime of <paramref name="system"/>, started on first call.</summary>
    public static ActorStreamsExtension Get(ActorSystem system) =>
        system.WithExtension<ActorStreamsExtension, ActorStreamsExtensionProvider>();
}

/// <summary>Creates <see cref="ActorStreamsExtension"/>.</summary>
internal sealed class ActorStreamsExtensionProvider : ExtensionIdProvider<ActorStreamsExtension>
{
    /// <inheritdoc />
    public override ActorStreamsExtension CreateExtension(ExtendedActorSystem system) => new(system);
}
