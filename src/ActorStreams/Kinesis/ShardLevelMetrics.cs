namespace ActorStreams.Kinesis;

/// <summary>
/// The shard-level metrics of Kinesis enhanced monitoring (EnableEnhancedMonitoring). A stream that enabled one has
/// it exported per shard (<c>actorstreams.shard.*</c> in <see cref="Diagnostics.ActorStreamsMetrics"/>); the values
/// combine as flags, and <see cref="All"/> is every one of them, as Kinesis' <c>ALL</c>.
/// </summary>
[Flags]
public enum ShardLevelMetrics
{
    /// <summary>No shard-level metric: Kinesis' default.</summary>
    None = 0,
    /// <summary>Bytes written to the shard.</summary>
    IncomingBytes = 1 << 0,
    /// <summary>Records written to the shard.</summary>
    IncomingRecords = 1 << 1,
    /// <summary>Bytes read from the shard.</summary>
    OutgoingBytes = 1 << 2,
    /// <summary>Records read from the shard.</summary>
    OutgoingRecords = 1 << 3,
    /// <summary>Records the shard's write limit refused.</summary>
    WriteProvisionedThroughputExceeded = 1 << 4,
    /// <summary>Read calls the shard's read limit refused.</summary>
    ReadProvisionedThroughputExceeded = 1 << 5,
    /// <summary>How far behind the tip of the shard its last read was, in milliseconds.</summary>
    IteratorAgeMilliseconds = 1 << 6,
    /// <summary>Every shard-level metric.</summary>
    All = IncomingBytes | IncomingRecords | OutgoingBytes | OutgoingRecords | WriteProvisionedThroughputExceeded
          | ReadProvisionedThroughputExceeded | IteratorAgeMilliseconds,
}
