using ActorStreams.Internal;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// Evaluates a ListShards <see cref="StreamShardFilter"/> against the catalog's shard map, from each shard's
/// open interval: it opened at <see cref="ShardEntry.CreatedAtMs"/> (the stream's creation when unset) and, once
/// closed, closed at <see cref="ShardEntry.ClosedAtMs"/>. A closed shard whose closing time is not recorded counts as
/// closed just now, so it is listed wherever a recent close would be (a consumer then reads it to its end).
/// </summary>
internal static class StreamShardSelection
{
    public static void Validate(StreamShardFilter filter)
    {
        var needsShardId = filter.Type == StreamShardFilterType.AfterShardId;
        var needsTimestamp = filter.Type is StreamShardFilterType.AtTimestamp or StreamShardFilterType.FromTimestamp;
        var typeName = WireName(filter.Type);
        if (!Enum.IsDefined(filter.Type))
            throw new ValidationException($"1 validation error detected: Value '{filter.Type}' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]");
        if (needsShardId && string.IsNullOrEmpty(filter.ShardId))
            throw new InvalidArgumentException($"ShardFilter of type {typeName} requires a ShardId.");
        if (!needsShardId && filter.ShardId is not null)
            throw new InvalidArgumentException($"ShardFilter.ShardId can only be used with type AFTER_SHARD_ID, not {typeName}.");
        if (needsTimestamp && filter.Timestamp is null)
            throw new InvalidArgumentException($"ShardFilter of type {typeName} requires a Timestamp.");
        if (!needsTimestamp && filter.Timestamp is not null)
            throw new InvalidArgumentException($"ShardFilter.Timestamp can only be used with types AT_TIMESTAMP and FROM_TIMESTAMP, not {typeName}.");
        if (needsShardId && filter.ShardId!.Length > KinesisLimits.MaxShardIdLength)
            throw new ValidationException($"1 validation error detected: Value '{filter.ShardId}' at 'shardFilter.shardId' failed to satisfy constraint: Member must have length less than or equal to {KinesisLimits.MaxShardIdLength}.");
    }

    /// <summary>The shards of <paramref name="stream"/> that <paramref name="filter"/> selects, in shard-id order.</summary>
    public static IEnumerable<ShardEntry> Select(StreamEntry stream, StreamShardFilter filter, long nowMs)
    {
        // The trim horizon as a time: nothing older is retained, and nothing is older than the stream.
        var trimHorizonMs = Math.Max(nowMs - stream.RetentionHours * 3_600_000L, stream.CreatedAtMs);
        var shards = stream.Shards.OrderBy(s => s.Index);
        return filter.Type switch
        {
            StreamShardFilterType.AfterShardId => StreamShardId.TryParse(filter.ShardId, out var after)
                ? shards.Where(s => s.Index > after.Index)
                : shards, // not a shard id: from the first shard, as ExclusiveStartShardId does
            StreamShardFilterType.AtLatest => shards.Where(s => s.IsOpen),
            StreamShardFilterType.AtTrimHorizon => shards.Where(s => OpenAt(stream, s, trimHorizonMs, nowMs)),
            StreamShardFilterType.FromTrimHorizon => shards.Where(s => OpenSince(s, trimHorizonMs, nowMs)),
            StreamShardFilterType.AtTimestamp => shards.Where(s => OpenAt(stream, s, Math.Max(filter.Timestamp!.Value.ToUnixTimeMilliseconds(), trimHorizonMs), nowMs)),
            StreamShardFilterType.FromTimestamp => shards.Where(s => OpenSince(s, Math.Max(filter.Timestamp!.Value.ToUnixTimeMilliseconds(), trimHorizonMs), nowMs)),
            _ => throw new ArgumentOutOfRangeException(nameof(filter), filter.Type, "unknown shard filter type"),
        };
    }

    private static long ClosedAt(ShardEntry s, long nowMs) => s.ClosedAtMs ?? nowMs;

    /// <summary>Created at or before <paramref name="atMs"/>, and open or closed at or after it.</summary>
    private static bool OpenAt(StreamEntry stream, ShardEntry s, long atMs, long nowMs) =>
        (s.CreatedAtMs ?? stream.CreatedAtMs) <= atMs && (s.IsOpen || ClosedAt(s, nowMs) >= atMs);

    /// <summary>Open, or closed at or after <paramref name="sinceMs"/>.</summary>
    private static bool OpenSince(ShardEntry s, long sinceMs, long nowMs) => s.IsOpen || ClosedAt(s, nowMs) >= sinceMs;

    public static string WireName(StreamShardFilterType type) => type switch
    {
        StreamShardFilterType.AfterShardId => "AFTER_SHARD_ID",
        StreamShardFilterType.AtTrimHorizon => "AT_TRIM_HORIZON",
        StreamShardFilterType.FromTrimHorizon => "FROM_TRIM_HORIZON",
        StreamShardFilterType.AtLatest => "AT_LATEST",
        StreamShardFilterType.AtTimestamp => "AT_TIMESTAMP",
        StreamShardFilterType.FromTimestamp => "FROM_TIMESTAMP",
        _ => type.ToString(),
    };
}
