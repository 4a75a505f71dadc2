namespace ActorStreams.Firehose;

/// <summary>
/// When a delivery stream closes a buffer and delivers it: once it holds <see cref="SizeInMBs"/> MiB, or
/// <see cref="IntervalInSeconds"/> seconds after its first record arrived, whichever comes first. The allowed ranges
/// depend on the destination (see <see cref="FirehoseLimits"/>).
/// </summary>
public sealed record BufferingHints
{
    /// <summary>Size hint in MiB.</summary>
    public int SizeInMBs { get; init; } = FirehoseLimits.DefaultBufferSizeMiB;

    /// <summary>Interval hint in seconds; 0 delivers as soon as records arrive.</summary>
    public int IntervalInSeconds { get; init; } = FirehoseLimits.DefaultBufferIntervalSeconds;
}
