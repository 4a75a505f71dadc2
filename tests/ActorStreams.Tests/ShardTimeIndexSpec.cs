using System.Collections.Immutable;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>The sparse time index a shard resolves AT_TIMESTAMP iterators and trims retention with.</summary>
public sealed class ShardTimeIndexSpec
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    // Events 1..6 at 0 s, 3 s (same bucket), 12 s, 15 s (same bucket), 40 s, 41 s (same bucket).
    private static ShardTimeIndex Sample()
    {
        var index = new ShardTimeIndex(Interval);
        index.Add(1, 0);
        index.Add(2, 3_000);
        index.Add(3, 12_000);
        index.Add(4, 15_000);
        index.Add(5, 40_000);
        index.Add(6, 41_000);
        return index;
    }

    [Fact]
    public void ShardTimeIndex_must_keep_only_the_first_event_of_each_time_bucket()
    {
        var index = Sample();

        Assert.Equal([1L, 3L, 5L], index.EventNos.ToArray());
        Assert.Equal([0L, 12_000L, 40_000L], index.TimestampsMs.ToArray());
        Assert.Equal(1, index.FirstEventNo);
    }

    [Fact]
    public void ShardTimeIndex_must_find_the_bucket_an_AT_TIMESTAMP_iterator_starts_in()
    {
        var index = Sample();

        Assert.Equal(1, index.BucketAt(0));
        Assert.Equal(1, index.BucketAt(11_999));
        Assert.Equal(3, index.BucketAt(12_000));
        Assert.Equal(3, index.BucketAt(39_000));
        Assert.Equal(5, index.BucketAt(1_000_000));
        Assert.Null(new ShardTimeIndex(Interval).BucketAt(5));
    }

    [Fact]
    public void ShardTimeIndex_must_let_retention_delete_every_bucket_of_an_interval_before_the_cutoffs()
    {
        var index = Sample();

        // The cutoff's interval starts at 10 s: the bucket of 0 s lies wholly before it.
        Assert.Equal(2, index.ExpiredUpTo(cutoffMs: 13_000, lastRecordEventNo: 6));
        // In the first bucket's own interval nothing has expired.
        Assert.Null(index.ExpiredUpTo(cutoffMs: 5_000, lastRecordEventNo: 6));
        // In the last bucket's interval: everything before that bucket.
        Assert.Equal(4, index.ExpiredUpTo(cutoffMs: 45_000, lastRecordEventNo: 6));
        // Past the last bucket's interval: everything up to the last record event.
        Assert.Equal(6, index.ExpiredUpTo(cutoffMs: 55_000, lastRecordEventNo: 6));
        // A gap in the writes: the cutoff at 30 s lies between buckets, the one of 12 s is older than it.
        Assert.Equal(4, index.ExpiredUpTo(cutoffMs: 30_000, lastRecordEventNo: 6));
    }

    [Fact]
    public void ShardTimeIndex_must_drop_the_buckets_whose_events_were_deleted()
    {
        var index = Sample();

        index.RemoveUpTo(3);

        Assert.Equal([5L], index.EventNos.ToArray());
        Assert.Equal(5, index.FirstEventNo);
        index.RemoveUpTo(100);
        Assert.Equal(0, index.Count);
        Assert.Null(index.FirstEventNo);
    }

    [Fact]
    public void ShardTimeIndex_must_date_an_event_by_the_start_of_its_bucket_for_the_lag_report()
    {
        var index = Sample();

        Assert.Equal(12_000, index.ArrivalOf(4));
        Assert.Equal(40_000, index.ArrivalOf(5));
        // Before the oldest bucket: dated by the oldest one.
        Assert.Equal(0, index.ArrivalOf(0));
        Assert.Null(new ShardTimeIndex(Interval).ArrivalOf(1));
    }

    [Fact]
    public void ShardTimeIndex_must_come_back_from_a_snapshot_and_go_on_bucketing()
    {
        var index = new ShardTimeIndex(Interval);
        index.Restore(ImmutableArray.Create(7L, 9L), ImmutableArray.Create(50_000L, 61_000L));

        index.Add(10, 65_000);
        index.Add(11, 70_000);

        Assert.Equal([7L, 9L, 11L], index.EventNos.ToArray());
        Assert.Equal(9, index.BucketAt(69_999));
    }
}
