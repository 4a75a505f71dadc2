namespace ActorStreams.Kinesis;

/// <summary>
/// The Kinesis ListShards <c>ShardFilter</c>: a <see cref="StreamShardFilterType"/>, with <see cref="ShardId"/> for
/// <see cref="StreamShardFilterType.AfterShardId"/> only and <see cref="Timestamp"/> for the two timestamp types only
/// (anything else is an <see cref="InvalidArgumentException"/>). A timestamp before the trim horizon counts as the trim horizon.
/// </summary>
/// <param name="Type">Which shards to return.</param>
/// <param name="ShardId">The exclusive start shard id of <see cref="StreamShardFilterType.AfterShardId"/>.</param>
/// <param name="Timestamp">The time of <see cref="StreamShardFilterType.AtTimestamp"/> and <see cref="StreamShardFilterType.FromTimestamp"/>.</param>
public sealed record StreamShardFilter(StreamShardFilterType Type, string? ShardId = null, DateTimeOffset? Timestamp = null)
{
    /// <summary>The shards open now.</summary>
    public static StreamShardFilter AtLatest { get; } = new(StreamShardFilterType.AtLatest);

    /// <summary>The shards that were open at the trim horizon.</summary>
    public static StreamShardFilter AtTrimHorizon { get; } = new(StreamShardFilterType.AtTrimHorizon);

    /// <summary>Every shard within the retention period.</summary>
    public static StreamShardFilter FromTrimHorizon { get; } = new(StreamShardFilterType.FromTrimHorizon);
}
