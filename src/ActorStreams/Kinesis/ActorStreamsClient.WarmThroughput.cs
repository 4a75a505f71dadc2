using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Gives an ON_DEMAND stream a warm throughput: the write throughput in MiB/s it must take at once. The stream gets
    /// at least one open shard per MiB/s (its shards are split, widest first, while it shows UPDATING) and the on-demand
    /// scaling never merges it below that; a lower value lets it merge down again when idle. Needs the account's minimum
    /// throughput billing commitment (<see cref="UpdateAccountSettingsAsync"/>). Returns the stream with its
    /// <see cref="StreamDescriptionSummary.WarmThroughput"/>, whose current value grows to the target as the splits run.
    /// </summary>
    /// <exception cref="ValidationException">The stream is PROVISIONED, or the value is below 0.</exception>
    /// <exception cref="InvalidArgumentException">The account has no minimum throughput billing commitment in effect.</exception>
    /// <exception cref="LimitExceededException">Above <see cref="KinesisLimits.MaxWarmThroughputMiBps"/>, or beyond the account's shard limit.</exception>
    /// <exception cref="ResourceInUseException">The stream is not ACTIVE.</exception>
    public async Task<StreamDescriptionSummary> UpdateStreamWarmThroughputAsync(string streamName, int warmThroughputMiBps,
        CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        ValidateWarmThroughput(warmThroughputMiBps);
        try
        {
            return ToSummary(await AskAsync<StreamEntry>(_catalog, new UpdateWarmThroughputCommand(streamName, warmThroughputMiBps), cancellationToken)
                .ConfigureAwait(false));
        }
        finally
        {
            _router.ForgetRoute(streamName);
        }
    }

    private static void ValidateWarmThroughput(int? warmThroughputMiBps)
    {
        if (warmThroughputMiBps < 0)
            throw new ValidationException(
                $"1 validation error detected: Value '{warmThroughputMiBps}' at 'warmThroughputMiBps' failed to satisfy constraint: Member must have value greater than or equal to 0");
    }

    /// <summary>An ON_DEMAND stream's warm throughput: its target, and 1 MiB/s per open shard now.</summary>
    private static WarmThroughput? WarmThroughputOf(StreamEntry e) =>
        e.Mode == StreamMode.OnDemand
            ? new WarmThroughput(e.WarmThroughputMiBps, (int)((long)e.OpenShardCount * KinesisLimits.ShardWriteBytesPerSecond / (1024 * 1024)))
            : null;
}
