namespace ActorStreams.Firehose;

/// <summary>One page of ListDeliveryStreams: names in ordinal order, and whether more follow the last one.</summary>
public sealed record ListDeliveryStreamsResult(IReadOnlyList<string> DeliveryStreamNames, bool HasMoreDeliveryStreams);
