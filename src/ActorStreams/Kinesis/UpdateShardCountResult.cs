namespace ActorStreams.Kinesis;

/// <summary>The open shard count of a stream before (<see cref="CurrentShardCount"/>) and after an UpdateShardCount.</summary>
public sealed record UpdateShardCountResult(string StreamName, string StreamArn, int CurrentShardCount, int TargetShardCount);
