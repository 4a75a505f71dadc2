using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal.Catalog;

// Warm throughput (UpdateStreamWarmThroughput, WarmThroughputMiBps on CreateStream and UpdateStreamMode): the messages
// this feature added. Persisted: StreamWarmThroughputChanged "CH" (and the target in the "CS" catalog snapshot, field 15
// of StreamEntry). Across nodes: UpdateWarmThroughputCommand "cY", and the optional warm throughput of "cC" and "cO".

/// <summary>Sets an ON_DEMAND stream's warm throughput; answered with the stream's entry once its pre-split has started.</summary>
internal sealed record UpdateWarmThroughputCommand(string Name, int MiBps) : ICatalogCommand;

/// <summary>The stream's warm throughput target is now <paramref name="MiBps"/> (null: none).</summary>
internal sealed record StreamWarmThroughputChanged(string Name, int? MiBps) : IActorStreamsEvent;
