namespace ActorStreams.Firehose;

/// <summary>What a transformation did with one record (the Lambda record contract's <c>result</c>).</summary>
public enum TransformationResult
{
    /// <summary>Deliver the returned data.</summary>
    Ok,

    /// <summary>Deliver nothing for this record.</summary>
    Dropped,

    /// <summary>The record goes to the error output as <c>processing-failed</c>.</summary>
    ProcessingFailed,
}
