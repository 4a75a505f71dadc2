using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal.Catalog;

// Resource policies (PutResourcePolicy, DeleteResourcePolicy): the messages this feature added. Persisted:
// ResourcePolicyChanged "CF" (and the policy in the "CS" catalog snapshot: field 18 of StreamEntry, field 5 of
// ConsumerEntry). Across nodes: SetResourcePolicy "cF". A policy goes with its stream or consumer registration.

/// <summary>
/// Puts (or with a null <paramref name="Policy"/> deletes) the resource policy of a stream, or of the registration of
/// its consumer <paramref name="ConsumerName"/> made at <paramref name="CreatedAtSeconds"/>. The policy was validated
/// by the client. Answered with the stream's entry.
/// </summary>
internal sealed record SetResourcePolicy(string StreamName, string? ConsumerName, long? CreatedAtSeconds, string? Policy) : ICatalogCommand;

/// <summary>The resource policy of a stream (no <paramref name="ConsumerName"/>) or of a consumer is now <paramref name="Policy"/> (null: none).</summary>
internal sealed record ResourcePolicyChanged(string StreamName, string? ConsumerName, string? Policy) : IActorStreamsEvent;
