using ActorStreams.Streams;

namespace ActorStreams.Internal;

/// <summary>One read of a shard: records, where to continue, lag, or how long to wait when throttled.</summary>
internal sealed record ShardPage(IReadOnlyList<StreamRecord> Records, SequenceNumber Next, long MillisBehindLatest, TimeSpan? ThrottledFor, string? ThrottleMessage);
