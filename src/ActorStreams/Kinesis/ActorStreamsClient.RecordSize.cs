using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Sets the largest record (data plus partition key) the stream takes: 1,024 to 10,240 KiB (Kinesis' default is
    /// 1,024). A record larger than a shard's 1 MiB/s write limit is taken as a burst, and the shard then throttles
    /// until it has paid it off. Writers on this node, <see cref="ActorStreams.Dsl.KinesisSink"/> included, see the new size at once.
    /// </summary>
    /// <exception cref="ValidationException">The size is outside 1,024 to 10,240 KiB.</exception>
    /// <exception cref="ResourceInUseException">The stream is not ACTIVE.</exception>
    public async Task UpdateMaxRecordSizeAsync(string streamName, int maxRecordSizeInKiB, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        ValidateMaxRecordSize(maxRecordSizeInKiB);
        try
        {
            await AskAsync<StreamEntry>(_catalog, new UpdateMaxRecordSizeCommand(streamName, maxRecordSizeInKiB), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _router.ForgetRoute(streamName);
        }
    }

    private static void ValidateMaxRecordSize(int kib)
    {
        if (kib < KinesisLimits.MinMaxRecordSizeInKiB)
            throw new ValidationException(
                $"1 validation error detected: Value '{kib}' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to {KinesisLimits.MinMaxRecordSizeInKiB}");
        if (kib > KinesisLimits.MaxMaxRecordSizeInKiB)
            throw new ValidationException(
                $"1 validation error detected: Value '{kib}' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less than or equal to {KinesisLimits.MaxMaxRecordSizeInKiB}");
    }
}
