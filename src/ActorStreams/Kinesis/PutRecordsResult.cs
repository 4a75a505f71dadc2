namespace ActorStreams.Kinesis;

/// <summary>The outcome of PutRecords, one entry per request entry in the same order.</summary>
public sealed record PutRecordsResult(int FailedRecordCount, IReadOnlyList<PutRecordsResultEntry> Records);
