using System.Collections.Immutable;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Catalog;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>
/// ListShards' ShardFilter over a shard map with closed shards: two shards at creation (t0); shard 0 split at
/// t0+10 min into 2 and 3; shards 2 and 3 merged at t0+20 min into 4. Open now: 1 and 4.
/// </summary>
public sealed class StreamShardSelectionSpec
{
    private static readonly long T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z").ToUnixTimeMilliseconds();
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;

    private static StreamEntry Stream(bool shard3ClosingTimeKnown = true)
    {
        var halves = HashKey.UniformRanges(2);
        var quarters = HashKey.UniformRanges(4);
        ImmutableArray<ShardEntry> shards =
        [
            new(0, halves[0], null, null, EndingEventNo: 5, ClosedAtMs: T0 + 10 * Minute),
            new(1, halves[1], null, null, null),
            new(2, quarters[0], 0, null, 3, CreatedAtMs: T0 + 10 * Minute, ClosedAtMs: T0 + 20 * Minute),
            new(3, quarters[1], 0, null, 4, CreatedAtMs: T0 + 10 * Minute, ClosedAtMs: shard3ClosingTimeKnown ? T0 + 20 * Minute : null),
            new(4, halves[0], 2, 3, null, CreatedAtMs: T0 + 20 * Minute),
        ];
        return new StreamEntry("s", 1, StreamStatus.Active, StreamMode.Provisioned, 24, T0, shards,
            ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal), []);
    }

    private static int[] Select(StreamShardFilter filter, long nowMs, StreamEntry? stream = null)
    {
        StreamShardSelection.Validate(filter);
        return StreamShardSelection.Select(stream ?? Stream(), filter, nowMs).Select(s => s.Index).ToArray();
    }

    private static StreamShardFilter At(long ms) => new(StreamShardFilterType.AtTimestamp, Timestamp: DateTimeOffset.FromUnixTimeMilliseconds(ms));

    private static StreamShardFilter From(long ms) => new(StreamShardFilterType.FromTimestamp, Timestamp: DateTimeOffset.FromUnixTimeMilliseconds(ms));

    [Fact]
    public void AT_LATEST_must_list_only_the_open_shards() =>
        Assert.Equal([1, 4], Select(StreamShardFilter.AtLatest, T0 + 30 * Minute));

    [Fact]
    public void AT_TRIM_HORIZON_must_list_the_shards_open_at_the_trim_horizon()
    {
        // The stream is younger than its retention: the trim horizon is its creation.
        Assert.Equal([0, 1], Select(StreamShardFilter.AtTrimHorizon, T0 + 30 * Minute));
        // 25 h later the trim horizon is t0+1 h, after the merge.
        Assert.Equal([1, 4], Select(StreamShardFilter.AtTrimHorizon, T0 + 25 * Hour));
    }

    [Fact]
    public void FROM_TRIM_HORIZON_must_list_every_shard_with_data_in_the_retention_period()
    {
        Assert.Equal([0, 1, 2, 3, 4], Select(StreamShardFilter.FromTrimHorizon, T0 + 30 * Minute));
        Assert.Equal([1, 4], Select(StreamShardFilter.FromTrimHorizon, T0 + 25 * Hour));
        // Shard 2 closed at t0+20 min, which is still inside 24 h at t0+24 h 15 min; shard 0 (t0+10 min) is not.
        Assert.Equal([1, 2, 3, 4], Select(StreamShardFilter.FromTrimHorizon, T0 + 24 * Hour + 15 * Minute));
    }

    [Fact]
    public void AT_TIMESTAMP_must_list_the_shards_open_at_that_time_bounds_included()
    {
        Assert.Equal([0, 1], Select(At(T0 + 5 * Minute), T0 + 30 * Minute));
        Assert.Equal([0, 1, 2, 3], Select(At(T0 + 10 * Minute), T0 + 30 * Minute));
        Assert.Equal([1, 2, 3], Select(At(T0 + 15 * Minute), T0 + 30 * Minute));
        Assert.Equal([1, 4], Select(At(T0 + 25 * Minute), T0 + 30 * Minute));
        Assert.Equal([1, 4], Select(At(T0 + 10 * Hour), T0 + 30 * Minute)); // in the future: what is open
    }

    [Fact]
    public void AT_TIMESTAMP_before_the_trim_horizon_must_count_as_the_trim_horizon()
    {
        Assert.Equal([0, 1], Select(At(T0 - Hour), T0 + 30 * Minute));
        Assert.Equal([1, 4], Select(At(T0 + 15 * Minute), T0 + 25 * Hour));
    }

    [Fact]
    public void FROM_TIMESTAMP_must_list_open_shards_and_those_closed_at_or_after_it()
    {
        Assert.Equal([1, 2, 3, 4], Select(From(T0 + 15 * Minute), T0 + 30 * Minute));
        Assert.Equal([1, 2, 3, 4], Select(From(T0 + 20 * Minute), T0 + 30 * Minute));
        Assert.Equal([1, 4], Select(From(T0 + 21 * Minute), T0 + 30 * Minute));
        Assert.Equal([0, 1, 2, 3, 4], Select(From(T0 - Hour), T0 + 30 * Minute)); // corrected to the trim horizon
    }

    [Fact]
    public void AFTER_SHARD_ID_must_list_the_shards_after_that_id()
    {
        Assert.Equal([3, 4], Select(new StreamShardFilter(StreamShardFilterType.AfterShardId, "shardId-000000000002"), T0));
        Assert.Equal([0, 1, 2, 3, 4], Select(new StreamShardFilter(StreamShardFilterType.AfterShardId, "not-a-shard-id"), T0));
    }

    [Fact]
    public void A_closed_shard_without_a_recorded_closing_time_must_count_as_closed_just_now()
    {
        var stream = Stream(shard3ClosingTimeKnown: false);
        Assert.Equal([1, 3, 4], Select(From(T0 + 25 * Minute), T0 + 30 * Minute, stream));
        Assert.Equal([1, 4], Select(StreamShardFilter.AtLatest, T0 + 30 * Minute, stream));
    }

    [Theory]
    [InlineData(StreamShardFilterType.AfterShardId, null, false, "requires a ShardId")]
    [InlineData(StreamShardFilterType.AtTimestamp, null, false, "requires a Timestamp")]
    [InlineData(StreamShardFilterType.FromTimestamp, null, false, "requires a Timestamp")]
    [InlineData(StreamShardFilterType.AtLatest, "shardId-000000000000", false, "ShardId can only be used with type AFTER_SHARD_ID")]
    [InlineData(StreamShardFilterType.AtTrimHorizon, null, true, "Timestamp can only be used with types AT_TIMESTAMP and FROM_TIMESTAMP")]
    [InlineData(StreamShardFilterType.AfterShardId, "shardId-000000000000", true, "Timestamp can only be used")]
    public void A_filter_missing_what_its_type_needs_or_carrying_what_it_does_not_take_must_be_an_InvalidArgumentException(
        StreamShardFilterType type, string? shardId, bool withTimestamp, string message)
    {
        var filter = new StreamShardFilter(type, shardId, withTimestamp ? DateTimeOffset.UnixEpoch : null);
        var e = Assert.Throws<InvalidArgumentException>(() => StreamShardSelection.Validate(filter));
        Assert.Contains(message, e.Message);
    }
}
