using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Reads;
using ActorStreams.Settings;
using Akka.Actor;
using Akka.Streams;

namespace ActorStreams.Kinesis;

/// <summary>
/// The C# face of ActorStreams: every Kinesis control- and data-plane operation, async and cancellable, with
/// Kinesis' validation rules. Errors are the typed <see cref="ActorStreamsException"/>s. One instance per
/// ActorSystem (<see cref="ActorStreamsExtension.Client"/>); safe to share between threads.
/// </summary>
/// <remarks>
/// A facade: the routes, appends, reads and subscriptions behind it are internal services of the
/// <see cref="ActorStreamsExtension"/>, which stages and sources use directly.
/// </remarks>
public sealed partial class ActorStreamsClient
{
    private readonly ActorSystem _system;
    private readonly ActorStreamsExtension _extension;
    private readonly ActorStreamsSettings _settings;
    private readonly TimeProvider _clock;
    private readonly IActorRef _catalog;
    private readonly IActorRef _shards;
    private readonly ShardIterators _iterators;
    private readonly Lazy<IMaterializer> _materializer;
    private readonly ConsumerLagTracker _lag;
    private readonly EntityAsks _asks;
    private readonly StreamRouter _router;
    private readonly ShardReads _reads;

    internal ActorStreamsClient(ActorSystem system, ActorStreamsExtension extension)
    {
        _system = system;
        _extension = extension;
        _settings = extension.Settings;
        _clock = extension.Clock;
        _catalog = extension.CatalogRegion;
        _shards = extension.StreamShardRegion;
        _lag = extension.Lag;
        _asks = extension.Asks;
        _router = extension.Router;
        _reads = extension.Reads;
        _materializer = extension.Materializer;
        _iterators = extension.Iterators;
    }

    /// <summary>The runtime behind this client, for the internal stages and sources that are handed a client.</summary>
    internal ActorStreamsExtension Extension => _extension;

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private Task<T> AskAsync<T>(IActorRef target, object message, CancellationToken cancellationToken) =>
        _asks.AskAsync<T>(target, message, cancellationToken);
}
