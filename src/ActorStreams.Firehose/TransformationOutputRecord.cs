namespace ActorStreams.Firehose;

/// <summary>A transformation's answer for one record, matched to its input by <see cref="RecordId"/>.</summary>
public sealed record TransformationOutputRecord(string RecordId, TransformationResult Result, ReadOnlyMemory<byte> Data)
{
    /// <summary>
    /// The record's <c>metadata.partitionKeys</c> (the Lambda record contract): with dynamic partitioning, the values of
    /// <c>!{partitionKeyFromLambda:KEY}</c>. Null for none.
    /// </summary>
    public IReadOnlyDictionary<string, string>? PartitionKeys { get; init; }
}
