using System.Globalization;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Splits an open shard in two: the first child keeps the parent's hash keys below
    /// <paramref name="newStartingHashKey"/>, the second starts at it. The stream is UPDATING while the split runs
    /// (reads and writes go on) and ACTIVE again when this returns, or, with <c>actorstreams.state-delays.update-stream</c>
    /// set, this returns at once and the stream is UPDATING for that long (<see cref="WaitForStreamActiveAsync"/>).
    /// The parent is CLOSED and stays readable until its data expires.
    /// </summary>
    /// <exception cref="InvalidArgumentException">The key is not strictly inside the shard's range, or the shard is already closed.</exception>
    /// <exception cref="ResourceInUseException">The stream is not ACTIVE.</exception>
    /// <exception cref="LimitExceededException">The account's shard limit would be exceeded.</exception>
    /// <exception cref="ValidationException">The stream is ON_DEMAND (it reshards itself), or the key is not a 128-bit decimal.</exception>
    public async Task SplitShardAsync(string streamName, string shardToSplit, string newStartingHashKey, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        var shard = ParseShardId(shardToSplit, "shardToSplit", streamName);
        if (!TryParseHashKey(newStartingHashKey, "newStartingHashKey", out var key))
        {
            // A key of 2^128 or more is outside every shard: AWS answers it as any key outside the shard, with its range.
            var description = await DescribeStreamAsync(streamName, cancellationToken).ConfigureAwait(false);
            var range = description.Shards.FirstOrDefault(s => s.ShardId == shard)?.HashKeyRange
                ?? throw new ResourceNotFoundException($"Could not find shard {shard} in stream {streamName} under account {_settings.AccountId}.");
            throw new InvalidArgumentException(
                $"NewStartingHashKey {newStartingHashKey} used in SplitShard() on shard {shard} in stream {streamName} " +
                $"under account {_settings.AccountId} is not both greater than one plus the shard's StartingHashKey {range.StartingHashKeyText} " +
                $"and less than the shard's EndingHashKey {range.EndingHashKeyText}.");
        }
        await ReshardAsync(streamName, new SplitShardCommand(streamName, shard.Index, key), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Merges two open shards whose hash-key ranges are adjacent into one child; <paramref name="shardToMerge"/> is
    /// its ParentShardId, <paramref name="adjacentShardToMerge"/> its AdjacentParentShardId. Returns once the stream
    /// is ACTIVE again (at once with an update delay, as for <see cref="SplitShardAsync"/>).
    /// </summary>
    /// <exception cref="InvalidArgumentException">The shards are not adjacent, are the same, or one is already closed.</exception>
    /// <exception cref="ResourceInUseException">The stream is not ACTIVE.</exception>
    /// <exception cref="ValidationException">The stream is ON_DEMAND.</exception>
    public async Task MergeShardsAsync(string streamName, string shardToMerge, string adjacentShardToMerge, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        var shard = ParseShardId(shardToMerge, "shardToMerge", streamName);
        var adjacent = ParseShardId(adjacentShardToMerge, "adjacentShardToMerge", streamName);
        await ReshardAsync(streamName, new MergeShardsCommand(streamName, shard.Index, adjacent.Index), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reshapes the stream into <paramref name="targetShardCount"/> open shards of equal hash-key width, by as many
    /// splits and merges as that takes (doubling only splits, halving only merges). At most double or half the
    /// current open count per call, and at most <c>actorstreams.limits.max-update-shard-count-per-day</c> calls
    /// (Kinesis: 10) per stream in any 24 hours. Returns once the stream is ACTIVE again (at once with an update delay,
    /// as for <see cref="SplitShardAsync"/>).
    /// </summary>
    /// <exception cref="LimitExceededException">Beyond double or half, over the shard limit, or too many calls in 24 hours.</exception>
    /// <exception cref="ResourceInUseException">The stream is not ACTIVE.</exception>
    /// <exception cref="ValidationException">The stream is ON_DEMAND, or the target is outside 1 to 100,000.</exception>
    public async Task<UpdateShardCountResult> UpdateShardCountAsync(string streamName, int targetShardCount,
        ScalingType scalingType = ScalingType.UniformScaling, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        if (targetShardCount is < 1 or > KinesisLimits.MaxTargetShardCount)
            throw new ValidationException(
                $"1 validation error detected: Value '{targetShardCount}' at 'targetShardCount' failed to satisfy constraint: Member must have value " +
                (targetShardCount < 1 ? "greater than or equal to 1" : $"less than or equal to {KinesisLimits.MaxTargetShardCount}"));
        if (scalingType != ScalingType.UniformScaling)
            throw new ValidationException(
                $"1 validation error detected: Value '{scalingType}' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]");
        var done = await ReshardAsync(streamName, new UpdateShardCountCommand(streamName, targetShardCount), cancellationToken).ConfigureAwait(false);
        // Uniform scaling always ends with exactly the target (the reply may come before it is reached: state-delays.update-stream).
        return new UpdateShardCountResult(streamName, _settings.StreamArn(streamName), done.PreviousOpenShardCount, targetShardCount);
    }

    /// <summary>
    /// Switches a stream between PROVISIONED and ON_DEMAND (at most <c>actorstreams.limits.max-stream-mode-changes-per-day</c>
    /// changes, Kinesis: 2, per rolling 24 hours; asking for the mode it has changes nothing). An ON_DEMAND stream is not
    /// held to a shard's write limit and splits and merges its shards by itself (<c>actorstreams.on-demand</c>);
    /// SplitShard, MergeShards and UpdateShardCount are for PROVISIONED streams.
    /// </summary>
    /// <exception cref="ResourceInUseException">The stream is not ACTIVE.</exception>
    /// <exception cref="LimitExceededException">Too many mode changes in 24 hours.</exception>
    public Task UpdateStreamModeAsync(string streamName, StreamMode mode, CancellationToken cancellationToken = default) =>
        UpdateStreamModeAsync(streamName, mode, warmThroughputMiBps: null, cancellationToken);

    /// <summary>
    /// Switches a stream's mode as <see cref="UpdateStreamModeAsync(string, StreamMode, CancellationToken)"/> does; to
    /// ON_DEMAND with a <paramref name="warmThroughputMiBps"/>, the stream also gets that warm throughput (see
    /// <see cref="UpdateStreamWarmThroughputAsync"/>).
    /// </summary>
    /// <exception cref="ValidationException">A warm throughput with PROVISIONED.</exception>
    /// <exception cref="InvalidArgumentException">A warm throughput without the account's minimum throughput billing commitment.</exception>
    public async Task UpdateStreamModeAsync(string streamName, StreamMode mode, int? warmThroughputMiBps, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        ValidateWarmThroughput(warmThroughputMiBps);
        if (!Enum.IsDefined(mode))
            throw new ValidationException(
                $"1 validation error detected: Value '{mode}' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]");
        try
        {
            await AskAsync<StreamEntry>(_catalog, new UpdateStreamModeCommand(streamName, mode, warmThroughputMiBps), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _router.ForgetRoute(streamName);
        }
    }

    private async Task<ReshardDone> ReshardAsync(string streamName, ICatalogCommand command, CancellationToken cancellationToken)
    {
        try
        {
            return await AskAsync<ReshardDone>(_catalog, command, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Writers would learn of the new shards from the closed parents anyway; this spares them the refusal.
            _router.ForgetRoute(streamName);
        }
    }

    private StreamShardId ParseShardId(string? text, string member, string streamName)
    {
        if (string.IsNullOrEmpty(text))
            throw new ValidationException($"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must not be null.");
        return ParseShard(text, streamName);
    }

    /// <summary>A hash key as the API writes it: <c>0|([1-9]\d{0,38})</c>; false when it is 2^128 or more.</summary>
    private static bool TryParseHashKey(string? text, string member, out UInt128 key)
    {
        var wellFormed = text is { Length: > 0 and <= 39 } && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0');
        if (!wellFormed)
            throw new ValidationException(
                $"1 validation error detected: Value '{text}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{{0,38}})");
        return UInt128.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out key);
    }
}
