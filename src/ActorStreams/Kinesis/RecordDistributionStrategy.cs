namespace ActorStreams.Kinesis;

/// <summary>How an ON_DEMAND stream places records on its shards (UpdateStreamRecordDistributionStrategy).</summary>
public enum RecordDistributionStrategy
{
    /// <summary>
    /// The default: a record goes to the shard whose range holds the MD5 of its partition key (or its explicit hash
    /// key), so records of one key stay in order on one shard.
    /// </summary>
    UserPartitionKey,
    /// <summary>
    /// Records are spread evenly over the open shards, one after the other; partition key and explicit hash key are
    /// ignored, so there is no per-key ordering. ON_DEMAND streams only.
    /// </summary>
    Auto,
}
