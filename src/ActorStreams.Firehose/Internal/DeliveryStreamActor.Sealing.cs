using System.Text;
using ActorStreams.Firehose.Serialization;
using ActorStreams.Kinesis.Internal;
using Akka.Serialization;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Encryption at rest: with the delivery stream's encryption on, the events that carry record payloads and the
/// snapshot are journaled as <see cref="SealedFirehoseEvent"/>s, sealed by the Kinesis shards' <see cref="RecordCipher"/>
/// under a key of <c>actorstreams.encryption</c>. Sealed events open whatever the encryption is now, so records
/// journaled while it was on are read back and delivered after it is turned off and after a restart.
/// </summary>
internal sealed partial class DeliveryStreamActor
{
    /// <summary>The key an <c>AWS_OWNED_CMK</c> delivery stream seals with, when <c>actorstreams.encryption</c> holds it.</summary>
    internal const string AwsOwnedKeyId = "alias/aws/firehose";

    private SerializerWithStringManifest? _serializer;

    // The key of the newest sealed event whose records may still be in the backlog: what carries them on (snapshots,
    // partitioned buffers) stays sealed under it after encryption is turned off, until the backlog is empty.
    private string? _heldSealedKeyId;

    private SerializerWithStringManifest Serializer =>
        _serializer ??= (SerializerWithStringManifest)Context.System.Serialization.FindSerializerForType(typeof(SealedFirehoseEvent));

    /// <summary>
    /// The key id records are sealed with now, or null to journal them in plaintext: encryption off, or
    /// <c>AWS_OWNED_CMK</c> with no <see cref="AwsOwnedKeyId"/> configured (puts then answer <c>Encrypted: false</c>).
    /// A customer managed key that does not resolve fails the put with its KMS error.
    /// </summary>
    private string? SealingKeyId()
    {
        if (_meta?.Encryption is not { Enabled: true } encryption) return null;
        if (encryption.KeyType == "CUSTOMER_MANAGED_CMK" && encryption.KeyArn is { } arn)
        {
            _runtime.Keys.Resolve(arn);
            return arn;
        }
        try
        {
            _runtime.Keys.Resolve(AwsOwnedKeyId);
            return AwsOwnedKeyId;
        }
        catch (KmsNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The key for an event or snapshot that carries records already in the backlog: the current one, or, encryption
    /// off, the key records still held were sealed under (they are not written out again in plaintext).
    /// </summary>
    private string? CarryingKeyId()
    {
        if (_backlogBytes == 0) _heldSealedKeyId = null;
        return SealingKeyId() ?? _heldSealedKeyId;
    }

    /// <summary><paramref name="e"/> sealed under <paramref name="keyId"/>, or itself when <paramref name="keyId"/> is null.</summary>
    private object SealedOrPlain(object e, string? keyId)
    {
        if (keyId is null) return e;
        _heldSealedKeyId = keyId;
        var manifest = Serializer.Manifest(e);
        return new SealedFirehoseEvent(keyId, manifest,
            RecordCipher.Seal(_runtime.Keys.Resolve(keyId), Serializer.ToBinary(e), AssociatedData(keyId, manifest)));
    }

    private object Open(SealedFirehoseEvent e)
    {
        _heldSealedKeyId = e.KeyId;
        return Serializer.FromBinary(RecordCipher.Open(_runtime.Keys, e.KeyId, e.Sealed, AssociatedData(e.KeyId, e.Manifest),
            $"A sealed {e.Manifest} event of {PersistenceId}"), e.Manifest);
    }

    // Binds the ciphertext to this delivery stream, the inner layout and the key id: a sealed event copied into
    // another delivery stream's journal, or relabelled, does not open.
    private byte[] AssociatedData(string keyId, string manifest) => Encoding.UTF8.GetBytes($"{PersistenceId}\0{manifest}\0{keyId}");
}
