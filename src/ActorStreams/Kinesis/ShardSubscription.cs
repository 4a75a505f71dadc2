using Akka.Streams;

namespace ActorStreams.Kinesis;

/// <summary>
/// A started enhanced fan-out subscription (<see cref="ActorStreamsClient.SubscribeToShardAsync"/>): enumerate it once
/// for its events. The enumeration ends when the subscription completes (its lifetime is over, or a closed shard was
/// read to its end) and throws the typed error that ended it otherwise (ResourceInUseException when a newer
/// subscription took over). Disposing it, or cancelling the enumeration, ends the subscription and frees its slot.
/// </summary>
public sealed class ShardSubscription : IAsyncEnumerable<SubscribeToShardEvent>, IAsyncDisposable
{
    private readonly ISinkQueue<SubscribeToShardEvent> _queue;
    private readonly UniqueKillSwitch _killSwitch;
    private int _enumerated;

    internal ShardSubscription(string consumerArn, StreamShardId shardId, ISinkQueue<SubscribeToShardEvent> queue, UniqueKillSwitch killSwitch)
    {
        ConsumerArn = consumerArn;
        ShardId = shardId;
        _queue = queue;
        _killSwitch = killSwitch;
    }

    /// <summary>The consumer that subscribed.</summary>
    public string ConsumerArn { get; }

    /// <summary>The shard it reads.</summary>
    public StreamShardId ShardId { get; }

    /// <inheritdoc />
    public async IAsyncEnumerator<SubscribeToShardEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _enumerated, 1) == 1)
            throw new InvalidOperationException("A subscription's events can be enumerated only once.");
        await using var registration = cancellationToken.Register(_killSwitch.Shutdown);
        while (true)
        {
            var next = await _queue.PullAsync().ConfigureAwait(false);
            if (!next.HasValue)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield break;
            }
            yield return next.Value;
        }
    }

    /// <summary>Ends the subscription; its slot is free for a new subscription after the resubscribe interval.</summary>
    public ValueTask DisposeAsync()
    {
        _killSwitch.Shutdown();
        return ValueTask.CompletedTask;
    }
}
