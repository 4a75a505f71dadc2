namespace ActorStreams.Kinesis;

/// <summary>
/// Proposes a shard count for a new stream, the way the Kinesis developer guide sizes streams:
/// incoming KiB/s = average record size (rounded up to a whole KiB) x records per second;
/// outgoing KiB/s = incoming x consumers; shards = max(incoming / 1,024, records / 1,000, outgoing / 2,048),
/// each rounded up, at least 1.
/// </summary>
/// <example>
/// 2 KiB records at 3,000/s read by 2 consumers: incoming 6,000 KiB/s (6 shards), records 3 shards,
/// outgoing 12,000 KiB/s (6 shards): <c>Estimate(2, 3000, 2).Shards == 6</c>.
/// 0.5 KiB records at 5,000/s with 1 consumer: records and (rounded-up) write bytes both need 5, <c>Estimate(0.5, 5000, 1).Shards == 5</c>.
/// </example>
public static class ShardEstimator
{
    /// <summary>Estimates the shards for a workload.</summary>
    /// <param name="averageRecordSizeKiB">Average record size in KiB: above 0, at most 1,024 (the 1 MiB record limit).</param>
    /// <param name="recordsPerSecond">Records written per second, 0 or more.</param>
    /// <param name="consumers">Consumers reading every record (polling consumers share a shard's 2 MiB/s), 0 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">An input is outside its range (the message names it).</exception>
    public static ShardEstimate Estimate(double averageRecordSizeKiB, double recordsPerSecond, int consumers)
    {
        if (!(averageRecordSizeKiB > 0) || averageRecordSizeKiB > KinesisLimits.DefaultMaxRecordSizeBytes / 1024.0)
            throw new ArgumentOutOfRangeException(nameof(averageRecordSizeKiB), averageRecordSizeKiB,
                $"The average record size must be above 0 and at most {KinesisLimits.DefaultMaxRecordSizeBytes / 1024} KiB.");
        if (!(recordsPerSecond >= 0) || double.IsInfinity(recordsPerSecond))
            throw new ArgumentOutOfRangeException(nameof(recordsPerSecond), recordsPerSecond, "Records per second must be 0 or more.");
        ArgumentOutOfRangeException.ThrowIfNegative(consumers);

        var incoming = Math.Ceiling(averageRecordSizeKiB) * recordsPerSecond;
        var outgoing = incoming * consumers;
        var forWriteBytes = (int)Math.Ceiling(incoming / (KinesisLimits.ShardWriteBytesPerSecond / 1024.0));
        var forWriteRecords = (int)Math.Ceiling(recordsPerSecond / KinesisLimits.ShardWriteRecordsPerSecond);
        var forReadBytes = (int)Math.Ceiling(outgoing / (KinesisLimits.ShardReadBytesPerSecond / 1024.0));
        var shards = Math.Max(1, Math.Max(forWriteBytes, Math.Max(forWriteRecords, forReadBytes)));
        return new ShardEstimate(shards, forWriteBytes, forWriteRecords, forReadBytes, incoming, outgoing);
    }
}
