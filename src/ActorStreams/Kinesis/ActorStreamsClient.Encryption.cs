using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>The only encryption type Kinesis offers besides <see cref="EncryptionTypeNone"/>: server-side encryption with a KMS key.</summary>
    public const string EncryptionTypeKms = "KMS";

    /// <summary>No encryption at rest.</summary>
    public const string EncryptionTypeNone = "NONE";

    /// <summary>
    /// Encrypts every record written from now on with AES-256-GCM under <paramref name="keyId"/>: a key id, an alias
    /// (<c>alias/name</c>) or the ARN of either, resolved by the local key provider (<c>actorstreams.encryption</c>).
    /// Records written before stay as they were. Unknown key: <see cref="KmsNotFoundException"/>; disabled:
    /// <see cref="KmsDisabledException"/>; unusable material: <see cref="KmsInvalidStateException"/>.
    /// </summary>
    public Task StartStreamEncryptionAsync(string streamName, string keyId, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        KeyProvider.ValidateKeyId(keyId);
        return AskAsync<StreamEntry>(_catalog, new ChangeEncryption(streamName, keyId), cancellationToken);
    }

    /// <summary>
    /// Stops encrypting new records. Records already encrypted stay encrypted and still need their key to be read.
    /// <paramref name="keyId"/> is checked for form only, as Kinesis requires it in the request.
    /// </summary>
    public Task StopStreamEncryptionAsync(string streamName, string keyId, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        KeyProvider.ValidateKeyId(keyId);
        return AskAsync<StreamEntry>(_catalog, new ChangeEncryption(streamName, null), cancellationToken);
    }
}
