namespace ActorStreams.Kinesis;

/// <summary>The life-cycle state of an enhanced fan-out consumer.</summary>
public enum ConsumerStatus
{
    /// <summary>Being registered (in Kinesis for some seconds; ActorStreams registers consumers at once).</summary>
    Creating,
    /// <summary>Being deregistered.</summary>
    Deleting,
    /// <summary>Registered and ready to subscribe to shards.</summary>
    Active,
}
