using System.Collections.Concurrent;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Settings;
using Akka.Actor;

namespace ActorStreams.Kinesis.Internal;

/// <summary>
/// Where a stream's records go: its catalog entry, the cached route from hash keys to StreamShard entities, and
/// appends to one StreamShard, which keep the cached route current when a shard turns out deleted or closed.
/// The client's puts, the sink stage and the sources reach the shards through it.
/// </summary>
internal sealed class StreamRouter(ActorStreamsSettings settings, EntityAsks asks, IActorRef catalog, IActorRef shards, JournalHealth? journal = null,
    StreamMetrics? metrics = null)
{
    private readonly ConcurrentDictionary<string, StreamRoute> _routes = new(StringComparer.Ordinal);

    /// <summary>The stream's catalog entry as it is now.</summary>
    public async Task<StreamEntry> GetEntryAsync(string streamName, CancellationToken cancellationToken)
    {
        Validate.StreamName(streamName);
        var entry = await asks.AskAsync<StreamEntry>(catalog, new GetStream(streamName), cancellationToken).ConfigureAwait(false);
        // How a node other than the catalog's learns which shard-level metrics the stream exports.
        metrics?.SetShardLevelMetrics(entry.Name, entry.Epoch, entry.ShardLevelMetrics);
        return entry;
    }

    /// <summary>The cached route of an ACTIVE (or UPDATING) stream, read from the catalog when there is none.</summary>
    public async Task<StreamRoute> GetRouteAsync(string streamName, CancellationToken cancellationToken)
    {
        if (_routes.TryGetValue(streamName, out var cached)) return cached;
        var entry = await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        // AWS's wording: to a write, a stream that is CREATING or DELETING does not exist yet (or any more).
        if (entry.Status is StreamStatus.Creating or StreamStatus.Deleting)
            throw new ResourceNotFoundException($"Stream {streamName} under account {settings.AccountId} not found.");
        var route = new StreamRoute(entry);
        _routes[streamName] = route;
        return route;
    }

    /// <summary>
    /// Appends to one shard; a shard that no longer exists drops the cached route so the next call reads the stream
    /// afresh. A shard closed by resharding throws <see cref="ShardClosedException"/> after handing its keys to its
    /// children in the cached route. While the journal refuses writes, throws <see cref="InternalFailureException"/> at once.
    /// </summary>
    public async Task<AppendRecordsResult> AppendAsync(StreamRoute route, int shard, StoredRecord[] records, long bytes,
        CancellationToken cancellationToken)
    {
        // While the journal refuses writes nothing is asked: a StreamShard stopped by a failed write would first have to
        // recover from that journal, and the caller should hear at once that it may retry.
        if (journal?.Fault is { } fault) throw new InternalFailureException(fault.Message);
        // AskAsync<object> hands every reply back, errors included. The request id lets the shard recognize a resend of
        // this append (see EntityAsks.AskResendingAsync): a repeat gets the first answer, never a second write.
        var reply = await asks.AskAsync<object>(shards, new AppendRecords(route.EntityId(shard, settings.AccountId), records, bytes, Guid.NewGuid(), route.OnDemand),
            cancellationToken).ConfigureAwait(false);
        switch (reply)
        {
            case AppendRecordsResult result:
                return result;
            case AppendRefusedClosed refused:
                throw new ShardClosedException(RouteAfterClose(route, refused), shard);
            case ErrorReply { Code: ResourceNotFoundException.Code } error:
                _routes.TryRemove(new KeyValuePair<string, StreamRoute>(route.Name, route));
                throw error.ToException();
            case ErrorReply error:
                throw error.ToException();
            default:
                throw new InternalFailureException($"Unexpected reply {reply.GetType().Name} to an append.");
        }
    }

    /// <summary>The cached route (or <paramref name="route"/>, whichever is newer) with the refused shard's keys given to its children.</summary>
    private StreamRoute RouteAfterClose(StreamRoute route, AppendRefusedClosed refused)
    {
        while (true)
        {
            var cached = _routes.TryGetValue(route.Name, out var c) && c.Epoch == route.Epoch ? c : null;
            var basis = cached is not null && cached.Version >= route.Version ? cached : route;
            var patched = basis.WithClosed(refused.ShardIndex, refused.Closed);
            if (cached is null ? _routes.TryAdd(route.Name, patched) : ReferenceEquals(basis, patched) || _routes.TryUpdate(route.Name, patched, cached))
                return patched;
        }
    }

    /// <summary>How many routes are cached (what a test of forgetting asserts on).</summary>
    public int RouteCount => _routes.Count;

    /// <summary>Drops the cached route of a stream whose shard map changed.</summary>
    public void ForgetRoute(string streamName) => _routes.TryRemove(streamName, out _);
}
