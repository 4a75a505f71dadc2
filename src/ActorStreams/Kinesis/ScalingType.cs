namespace ActorStreams.Kinesis;

/// <summary>How UpdateShardCount reshapes a stream.</summary>
public enum ScalingType
{
    /// <summary>Shards of equal hash-key width, as CreateStream makes them (<c>UNIFORM_SCALING</c>).</summary>
    UniformScaling,
}
