namespace ActorStreams.Kinesis;

/// <summary>A page of ListStreams. Pass <see cref="NextToken"/> back to read the next page.</summary>
public sealed record ListStreamsResult(IReadOnlyList<StreamSummary> StreamSummaries, bool HasMoreStreams, string? NextToken)
{
    /// <summary>Just the names, in order.</summary>
    public IEnumerable<string> StreamNames => StreamSummaries.Select(s => s.StreamName);
}
