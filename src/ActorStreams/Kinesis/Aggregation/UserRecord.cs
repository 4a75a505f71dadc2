namespace ActorStreams.Kinesis.Aggregation;

/// <summary>
/// A user record: one record as its producer wrote it. A Kinesis record that the producer aggregated (the KPL
/// format, see <see cref="KplAggregate"/>) holds several; any other Kinesis record is one user record of its own.
/// </summary>
/// <param name="ShardId">The shard of the Kinesis record that carried it.</param>
/// <param name="SequenceNumber">The sequence number of the Kinesis record that carried it.</param>
/// <param name="SubSequenceNumber">
/// Its index inside the aggregate (0 for a record that was not aggregated): sequence number and sub-sequence number
/// together order the user records of a shard.
/// </param>
/// <param name="ApproximateArrivalTimestamp">When the Kinesis record that carried it arrived.</param>
/// <param name="Data">The user record's data (a slice of the Kinesis record's data, not a copy).</param>
/// <param name="PartitionKey">The user record's own partition key (not the aggregate's).</param>
/// <param name="ExplicitHashKey">The user record's explicit hash key, when its producer set one.</param>
/// <param name="Aggregated">Whether it came out of an aggregate.</param>
public sealed record UserRecord(
    StreamShardId ShardId,
    string SequenceNumber,
    long SubSequenceNumber,
    DateTimeOffset ApproximateArrivalTimestamp,
    ReadOnlyMemory<byte> Data,
    string PartitionKey,
    string? ExplicitHashKey,
    bool Aggregated);
