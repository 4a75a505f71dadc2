using ActorStreams.Kinesis;
using Xunit;

namespace ActorStreams.Tests;

public sealed class ShardEstimatorSpec
{
    [Theory]
    [InlineData(1, 2_500, 2, 3)]
    [InlineData(2, 3_000, 2, 6)]
    [InlineData(0.5, 5_000, 1, 5)]
    [InlineData(100, 50, 5, 13)]
    [InlineData(1, 0, 0, 1)]
    [InlineData(1024, 1, 0, 1)]
    public void Estimate_must_take_the_largest_of_write_bytes_write_records_and_read_bytes(double sizeKiB, double recordsPerSecond, int consumers, int expected)
    {
        Assert.Equal(expected, ShardEstimator.Estimate(sizeKiB, recordsPerSecond, consumers).Shards);
    }

    [Fact]
    public void Estimate_must_report_which_limit_decided()
    {
        var estimate = ShardEstimator.Estimate(100, 50, 5);
        Assert.Equal(5, estimate.ForWriteBytes);
        Assert.Equal(1, estimate.ForWriteRecords);
        Assert.Equal(13, estimate.ForReadBytes);
        Assert.Equal(5_000, estimate.IncomingKiBPerSecond);
        Assert.Equal(25_000, estimate.OutgoingKiBPerSecond);
    }

    [Fact]
    public void Estimate_must_round_the_record_size_up_to_a_whole_KiB()
    {
        // 1.01 KiB counts as 2 KiB: 1,000 records/s need 2,000 KiB/s of write capacity, so 2 shards.
        Assert.Equal(2, ShardEstimator.Estimate(1.01, 1_000, 0).ForWriteBytes);
    }

    [Theory]
    [InlineData(0, 10, 1, "averageRecordSizeKiB")]
    [InlineData(-1, 10, 1, "averageRecordSizeKiB")]
    [InlineData(1025, 10, 1, "averageRecordSizeKiB")]
    [InlineData(double.NaN, 10, 1, "averageRecordSizeKiB")]
    [InlineData(1, -1, 1, "recordsPerSecond")]
    [InlineData(1, double.PositiveInfinity, 1, "recordsPerSecond")]
    [InlineData(1, 10, -1, "consumers")]
    public void Estimate_must_reject_inputs_out_of_range_naming_them(double sizeKiB, double recordsPerSecond, int consumers, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ShardEstimator.Estimate(sizeKiB, recordsPerSecond, consumers));
        Assert.Equal(parameter, e.ParamName);
    }
}
