using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Policies;

namespace ActorStreams.Kinesis;

// PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy: a policy by ARN, on a stream or on an enhanced
// fan-out consumer, kept with it in the catalog and gone with it. The server enforces it on signed requests.
public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Attaches a resource policy to the stream or consumer a Kinesis ARN names, replacing any it had. The policy must
    /// stay within the subset ActorStreams enforces (Version, Statement with Sid, Effect, Principal, Action, Resource;
    /// see docs/security.md); anything else is refused here rather than stored and ignored.
    /// </summary>
    /// <exception cref="InvalidArgumentException">The policy is not JSON or is outside the supported subset.</exception>
    /// <exception cref="ValidationException">The ARN is not a Kinesis stream or consumer ARN.</exception>
    /// <exception cref="ResourceNotFoundException">No such stream, or no such registration of the consumer.</exception>
    public async Task PutResourcePolicyAsync(string resourceArn, string policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ResourcePolicy.Parse(policy);
        await SetResourcePolicyAsync(resourceArn, policy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The resource policy of the stream or consumer a Kinesis ARN names, as it was put; null when it has none.</summary>
    /// <exception cref="ResourceNotFoundException">No such stream, or no such registration of the consumer.</exception>
    public async Task<string?> GetResourcePolicyAsync(string resourceArn, CancellationToken cancellationToken = default)
    {
        if (!TryParseConsumerResource(resourceArn, out var consumer))
            return (await GetEntryAsync(ConsumerArns.StreamNameOf(resourceArn), cancellationToken).ConfigureAwait(false)).ResourcePolicy;
        var entry = await GetEntryAsync(consumer.StreamName, cancellationToken).ConfigureAwait(false);
        return ConsumerArns.Find(_settings, entry, consumer.ConsumerName, consumer.CreatedSeconds).ResourcePolicy;
    }

    /// <summary>Removes the resource policy of the stream or consumer a Kinesis ARN names; one without a policy is left as it is.</summary>
    /// <exception cref="ResourceNotFoundException">No such stream, or no such registration of the consumer.</exception>
    public Task DeleteResourcePolicyAsync(string resourceArn, CancellationToken cancellationToken = default) =>
        SetResourcePolicyAsync(resourceArn, null, cancellationToken);

    private async Task SetResourcePolicyAsync(string resourceArn, string? policy, CancellationToken cancellationToken)
    {
        try
        {
            if (TryParseConsumerResource(resourceArn, out var consumer))
                await AskAsync<StreamEntry>(_catalog, new SetResourcePolicy(consumer.StreamName, consumer.ConsumerName, consumer.CreatedSeconds, policy),
                    cancellationToken).ConfigureAwait(false);
            else
                await AskAsync<StreamEntry>(_catalog, new SetResourcePolicy(ConsumerArns.StreamNameOf(resourceArn), null, null, policy), cancellationToken)
                    .ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Increment(ref _resourcePolicyChanges);
        }
    }

    private long _resourcePolicyChanges;

    /// <summary>
    /// Grows whenever this client has put or deleted a resource policy (or tried to): a policy read before it changed
    /// is no longer current (the server's authorizer caches policies by it).
    /// </summary>
    internal long ResourcePolicyChanges => Interlocked.Read(ref _resourcePolicyChanges);

    /// <summary>The stream a shard iterator reads, or null when it is not one of this cluster's iterators (GetRecords then says why).</summary>
    internal async Task<string?> StreamNameOfIteratorAsync(string shardIterator, CancellationToken cancellationToken)
    {
        var iterators = await _iterators.GetAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return iterators.Decode(shardIterator).StreamName;
        }
        catch (ActorStreamsException)
        {
            return null;
        }
    }
}
