using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Sets how an ON_DEMAND stream places records on its shards. <see cref="RecordDistributionStrategy.Auto"/> deals
    /// each writer's records out over the open shards in turn, ignoring partition key and explicit hash key (no per-key
    /// order); <see cref="RecordDistributionStrategy.UserPartitionKey"/>, the default, routes by the MD5 of the key.
    /// The change takes effect at once for writers on this node (others when they next read the stream's shard map);
    /// the stream stays ACTIVE and records already written keep their shards. A PROVISIONED stream keeps the setting
    /// but routes by key while it stays PROVISIONED.
    /// </summary>
    /// <exception cref="InvalidArgumentException">AUTO for a PROVISIONED stream.</exception>
    /// <exception cref="ResourceInUseException">The stream is not ACTIVE.</exception>
    /// <exception cref="ResourceNotFoundException">The stream does not exist.</exception>
    public async Task UpdateStreamRecordDistributionStrategyAsync(string streamName, RecordDistributionStrategy strategy,
        CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        if (!Enum.IsDefined(strategy))
            throw new ValidationException(
                $"1 validation error detected: Value '{strategy}' at 'recordDistributionStrategy' failed to satisfy constraint: Member must satisfy enum value set: [AUTO, USER_PARTITION_KEY]");
        try
        {
            await AskAsync<StreamEntry>(_catalog, new UpdateRecordDistributionCommand(streamName, strategy), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _router.ForgetRoute(streamName);
        }
    }
}
