using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Persistence.Sql.Config;
using ActorStreams.Settings;
using Akka.Configuration;

namespace ActorStreams;

/// <summary>
/// Programmatic setup of ActorStreams that HOCON cannot carry: the clock. Pass it in the <see cref="ActorSystemSetup"/>;
/// tests pass a fake <see cref="TimeProvider"/> to drive throttling, retention and iterator expiry without sleeping.
/// </summary>
public sealed class ActorStreamsSetup : Setup
{
    /// <summary>Creates a setup with the given clock.</summary>
    public ActorStreamsSetup(TimeProvider clock) => Clock = clock ?? throw new ArgumentNullException(nameof(clock));

    /// <summary>The clock every StreamShard, iterator and throttle reads.</summary>
    public TimeProvider Clock { get; }

    /// <summary>
    /// Everything an ActorSystem needs to run ActorStreams from plain HOCON: the merged configuration, the SQLite
    /// connection options (WAL, synchronous level) when SQLite is the journal, and the clock.
    /// </summary>
    public static ActorSystemSetup CreateActorSystemSetup(Config? application = null, TimeProvider? clock = null)
    {
        var config = ActorStreamsConfig.Build(application);
        var setup = BootstrapSetup.Create().WithConfig(config).And(new ActorStreamsSetup(clock ?? TimeProvider.System));
        var dataOptions = ActorStreamsConfig.PrepareSqlite(config);
        return dataOptions is null ? setup : setup.And(new DataOptionsSetup(dataOptions));
    }
}
