namespace ActorStreams.Kinesis;

/// <summary>The life-cycle state of a stream, as DescribeStream reports it.</summary>
public enum StreamStatus
{
    /// <summary>Shards are being created; the stream takes no reads or writes yet.</summary>
    Creating,
    /// <summary>Data and shards are being removed.</summary>
    Deleting,
    /// <summary>Ready for reads, writes and control operations.</summary>
    Active,
    /// <summary>A control operation (retention, resharding, encryption) is running; reads and writes go on.</summary>
    Updating,
}
