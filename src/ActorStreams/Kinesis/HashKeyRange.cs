using System.Globalization;

namespace ActorStreams.Kinesis;

/// <summary>An inclusive range of the 128-bit hash-key space that one shard owns.</summary>
public readonly record struct HashKeyRange(UInt128 StartingHashKey, UInt128 EndingHashKey)
{
    /// <summary>The whole key space, 0 to 2^128-1.</summary>
    public static HashKeyRange All => new(UInt128.Zero, UInt128.MaxValue);

    /// <summary>Whether <paramref name="hashKey"/> falls inside the range.</summary>
    public bool Contains(UInt128 hashKey) => hashKey >= StartingHashKey && hashKey <= EndingHashKey;

    /// <summary>The starting key as Kinesis writes it: a decimal string.</summary>
    public string StartingHashKeyText => StartingHashKey.ToString(CultureInfo.InvariantCulture);

    /// <summary>The ending key as Kinesis writes it: a decimal string.</summary>
    public string EndingHashKeyText => EndingHashKey.ToString(CultureInfo.InvariantCulture);
}
