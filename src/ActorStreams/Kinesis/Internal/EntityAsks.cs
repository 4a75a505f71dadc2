using System.Diagnostics;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Settings;
using Akka.Actor;

namespace ActorStreams.Kinesis.Internal;

/// <summary>
/// How the client and its services ask entities: replies typed or turned into the matching <see cref="ActorStreamsException"/>,
/// and resendable commands sent again while an entity moves between nodes.
/// </summary>
internal sealed class EntityAsks(ActorStreamsSettings settings)
{
    /// <summary>Asks and returns a reply of type <typeparamref name="T"/>; an error reply is thrown as its exception.</summary>
    public async Task<T> AskAsync<T>(IActorRef target, object message, CancellationToken cancellationToken)
    {
        object reply;
        try
        {
            reply = message is IResendableCommand
                ? await AskResendingAsync(target, message, TimeSpan.Zero, cancellationToken).ConfigureAwait(false)
                : await target.Ask<object>(message, settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new InternalFailureException($"No answer within {settings.AskTimeout.TotalSeconds:0.#} s (actorstreams.ask-timeout).");
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
    public async Task<object> AskResendingAsync(IActorRef target, object message, TimeSpan wait, CancellationToken cancellationToken)
    {
        var total = settings.AskTimeout + wait;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var remaining = total - Stopwatch.GetElapsedTime(started);
            var attempt = settings.ResendAfter + wait < remaining ? settings.ResendAfter + wait : remaining;
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
