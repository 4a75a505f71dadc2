using Akka.Actor;

namespace ActorStreams.Kinesis.Internal.Reads;

/// <summary>
/// The codec that signs and checks shard iterators, under the configured <c>actorstreams.iterator-secret</c>, or when
/// that is empty under the deployment's generated secret (<see cref="IteratorSecretActor"/>), fetched once per node.
/// </summary>
internal sealed class ShardIterators
{
    private readonly IActorRef _secretRegion;
    private readonly TimeSpan _askTimeout;
    private readonly object _gate = new();
    private Task<ShardIteratorCodec>? _codec;

    public ShardIterators(string configuredSecret, IActorRef secretRegion, TimeSpan askTimeout)
    {
        _secretRegion = secretRegion;
        _askTimeout = askTimeout;
        if (!string.IsNullOrEmpty(configuredSecret)) _codec = Task.FromResult(new ShardIteratorCodec(configuredSecret));
    }

    /// <summary>The codec; the first call on a node without a configured secret asks the secret's entity.</summary>
    public Task<ShardIteratorCodec> GetAsync(CancellationToken cancellationToken)
    {
        Task<ShardIteratorCodec> codec;
        lock (_gate)
        {
            // A failed fetch is not kept: the next call asks again (the journal or the entity's node may be back).
            if (_codec is { IsFaulted: true } or { IsCanceled: true }) _codec = null;
            codec = _codec ??= FetchAsync();
        }
        return codec.IsCompletedSuccessfully ? codec : codec.WaitAsync(cancellationToken);
    }

    private async Task<ShardIteratorCodec> FetchAsync()
    {
        try
        {
            var secret = await _secretRegion.Ask<string>(IteratorSecretActor.Get, _askTimeout).ConfigureAwait(false);
            return new ShardIteratorCodec(secret);
        }
        catch (Exception e) when (e is not ActorStreamsException)
        {
            throw new InternalFailureException($"The shard iterator secret could not be read from the journal: {e.Message}");
        }
    }
}
