namespace ActorStreams.Kinesis;

/// <summary>
/// One event of an enhanced fan-out subscription (SubscribeToShard). <see cref="ContinuationSequenceNumber"/> is
/// where this subscription has got to: the sequence number of the last record in <see cref="Records"/>, or a
/// position between records when the event has none. Subscribe again with AFTER_SEQUENCE_NUMBER and it to resume
/// exactly after the records seen (AT_SEQUENCE_NUMBER delivers the last one again). It is null only in the last
/// event of a closed shard, which lists the shards to read next in <see cref="ChildShards"/>.
/// </summary>
/// <param name="Records">The records, in shard order; empty in an event that only reports progress.</param>
/// <param name="ContinuationSequenceNumber">Where to resume; null once a closed shard has been read to its end.</param>
/// <param name="MillisBehindLatest">How far these records are behind the tip of the shard; 0 when caught up.</param>
/// <param name="ChildShards">Empty while the shard is open; its children in the last event of a closed shard.</param>
public sealed record SubscribeToShardEvent(
    IReadOnlyList<StreamRecord> Records,
    string? ContinuationSequenceNumber,
    long MillisBehindLatest,
    IReadOnlyList<ChildShard> ChildShards);
