using ActorStreams.Kinesis;
using Akka.Configuration;

namespace ActorStreams.Settings;

/// <summary>
/// Per-shard token-bucket limits. Over HTTP an exceeded limit answers ProvisionedThroughputExceededException; in
/// Akka.Streams it becomes backpressure. <see cref="Enabled"/> false lifts them all.
/// </summary>
public sealed record ThrottlingSettings
{
    /// <summary>Creates validated settings.</summary>
    public ThrottlingSettings(bool enabled, long writeBytesPerSecond, int writeRecordsPerSecond, long readBytesPerSecond, int readCallsPerSecond,
        int getShardIteratorCallsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(getShardIteratorCallsPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writeBytesPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writeRecordsPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(readBytesPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(readCallsPerSecond, 1);
        Enabled = enabled;
        WriteBytesPerSecond = writeBytesPerSecond;
        WriteRecordsPerSecond = writeRecordsPerSecond;
        ReadBytesPerSecond = readBytesPerSecond;
        ReadCallsPerSecond = readCallsPerSecond;
        GetShardIteratorCallsPerSecond = getShardIteratorCallsPerSecond;
    }

    /// <summary>Whether the limits apply.</summary>
    public bool Enabled { get; init; }
    /// <summary>Write bytes (data plus partition key) per shard per second.</summary>
    public long WriteBytesPerSecond { get; init; }
    /// <summary>Write records per shard per second.</summary>
    public int WriteRecordsPerSecond { get; init; }
    /// <summary>Read bytes per shard per second, shared by polling readers.</summary>
    public long ReadBytesPerSecond { get; init; }
    /// <summary>GetRecords calls per shard per second.</summary>
    public int ReadCallsPerSecond { get; init; }
    /// <summary>GetShardIterator calls per shard per second (sources starting up are not counted: they wait instead).</summary>
    public int GetShardIteratorCallsPerSecond { get; init; }

    /// <summary>Bytes per second each enhanced fan-out consumer (SubscribeToShard) reads from each shard, apart from <see cref="ReadBytesPerSecond"/>.</summary>
    public long SubscriptionBytesPerSecond
    {
        get => _subscriptionBytesPerSecond;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _subscriptionBytesPerSecond = value;
        }
    }

    private readonly long _subscriptionBytesPerSecond = KinesisLimits.ConsumerReadBytesPerSecond;

    /// <summary>Kinesis' own limits.</summary>
    public static ThrottlingSettings Kinesis => new(true, KinesisLimits.ShardWriteBytesPerSecond, KinesisLimits.ShardWriteRecordsPerSecond,
        KinesisLimits.ShardReadBytesPerSecond, KinesisLimits.ShardReadCallsPerSecond, KinesisLimits.ShardGetShardIteratorCallsPerSecond);

    /// <summary>Reads <c>actorstreams.throttling</c>.</summary>
    public static ThrottlingSettings Create(Config config) => new ThrottlingSettings(
        config.Switch("enabled"),
        config.Bytes("write-bytes-per-second"),
        config.Int("write-records-per-second"),
        config.Bytes("read-bytes-per-second"),
        config.Int("read-calls-per-second"),
        config.Int("get-shard-iterator-calls-per-second"))
    {
        SubscriptionBytesPerSecond = config.Bytes("subscription-bytes-per-second"),
    };
}
