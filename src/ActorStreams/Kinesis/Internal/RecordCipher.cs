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
        try
        {
            var plain = rented.AsSpan(0, length);
            ActorStreamsSerializer.WriteRecordsAppended(e, plain);
            var sealedBytes = Seal(key, plain, AssociatedData(persistenceId, eventNo, e.TimestampMs, e.Records.Length, keyId));
            return new EncryptedRecordsAppended(e.TimestampMs, e.Records.Length, bytes, keyId, sealedBytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rented.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Seals <paramref name="plain"/> under <paramref name="key"/>: nonce, tag, then ciphertext. The one AES-GCM layout
    /// of everything sealed at rest (a shard's records, a delivery stream's journaled records and snapshots).
    /// </summary>
    public static byte[] Seal(byte[] key, ReadOnlySpan<byte> plain, ReadOnlySpan<byte> associatedData)
    {
        var sealedBytes = new byte[NonceBytes + TagBytes + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, TagBytes);
        gcm.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), associatedData);
        return sealedBytes;
    }

    /// <summary>
    /// Opens what <see cref="Seal(byte[], ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> sealed under <paramref name="keyId"/>;
    /// a key or associated data that does not match raises <see cref="KmsAccessDeniedException"/> naming <paramref name="what"/>.
    /// </summary>
    public static byte[] Open(KeyProvider keys, string keyId, byte[] sealedBytes, ReadOnlySpan<byte> associatedData, string what)
    {
        var key = keys.Resolve(keyId);
        if (sealedBytes.Length < NonceBytes + TagBytes)
            throw new KmsAccessDeniedException($"{what} holds no valid ciphertext.");
        var plain = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        try
        {
            using var gcm = new AesGcm(key, TagBytes);
            gcm.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), plain,
                associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new KmsAccessDeniedException(
                $"{what} cannot be decrypted with key '{keyId}': the key material under that id is not the key it was encrypted with.");
        }
        return plain;
    }

    /// <summary>Opens a sealed event; a key that does not match raises <see cref="KmsAccessDeniedException"/>.</summary>
    public static RecordsAppended Open(KeyProvider keys, string persistenceId, long eventNo, EncryptedRecordsAppended e) =>
        ActorStreamsSerializer.ReadRecordsAppended(OpenLayout(keys, persistenceId, eventNo, e));

    /// <summary>Opens a sealed event into its plaintext RecordsAppended layout (for <see cref="ActorStreamsSerializer.RecordsAppendedReader"/>).</summary>
    public static byte[] OpenLayout(KeyProvider keys, string persistenceId, long eventNo, EncryptedRecordsAppended e) =>
        Open(keys, e.KeyId, e.Sealed, AssociatedData(persistenceId, eventNo, e.TimestampMs, e.Count, e.KeyId),
            $"Event {eventNo} of {persistenceId}");

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
