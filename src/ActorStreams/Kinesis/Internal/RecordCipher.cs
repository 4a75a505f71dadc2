using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal;

/// <summary>
/// AES-256-GCM sealing of one RecordsAppended event. The associated data binds the ciphertext to its shard's
/// persistence id, its event number, timestamp, record count and key id, so a sealed event copied elsewhere in the
/// journal does not open.
/// </summary>
internal static class RecordCipher
{
    public const int NonceBytes = 12;
    public const int TagBytes = 16;

    public static EncryptedRecordsAppended Seal(byte[] key, string keyId, string persistenceId, long eventNo, RecordsAppended e, long bytes)
    {
        // The plaintext layout lives in a pooled buffer (no large-object-heap array per event) and is wiped before it goes back.
        var length = ActorStreamsSerializer.RecordsAppendedSize(e);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        var sealedBytes = new byte[NonceBytes + TagBytes + length];
        try
        {
            var plain = rented.AsSpan(0, length);
            ActorStreamsSerializer.WriteRecordsAppended(e, plain);
            var nonce = sealedBytes.AsSpan(0, NonceBytes);
            RandomNumberGenerator.Fill(nonce);
            using var gcm = new AesGcm(key, TagBytes);
            gcm.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes),
                AssociatedData(persistenceId, eventNo, e.TimestampMs, e.Records.Length, keyId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rented.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(rented);
        }
        return new EncryptedRecordsAppended(e.TimestampMs, e.Records.Length, bytes, keyId, sealedBytes);
    }

    /// <summary>Opens a sealed event; a key that does not match raises <see cref="KmsAccessDeniedException"/>.</summary>
    public static RecordsAppended Open(KeyProvider keys, string persistenceId, long eventNo, EncryptedRecordsAppended e) =>
        ActorStreamsSerializer.ReadRecordsAppended(OpenLayout(keys, persistenceId, eventNo, e));

    /// <summary>Opens a sealed event into its plaintext RecordsAppended layout (for <see cref="ActorStreamsSerializer.RecordsAppendedReader"/>).</summary>
    public static byte[] OpenLayout(KeyProvider keys, string persistenceId, long eventNo, EncryptedRecordsAppended e)
    {
        var key = keys.Resolve(e.KeyId);
        if (e.Sealed.Length < NonceBytes + TagBytes)
            throw new KmsAccessDeniedException($"Event {eventNo} of {persistenceId} holds no valid ciphertext.");
        var plain = new byte[e.Sealed.Length - NonceBytes - TagBytes];
        try
        {
            using var gcm = new AesGcm(key, TagBytes);
            gcm.Decrypt(e.Sealed.AsSpan(0, NonceBytes), e.Sealed.AsSpan(NonceBytes + TagBytes), e.Sealed.AsSpan(NonceBytes, TagBytes), plain,
                AssociatedData(persistenceId, eventNo, e.TimestampMs, e.Count, e.KeyId));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new KmsAccessDeniedException(
                $"The records of event {eventNo} of {persistenceId} cannot be decrypted with key '{e.KeyId}': the key material under that id is not the key they were encrypted with.");
        }
        return plain;
    }

    private static byte[] AssociatedData(string persistenceId, long eventNo, long timestampMs, int count, string keyId)
    {
        var ad = new byte[Encoding.UTF8.GetByteCount(persistenceId) + Encoding.UTF8.GetByteCount(keyId) + 8 + 8 + 4 + 2];
        var span = ad.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(span, eventNo);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], timestampMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], count);
        var pos = 20;
        pos += Encoding.UTF8.GetBytes(persistenceId, span[pos..]);
        span[pos++] = 0;
        Encoding.UTF8.GetBytes(keyId, span[pos..]);
        return ad;
    }
}
