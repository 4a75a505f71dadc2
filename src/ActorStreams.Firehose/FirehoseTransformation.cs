namespace ActorStreams.Firehose;

/// <summary>
/// A record transformation (what a Lambda processor is in AWS): gets a buffer's records and returns one output per
/// input record id. A record without an output, or a thrown exception, sends the records to the
/// <c>processing-failed</c> error output.
/// </summary>
public delegate Task<IReadOnlyList<TransformationOutputRecord>> FirehoseTransformation(
    IReadOnlyList<TransformationInputRecord> records, CancellationToken cancellationToken);
