namespace ActorStreams.Firehose;

/// <summary>What one error output type received.</summary>
/// <param name="Buffers">Buffers that had records of this error output type (one error output object each).</param>
/// <param name="Records">Records written to this error output type.</param>
public sealed record ErrorOutputStatistics(long Buffers, long Records);
