using System.Collections.Immutable;
using Akka.Configuration;

namespace ActorStreams.Settings;

/// <summary>
/// The local key provider of encryption at rest (<c>actorstreams.encryption</c>): 256-bit AES keys under KMS-style
/// ids (<c>alias/name</c> or a key id), from configuration and from an optional key file.
/// </summary>
public sealed record EncryptionSettings
{
    /// <summary>Creates settings; keys are base64 strings, checked when they are first used.</summary>
    public EncryptionSettings(IReadOnlyDictionary<string, string> keys, string? keyFile, IReadOnlyCollection<string> disabledKeys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(disabledKeys);
        Keys = keys.ToImmutableSortedDictionary(StringComparer.Ordinal);
        KeyFile = string.IsNullOrWhiteSpace(keyFile) ? null : keyFile;
        DisabledKeys = disabledKeys.ToImmutableSortedSet(StringComparer.Ordinal);
    }

    /// <summary>Keys by id (<c>alias/name</c> or key id), each the base64 of 32 bytes.</summary>
    public ImmutableSortedDictionary<string, string> Keys { get; init; }

    /// <summary>Path of a key file (JSON object of id to base64 key, or lines <c>id base64</c>); null for none.</summary>
    public string? KeyFile { get; init; }

    /// <summary>Ids of keys that exist but are disabled (KMSDisabledException on use).</summary>
    public ImmutableSortedSet<string> DisabledKeys { get; init; }

    /// <summary>Reads <c>actorstreams.encryption</c>.</summary>
    public static EncryptionSettings Create(Config config)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        var keysConfig = config.GetConfig("keys");
        if (keysConfig is not null && !keysConfig.IsEmpty)
        {
            foreach (var (id, value) in keysConfig.Root.GetObject().Items)
                keys[id] = value.GetString();
        }
        return new EncryptionSettings(keys, config.GetString("key-file", ""), (config.GetStringList("disabled-keys") ?? []).ToArray());
    }
}
