using System.Collections.Frozen;
using System.Text.Json;
using ActorStreams.Settings;

namespace ActorStreams.Kinesis.Internal;

/// <summary>
/// The local stand-in for AWS KMS: resolves a KMS-style key id (<c>alias/name</c>, a key id, or the ARN of either)
/// to 256-bit key material from <see cref="EncryptionSettings"/>. Failures are the KMS errors Kinesis reports.
/// </summary>
internal sealed class KeyProvider
{
    private readonly FrozenDictionary<string, string> _keys;
    private readonly FrozenSet<string> _disabled;
    private readonly Dictionary<string, byte[]> _decoded = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public KeyProvider(EncryptionSettings settings)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        if (settings.KeyFile is { } file)
        {
            foreach (var (id, key) in ReadKeyFile(file)) keys[Canonical(id)] = key;
        }
        foreach (var (id, key) in settings.Keys) keys[Canonical(id)] = key;
        _keys = keys.ToFrozenDictionary(StringComparer.Ordinal);
        _disabled = settings.DisabledKeys.Select(Canonical).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Checks the form of a KeyId argument (InvalidArgumentException), not whether the key exists.</summary>
    public static void ValidateKeyId(string? keyId)
    {
        if (string.IsNullOrEmpty(keyId))
            throw new InvalidArgumentException("KeyId is required: a key id, an alias (alias/...), or the ARN of either.");
        if (keyId.Length > KinesisLimits.MaxKeyIdLength)
            throw new InvalidArgumentException($"KeyId is {keyId.Length} characters long; at most {KinesisLimits.MaxKeyIdLength} are allowed.");
        if (keyId.StartsWith("arn:", StringComparison.Ordinal) && ArnResource(keyId) is null)
            throw new InvalidArgumentException($"KeyId {keyId} is not a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id> or :alias/<name>).");
        if (keyId.StartsWith("alias/", StringComparison.Ordinal) && keyId.Length == "alias/".Length)
            throw new InvalidArgumentException("KeyId alias/ names no alias.");
    }

    /// <summary>The key material for <paramref name="keyId"/>, or the KMS exception that says why there is none.</summary>
    public byte[] Resolve(string keyId)
    {
        var id = Canonical(keyId);
        if (!_keys.TryGetValue(id, out var encoded))
            throw new KmsNotFoundException($"Key '{keyId}' does not exist (no key configured under {id} in actorstreams.encryption).");
        if (_disabled.Contains(id))
            throw new KmsDisabledException($"Key '{keyId}' is disabled.");
        lock (_lock)
        {
            if (_decoded.TryGetValue(id, out var cached)) return cached;
            byte[] key;
            try
            {
                key = Convert.FromBase64String(encoded);
            }
            catch (FormatException)
            {
                throw new KmsInvalidStateException($"Key '{keyId}' is not usable: its configured material is not base64.");
            }
            if (key.Length != KinesisLimits.EncryptionKeyBytes)
                throw new KmsInvalidStateException($"Key '{keyId}' is not usable: it has {key.Length} bytes, an AES-256 key has {KinesisLimits.EncryptionKeyBytes}.");
            _decoded[id] = key;
            return key;
        }
    }

    /// <summary><c>alias/name</c> or the key id: what configuration names a key by.</summary>
    internal static string Canonical(string keyId)
    {
        if (!keyId.StartsWith("arn:", StringComparison.Ordinal)) return keyId;
        var resource = ArnResource(keyId);
        if (resource is null) return keyId;
        return resource.StartsWith("key/", StringComparison.Ordinal) ? resource["key/".Length..] : resource;
    }

    // arn:<partition>:kms:<region>:<account>:<resource>, resource "key/<id>" or "alias/<name>".
    private static string? ArnResource(string arn)
    {
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[2] != "kms") return null;
        var resource = parts[5];
        return (resource.StartsWith("key/", StringComparison.Ordinal) && resource.Length > 4)
            || (resource.StartsWith("alias/", StringComparison.Ordinal) && resource.Length > 6)
            ? resource : null;
    }

    private static IEnumerable<KeyValuePair<string, string>> ReadKeyFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"actorstreams.encryption.key-file {path} cannot be read: {e.Message}", e);
        }
        if (text.TrimStart().StartsWith('{'))
        {
            Dictionary<string, string>? json;
            try
            {
                json = JsonSerializer.Deserialize<Dictionary<string, string>>(text);
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"actorstreams.encryption.key-file {path} is not a JSON object of key id to base64 key: {e.Message}", e);
            }
            return json ?? [];
        }
        var keys = new List<KeyValuePair<string, string>>();
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new InvalidOperationException($"actorstreams.encryption.key-file {path} line {lineNo}: expected '<key-id> <base64 key>'.");
            keys.Add(new(parts[0], parts[1]));
        }
        return keys;
    }
}
