namespace ActorStreams.Kinesis;

/// <summary>How a stream's capacity is managed.</summary>
public enum StreamMode
{
    /// <summary>A fixed number of shards, each throttled at its limits.</summary>
    Provisioned,
    /// <summary>Capacity follows the load; shards are split and merged by the runtime.</summary>
    OnDemand,
}
