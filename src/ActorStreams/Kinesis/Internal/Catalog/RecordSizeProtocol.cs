using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal.Catalog;

// Large records (UpdateMaxRecordSize, MaxRecordSizeInKiB on CreateStream): the messages this feature added.
// Persisted: StreamMaxRecordSizeChanged "CK" (and the size in the "CS" catalog snapshot, field 16 of StreamEntry).
// Across nodes: UpdateMaxRecordSizeCommand "cZ", and the optional size of "cC".

/// <summary>Sets the largest record (data plus partition key) the stream takes, in KiB. Answered with the stream's entry.</summary>
internal sealed record UpdateMaxRecordSizeCommand(string Name, int KiB) : ICatalogCommand;

/// <summary>The stream's largest record is now <paramref name="KiB"/> KiB.</summary>
internal sealed record StreamMaxRecordSizeChanged(string Name, int KiB) : IActorStreamsEvent;
