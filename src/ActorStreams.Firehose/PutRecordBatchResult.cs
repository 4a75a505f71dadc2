namespace ActorStreams.Firehose;

/// <summary>
/// The result of PutRecordBatch, one entry per record in request order. Records that failed
/// (<c>ServiceUnavailableException</c> when the backlog is full, <c>InternalFailure</c>) were not stored; resend them.
/// </summary>
public sealed record PutRecordBatchResult(int FailedPutCount, bool Encrypted, IReadOnlyList<PutRecordBatchResultEntry> RequestResponses);
