namespace ActorStreams.Kinesis;

/// <summary>
/// The consumers of a stream and how far each is behind, per shard, gathered from every node of the cluster
/// (<see cref="ActorStreamsClient.GetConsumerLagAsync"/>).
/// </summary>
/// <param name="StreamName">The stream.</param>
/// <param name="Consumers">
/// Every registered enhanced fan-out consumer (with the shards it subscribed to in the last 10 minutes), then every
/// consumer application whose entity is running, by name.
/// </param>
/// <param name="IteratorAges">Per shard read by polling in the last minute, the iterator age of those reads.</param>
/// <param name="At">When the report was put together.</param>
/// <param name="NodesAnswered">Cluster members that answered; fewer than <paramref name="NodesAsked"/> means the report may miss consumers.</param>
/// <param name="NodesAsked">Cluster members asked (every reachable member that is up).</param>
public sealed record StreamConsumerLag(string StreamName, IReadOnlyList<ConsumerLag> Consumers, IReadOnlyList<ShardIteratorAge> IteratorAges,
    DateTimeOffset At, int NodesAnswered, int NodesAsked);
