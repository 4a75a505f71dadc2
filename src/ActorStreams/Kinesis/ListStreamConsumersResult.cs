namespace ActorStreams.Kinesis;

/// <summary>A page of ListStreamConsumers. Pass <see cref="NextToken"/> back to read the next page; null on the last.</summary>
public sealed record ListStreamConsumersResult(IReadOnlyList<StreamConsumer> Consumers, string? NextToken);
