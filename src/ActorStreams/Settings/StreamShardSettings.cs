using ActorStreams.Kinesis;
using Akka.Configuration;

namespace ActorStreams.Settings;

/// <summary>How each StreamShard entity batches, caches, snapshots and trims (<c>actorstreams.stream-shard</c>).</summary>
public sealed record StreamShardSettings
{
    /// <summary>Creates validated settings.</summary>
    public StreamShardSettings(int maxEventRecords, long maxEventBytes, long hotTailBytes, int snapshotEveryEvents,
        long snapshotEveryBytes, TimeSpan timeIndexInterval, TimeSpan trimInterval, TimeSpan longPollTimeout)
    {
        if (maxEventRecords is < 1 or > Kinesis.SequenceNumber.MaxIndex + 1)
            throw new ArgumentOutOfRangeException(nameof(maxEventRecords), maxEventRecords, $"must be 1 to {Kinesis.SequenceNumber.MaxIndex + 1}");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfNegative(hotTailBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(snapshotEveryEvents, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(snapshotEveryBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeIndexInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(trimInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(longPollTimeout, TimeSpan.Zero);
        MaxEventRecords = maxEventRecords;
        MaxEventBytes = maxEventBytes;
        HotTailBytes = hotTailBytes;
        SnapshotEveryEvents = snapshotEveryEvents;
        SnapshotEveryBytes = snapshotEveryBytes;
        TimeIndexInterval = timeIndexInterval;
        TrimInterval = trimInterval;
        LongPollTimeout = longPollTimeout;
    }

    /// <summary>Most records one group-committed journal event holds.</summary>
    public int MaxEventRecords { get; init; }
    /// <summary>Most bytes one group-committed journal event holds (a single larger write still gets its own event).</summary>
    public long MaxEventBytes { get; init; }
    /// <summary>Bytes of recent events kept in memory per shard.</summary>
    public long HotTailBytes { get; init; }
    /// <summary>Snapshot after this many events.</summary>
    public int SnapshotEveryEvents { get; init; }
    /// <summary>Snapshot after this many bytes of events.</summary>
    public long SnapshotEveryBytes { get; init; }
    /// <summary>Granularity of the AT_TIMESTAMP index.</summary>
    public TimeSpan TimeIndexInterval { get; init; }
    /// <summary>How often retention trimming runs.</summary>
    public TimeSpan TrimInterval { get; init; }
    /// <summary>Longest a live read waits at the tip.</summary>
    public TimeSpan LongPollTimeout { get; init; }

    /// <summary>Reads <c>actorstreams.stream-shard</c>.</summary>
    public static StreamShardSettings Create(Config config) => new(
        config.GetInt("max-event-records"),
        config.Bytes("max-event-bytes"),
        config.Bytes("hot-tail-bytes"),
        config.GetInt("snapshot-every-events"),
        config.Bytes("snapshot-every-bytes"),
        config.GetTimeSpan("time-index-interval"),
        config.GetTimeSpan("trim-interval"),
        config.GetTimeSpan("long-poll-timeout"));
}
