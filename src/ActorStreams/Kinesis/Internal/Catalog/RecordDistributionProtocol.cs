using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal.Catalog;

// Record distribution (UpdateStreamRecordDistributionStrategy, RecordDistributionStrategy on CreateStream): the
// messages this feature added. Persisted: StreamRecordDistributionChanged "CI" (and the strategy in the "CS" catalog
// snapshot, field 17 of StreamEntry). Across nodes: UpdateRecordDistributionCommand "cI", and the optional strategy of "cC".

/// <summary>Sets how an ON_DEMAND stream places records on its shards. Answered with the stream's entry.</summary>
internal sealed record UpdateRecordDistributionCommand(string Name, RecordDistributionStrategy Strategy) : ICatalogCommand;

/// <summary>The stream now places records by <paramref name="Strategy"/>.</summary>
internal sealed record StreamRecordDistributionChanged(string Name, RecordDistributionStrategy Strategy) : IActorStreamsEvent;
