namespace ActorStreams.Firehose;

/// <summary>One entry of a PutRecordBatch result: a <see cref="RecordId"/>, or an <see cref="ErrorCode"/> and message.</summary>
public sealed record PutRecordBatchResultEntry(string? RecordId, string? ErrorCode, string? ErrorMessage)
{
    /// <summary>Whether this record was accepted.</summary>
    public bool Succeeded => RecordId is not null;
}
