using ActorStreams.Firehose.Settings;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorStreams.Firehose.Hosting;

/// <summary>Embedding ActorStreams.Firehose in an Akka.Hosting application, next to <c>WithActorStreams</c>.</summary>
public static class FirehoseHostingExtensions
{
    /// <summary>
    /// Adds Firehose to the ActorSystem: its configuration and serializer bindings (as a fallback to the
    /// application's HOCON) and the DeliveryStream and delivery catalog sharding regions, started with the system and
    /// registered in the <see cref="ActorRegistry"/> (<see cref="DeliveryStreamRegionKey"/>, <see cref="DeliveryCatalogKey"/>).
    /// It runs on the ActorStreams runtime: call <c>WithActorStreams</c> on the same builder. Pair it with
    /// <see cref="AddActorStreamsFirehoseClient"/> to inject <see cref="FirehoseClient"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithActorStreamsFirehose(this AkkaConfigurationBuilder builder, Action<FirehoseOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new FirehoseOptions();
        configure?.Invoke(options);
        builder.AddHocon(options.ToConfig(), HoconAddMode.Prepend);
        builder.AddHocon(FirehoseConfig.Default, HoconAddMode.Append);
        builder.AddStartup((system, registry) =>
        {
            var extension = FirehoseExtension.Get(system);
            registry.TryRegister<DeliveryStreamRegionKey>(extension.DeliveryStreamRegion);
            registry.TryRegister<DeliveryCatalogKey>(extension.DeliveryCatalogRegion);
        });
        return builder;
    }

    /// <summary>Registers the <see cref="FirehoseClient"/> of the application's ActorSystem as a singleton.</summary>
    public static IServiceCollection AddActorStreamsFirehoseClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(sp => FirehoseExtension.Get(sp.GetRequiredService<ActorSystem>()).Client);
        return services;
    }
}
