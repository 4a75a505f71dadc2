namespace ActorStreams.Kinesis;

/// <summary>
/// An ON_DEMAND stream's warm throughput, as DescribeStreamSummary and UpdateStreamWarmThroughput report it: the write
/// throughput asked for (<paramref name="TargetMiBps"/>, null when none was) and the write capacity its open shards
/// give now (<paramref name="CurrentMiBps"/>, 1 MiB/s per shard), which grows to the target as shards are split.
/// </summary>
public sealed record WarmThroughput(int? TargetMiBps, int CurrentMiBps);
