using ActorStreams.Firehose.Diagnostics;
using ActorStreams.Firehose.Internal;
using ActorStreams.Firehose.Serialization;
using ActorStreams.Firehose.Settings;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;

namespace ActorStreams.Firehose;

/// <summary>
/// The Firehose runtime of one ActorSystem: the DeliveryStream and delivery catalog sharding regions and the
/// <see cref="FirehoseClient"/>. Started on first use of <see cref="Get"/> (or with the system by
/// <c>WithActorStreamsFirehose</c>); it starts the ActorStreams runtime (<see cref="ActorStreamsExtension"/>) it runs
/// on, and shares its clock, sharding settings and ask timeout. The system's configuration must include
/// <see cref="FirehoseConfig.Default"/>.
/// </summary>
public sealed class FirehoseExtension : IExtension
{
    private static readonly TimeSpan DeliveryResumeDelay = TimeSpan.FromSeconds(1);

    /// <summary>Started by Akka's extension mechanism; use <see cref="Get"/>.</summary>
    public FirehoseExtension(ExtendedActorSystem system)
    {
        // Without its bindings, delivery stream events would be journaled by Akka's default (JSON) serializer.
        if (system.Serialization.FindSerializerForType(typeof(IFirehoseSerializable)) is not FirehoseSerializer)
            throw new ConfigurationException(
                "ActorStreams.Firehose's serializer is not bound in this ActorSystem: build its configuration over FirehoseConfig.Default, " +
                "or embed with WithActorStreamsFirehose (Akka.Hosting).");

        var streams = ActorStreamsExtension.Get(system);
        Settings = FirehoseSettings.Create(system);
        var runtime = new FirehoseRuntime(Settings, streams.Settings, streams.Clock, streams.MemoryBudget, streams.Journal);
        FirehoseMetrics.Observe(runtime);
        system.RegisterOnTermination(() => FirehoseMetrics.StopObserving(runtime));
        var sharding = ClusterSharding.Get(system);
        DeliveryStreamRegion = sharding.Start(DeliveryStreamEntity.TypeName,
            name => DeliveryStreamActor.Props(name, runtime),
            streams.ShardingSettings, new DeliveryStreamMessageExtractor(streams.Settings.NumberOfShards));
        var deliveryStreams = DeliveryStreamRegion;
        DeliveryCatalogRegion = sharding.Start(DeliveryStreamEntity.CatalogTypeName,
            _ => DeliveryCatalogActor.Props(deliveryStreams, runtime.Settings.MaxDeliveryStreams),
            streams.ShardingSettings, new DeliveryCatalogMessageExtractor());
        Client = new FirehoseClient(system, runtime, DeliveryStreamRegion, DeliveryCatalogRegion, streams.Settings.AskTimeout);
        // The catalog wakes every delivery stream when it recovers: start it soon after the node, so delivery resumes
        // after a restart without waiting for a request, but without competing with the node's first requests.
        // On the runtime clock, as the entities' timers are.
        var resume = streams.Clock.CreateTimer(static region => ((IActorRef)region!).Tell(StartDeliveryCatalog.Instance, ActorRefs.NoSender),
            DeliveryCatalogRegion, DeliveryResumeDelay, Timeout.InfiniteTimeSpan);
        system.RegisterOnTermination(resume.Dispose);
    }

    /// <summary>The settings read from <c>actorstreams.firehose</c>.</summary>
    public FirehoseSettings Settings { get; }

    /// <summary>The client facade: delivery streams and their puts.</summary>
    public FirehoseClient Client { get; }

    /// <summary>The Akka.Cluster.Sharding region of the DeliveryStream entities.</summary>
    public IActorRef DeliveryStreamRegion { get; }

    /// <summary>The Akka.Cluster.Sharding region of the delivery stream catalog.</summary>
    public IActorRef DeliveryCatalogRegion { get; }

    /// <summary>The Firehose runtime of <paramref name="system"/>, started on first call.</summary>
    public static FirehoseExtension Get(ActorSystem system) =>
        system.WithExtension<FirehoseExtension, FirehoseExtensionProvider>();
}

/// <summary>Creates <see cref="FirehoseExtension"/>.</summary>
internal sealed class FirehoseExtensionProvider : ExtensionIdProvider<FirehoseExtension>
{
    /// <inheritdoc />
    public override FirehoseExtension CreateExtension(ExtendedActorSystem system) => new(system);
}
