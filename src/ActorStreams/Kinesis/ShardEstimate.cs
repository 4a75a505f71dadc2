namespace ActorStreams.Kinesis;

/// <summary>
/// How many shards a workload needs, and which limit decides it. <see cref="Shards"/> is the largest of the three
/// per-limit counts and at least 1.
/// </summary>
/// <param name="Shards">The proposed shard count.</param>
/// <param name="ForWriteBytes">Shards needed for the incoming bytes at 1 MiB/s each.</param>
/// <param name="ForWriteRecords">Shards needed for the incoming records at 1,000 records/s each.</param>
/// <param name="ForReadBytes">Shards needed for the outgoing bytes (incoming times consumers) at 2 MiB/s each.</param>
/// <param name="IncomingKiBPerSecond">Incoming bandwidth used for the estimate.</param>
/// <param name="OutgoingKiBPerSecond">Outgoing bandwidth used for the estimate.</param>
public sealed record ShardEstimate(int Shards, int ForWriteBytes, int ForWriteRecords, int ForReadBytes,
    double IncomingKiBPerSecond, double OutgoingKiBPerSecond);
