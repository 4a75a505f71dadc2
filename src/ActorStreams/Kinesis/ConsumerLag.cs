namespace ActorStreams.Kinesis;

/// <summary>One consumer of a stream and its lag per shard (shards it has not read yet are not listed).</summary>
/// <param name="Kind">Enhanced fan-out consumer or consumer application.</param>
/// <param name="Name">The consumer's name, or the application's.</param>
/// <param name="ConsumerArn">The enhanced fan-out consumer's ARN; null for a consumer application.</param>
/// <param name="Shards">Per shard, in shard order.</param>
public sealed record ConsumerLag(ConsumerLagKind Kind, string Name, string? ConsumerArn, IReadOnlyList<ShardLag> Shards);
