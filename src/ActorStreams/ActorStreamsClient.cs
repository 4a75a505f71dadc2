using System.Collections.Concurrent;
using System.Diagnostics;
using ActorStreams.Internal;
using ActorStreams.Settings;
using ActorStreams.Streams;
using Akka.Actor;
using Akka.Streams;

namespace ActorStreams;

/// <summary>
/// The C# face of ActorStreams: every Kinesis control- and data-plane operation, async and cancellable, with
/// Kinesis' validation rules. Errors are the typed <see cref="ActorStreamsException"/>s. One instance per
/// ActorSystem (<see cref="ActorStreamsExtension.Client"/>); safe to share between threads.
/// </summary>
public sealed partial class ActorStreamsClient
{
    private readonly ActorSystem _system;
    private readonly ActorStreamsSettings _settings;
    private readonly TimeProvider _clock;
    private readonly IActorRef _catalog;
    private readonly IActorRef _shards;
    private readonly ShardIteratorCodec _iterators;
    private readonly ConcurrentDictionary<string, StreamRoute> _routes = new(StringComparer.Ordinal);
    private readonly Lazy<IMaterializer> _materializer;
    private readonly Lazy<SqlJournalReader?> _journalReader;
    private readonly StreamMetrics _metrics;
    private readonly KeyProvider _keys;
    private readonly ConsumerLagTracker _lag;

    internal ActorStreamsClient(ActorSystem system, ActorStreamsExtension extension)
    {
        _system = system;
        _settings = extension.Settings;
        _clock = extension.Clock;
        _catalog = extension.CatalogRegion;
        _shards = extension.StreamShardRegion;
        _metrics = extension.Metrics;
        _keys = extension.Keys;
        _lag = extension.Lag;
        _iterators = new ShardIteratorCodec(_settings.IteratorSecret);
        _materializer = new Lazy<IMaterializer>(() => system.Materializer(namePrefix: "actorstreams-client"));
        _journalReader = new Lazy<SqlJournalReader?>(() => CreateJournalReader(system));
    }

    internal ActorStreamsSettings Settings => _settings;

    internal TimeProvider Clock => _clock;

    internal ConsumerLagTracker Lag => _lag;

    internal ActorSystem System => _system;

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private async Task<T> AskAsync<T>(IActorRef target, object message, CancellationToken cancellationToken)
    {
        object reply;
        try
        {
            reply = message is IResendableCommand
                ? await AskResendingAsync(target, message, TimeSpan.Zero, cancellationToken).ConfigureAwait(false)
                : await target.Ask<object>(message, _settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new InternalFailureException($"No answer within {_settings.AskTimeout.TotalSeconds:0.#} s (actorstreams.ask-timeout).");
        }
        return reply switch
        {
            T t => t,
            ErrorReply error => throw error.ToException(),
            Status.Failure failure => throw new InternalFailureException(failure.Cause.Message),
            _ => throw new InternalFailureException($"Unexpected reply {reply.GetType().Name} to {message.GetType().Name}."),
        };
    }

    /// <summary>
    /// Asks an entity, sending the same message again whenever no answer came within
    /// <c>actorstreams.resend-after</c> (plus <paramref name="wait"/>, the time a read may park at the tip), until
    /// <c>actorstreams.ask-timeout</c> (plus <paramref name="wait"/>) is over; then <see cref="AskTimeoutException"/>.
    /// </summary>
    private async Task<object> AskResendingAsync(IActorRef target, object message, TimeSpan wait, CancellationToken cancellationToken)
    {
        var total = _settings.AskTimeout + wait;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var remaining = total - Stopwatch.GetElapsedTime(started);
            var attempt = _settings.ResendAfter + wait < remaining ? _settings.ResendAfter + wait : remaining;
            try
            {
                return await target.Ask<object>(message, attempt, cancellationToken).ConfigureAwait(false);
            }
            catch (AskTimeoutException) when (Stopwatch.GetElapsedTime(started) < total - TimeSpan.FromMilliseconds(50))
            {
                // Dropped during a shard hand-off, or just slow: send it again.
            }
        }
    }
}
