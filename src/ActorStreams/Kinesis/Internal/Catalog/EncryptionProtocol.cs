using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal.Catalog;

// ======================================================================================================
// Encryption at rest: every message this feature added, in one place.
// Persisted (ActorStreamsSerializer manifests): EncryptedRecordsAppended "RE", ShardEncryptionChanged "SE",
// StreamEncryptionChanged "CE" (plus the "SS" shard snapshot and the "CS" catalog snapshot, which carry the key id).
// Commands that cross nodes (wire formats in ActorStreamsMessageSerializer: "sE", "cK", and the trailing key of "sI"):
//   SetShardEncryption (catalog -> StreamShard), ChangeEncryption (client -> catalog),
//   and the new optional KeyId of InitializeShard.
// ======================================================================================================

/// <summary>
/// A RecordsAppended event written while the stream was encrypted: the same batch, its record layout sealed with
/// AES-256-GCM under <see cref="KeyId"/>. <see cref="Sealed"/> is nonce, tag, then ciphertext; <see cref="Bytes"/>
/// is the plaintext record size (sizes are not secret, and recovery needs them without the key).
/// </summary>
internal sealed record EncryptedRecordsAppended(long TimestampMs, int Count, long Bytes, string KeyId, byte[] Sealed) : IActorStreamsSerializable
{
    public bool Equals(EncryptedRecordsAppended? other) =>
        other is not null && TimestampMs == other.TimestampMs && Count == other.Count && Bytes == other.Bytes && KeyId == other.KeyId
        && Sealed.AsSpan().SequenceEqual(other.Sealed);

    public override int GetHashCode() => HashCode.Combine(TimestampMs, Count, KeyId);
}

/// <summary>From this event on the shard encrypts new records under <see cref="KeyId"/>; null: it stops encrypting.</summary>
internal sealed record ShardEncryptionChanged(string? KeyId) : IActorStreamsSerializable;

/// <summary>The catalog tells a StreamShard the stream's key (null: encryption off). Answered with <see cref="ShardAck"/>.</summary>
internal sealed record SetShardEncryption(string EntityId, string? KeyId) : IStreamShardCommand;

/// <summary>StartStreamEncryption (a key id) or StopStreamEncryption (null). Answered with the updated StreamEntry.</summary>
internal sealed record ChangeEncryption(string Name, string? KeyId) : ICatalogCommand;

/// <summary>The stream's encryption changed: records written from now on are encrypted under <see cref="KeyId"/> (null: not encrypted).</summary>
internal sealed record StreamEncryptionChanged(string Name, string? KeyId) : IActorStreamsEvent;
