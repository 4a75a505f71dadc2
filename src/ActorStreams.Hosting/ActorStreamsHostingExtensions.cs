using ActorStreams.Kinesis;
using ActorStreams.Settings;
using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Sql.Config;
using Microsoft.Extensions.DependencyInjection;

namespace ActorStreams.Hosting;

/// <summary>Embedding ActorStreams in an Akka.Hosting application.</summary>
public static class ActorStreamsHostingExtensions
{
    /// <summary>
    /// Adds ActorStreams to the ActorSystem: its configuration (as a fallback to the application's HOCON), the
    /// journal (SQLite under the data directory by default), a single-node cluster that joins itself when no seed
    /// nodes are configured, and the sharding regions, started with the system. Pair it with
    /// <see cref="AddActorStreamsClient"/> to inject <see cref="ActorStreamsClient"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithActorStreams(this AkkaConfigurationBuilder builder, Action<ActorStreamsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ActorStreamsOptions();
        configure?.Invoke(options);
        var own = options.ToConfig();
        var full = ActorStreamsConfig.Build(own);

        builder.AddHocon(own, HoconAddMode.Prepend);
        builder.AddHocon(full, HoconAddMode.Append);
        builder.AddSetup(new ActorStreamsSetup(options.Clock ?? TimeProvider.System));
        var dataOptions = ActorStreamsConfig.PrepareSqlite(full);
        if (dataOptions is not null) builder.AddSetup(new DataOptionsSetup(dataOptions));
        builder.AddStartup((system, registry) =>
        {
            var extension = ActorStreamsExtension.Get(system);
            registry.TryRegister<StreamShardRegionKey>(extension.StreamShardRegion);
            registry.TryRegister<StreamCatalogKey>(extension.CatalogRegion);
        });
        return builder;
    }

    /// <summary>Registers the <see cref="ActorStreamsClient"/> of the application's ActorSystem as a singleton.</summary>
    public static IServiceCollection AddActorStreamsClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(sp => ActorStreamsExtension.Get(sp.GetRequiredService<ActorSystem>()).Client);
        return services;
    }
}
