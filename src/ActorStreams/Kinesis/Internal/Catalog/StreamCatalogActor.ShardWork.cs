using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;
using Akka.Actor;
using Akka.Event;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// The catalog's work with a stream's shards when the stream is created or deleted: every shard is asked at once, the
/// answers come back as one message, and the stream turns ACTIVE, or is gone, when all have answered. The work is
/// idempotent; when it fails (a shard slow to start behind a loaded journal, a node moving) it is sent again on the
/// runtime clock, after 1 s and then less often, until it is done, so a stream never waits for a restart.
/// </summary>
internal sealed partial class StreamCatalogActor
{
    private sealed record ShardsInitialized(string Name, long Epoch, IActorRef? ReplyTo);
    private sealed record ShardsRetired(string Name, long Epoch, IActorRef? ReplyTo);
    // Epoch set: creating or deleting a stream's shards, which is tried again (RetryShardWork) until it is done.
    private sealed record ShardWorkFailed(string Name, string What, Exception Cause, IActorRef? ReplyTo, long? Epoch = null);
    private sealed record RetryShardWork(string Name, long Epoch);

    // Failed attempts so far of the shard work of a CREATING or DELETING stream, by stream name.
    private readonly Dictionary<string, int> _shardWorkFailures = new(StringComparer.Ordinal);

    /// <summary>1 s after the first failure, doubling up to 30 s.</summary>
    internal static TimeSpan ShardWorkRetryDelay(int failures) => TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Min(failures - 1, 5)));

    private void HandleShardWork(object message)
    {
        switch (message)
        {
            case ShardsInitialized done:
                _shardWorkFailures.Remove(done.Name);
                if (_streams.TryGetValue(done.Name, out var created) && created.Epoch == done.Epoch && created.Status == StreamStatus.Creating)
                    PersistEvent(new StreamActivated(done.Name), () => done.ReplyTo?.Tell(View(_streams[done.Name])));
                else
                    done.ReplyTo?.Tell(new ErrorReply(ResourceNotFoundException.Code, $"Stream {done.Name} was deleted while it was being created."));
                break;
            case ShardsRetired done:
                _shardWorkFailures.Remove(done.Name);
                if (_streams.TryGetValue(done.Name, out var deleting) && deleting.Epoch == done.Epoch && deleting.Status == StreamStatus.Deleting)
                    PersistEvent(new StreamDeleted(done.Name), () => done.ReplyTo?.Tell(new ShardAck(done.Name)));
                else
                    done.ReplyTo?.Tell(new ShardAck(done.Name));
                break;
            case ShardWorkFailed failed:
                failed.ReplyTo?.Tell(new ErrorReply(InternalFailureException.Code, $"{failed.What} of stream {failed.Name} failed: {failed.Cause.Message}"));
                if (failed.Epoch is not { } epoch)
                {
                    _log.Error(failed.Cause, "{0} of stream {1} failed; it is retried when the catalog restarts", failed.What, failed.Name);
                    return;
                }
                // A stream must not stay CREATING or DELETING until the next restart because its shards were slow to
                // start (a journal under load, a node moving): the work is idempotent, so it is sent again, later each time.
                var failures = _shardWorkFailures[failed.Name] = _shardWorkFailures.GetValueOrDefault(failed.Name) + 1;
                var delay = ShardWorkRetryDelay(failures);
                if (failures == 1)
                    _log.Error(failed.Cause, "{0} of stream {1} failed; retrying in {2}, then less often until it is done", failed.What, failed.Name, delay);
                else
                    _log.Warning("{0} of stream {1} failed again ({2} times: {3}); retrying in {4}", failed.What, failed.Name, failures, failed.Cause.Message, delay);
                Timers.StartSingleTimer("shard-work/" + failed.Name, new RetryShardWork(failed.Name, epoch), delay);
                break;
            case RetryShardWork retry:
                if (_streams.TryGetValue(retry.Name, out var waiting) && waiting.Epoch == retry.Epoch)
                {
                    if (waiting.Status == StreamStatus.Creating) InitializeShards(waiting, null);
                    else if (waiting.Status == StreamStatus.Deleting) RetireShards(waiting, null);
                    else _shardWorkFailures.Remove(retry.Name);
                }
                else
                {
                    _shardWorkFailures.Remove(retry.Name);
                }
                break;
        }
    }

    private void InitializeShards(StreamEntry entry, IActorRef? replyTo)
    {
        PipeWork(AskAllShards(entry, id => new InitializeShard(id, new ShardInitialized(
                entry.Name, entry.Epoch, ShardIndexOf(id), RangeOf(entry, id).StartingHashKey, RangeOf(entry, id).EndingHashKey,
                entry.RetentionHours, entry.CreatedAtMs))),
            success: () => new ShardsInitialized(entry.Name, entry.Epoch, replyTo),
            failure: ex => new ShardWorkFailed(entry.Name, "Creating the shards", ex, replyTo, entry.Epoch));
    }

    private void RetireShards(StreamEntry entry, IActorRef? replyTo)
    {
        PipeWork(AskAllShards(entry, id => new RetireShard(id)),
            success: () => new ShardsRetired(entry.Name, entry.Epoch, replyTo),
            failure: ex => new ShardWorkFailed(entry.Name, "Deleting the shards", ex, replyTo, entry.Epoch));
    }

    private static int ShardIndexOf(string entityId) => int.Parse(entityId[(entityId.LastIndexOf('/') + 1)..]);

    private static HashKeyRange RangeOf(StreamEntry entry, string entityId)
    {
        var index = ShardIndexOf(entityId);
        return entry.Shards.First(s => s.Index == index).HashKeyRange;
    }

    private Task AskAllShards(StreamEntry entry, Func<string, IStreamShardCommand> command)
    {
        var timeout = _settings.AskTimeout;
        var tasks = entry.Shards.Select(async shard =>
        {
            var reply = await _shardRegion.Ask<object>(command(StreamShardEntity.EntityId(entry.Name, entry.Epoch, shard.Index)), timeout);
            if (reply is ErrorReply error) throw error.ToException();
        });
        return Task.WhenAll(tasks);
    }
}
