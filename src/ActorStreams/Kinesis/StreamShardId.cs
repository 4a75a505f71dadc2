using System.Globalization;

namespace ActorStreams.Kinesis;

/// <summary>
/// The id of a Kinesis shard inside one stream, written <c>shardId-000000000000</c>. Indexes grow as shards are
/// added by resharding and are never reused within a stream.
/// </summary>
public readonly record struct StreamShardId(int Index) : IComparable<StreamShardId>
{
    private const string Prefix = "shardId-";

    /// <summary>Parses <c>shardId-000000000007</c>; Kinesis also accepts the bare number, and so does this.</summary>
    public static bool TryParse(string? text, out StreamShardId id)
    {
        id = default;
        if (string.IsNullOrEmpty(text) || text.Length > 128) return false;
        var digits = text.StartsWith(Prefix, StringComparison.Ordinal) ? text.AsSpan(Prefix.Length) : text.AsSpan();
        if (digits.Length == 0 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return false;
        id = new StreamShardId(index);
        return true;
    }

    /// <summary>Parses a shard id or throws <see cref="ResourceNotFoundException"/> naming it.</summary>
    public static StreamShardId Parse(string text, string streamName) =>
        TryParse(text, out var id)
            ? id
            : throw new ResourceNotFoundException($"Shard {text} in stream {streamName} does not exist.");

    /// <inheritdoc />
    public int CompareTo(StreamShardId other) => Index.CompareTo(other.Index);

    /// <inheritdoc />
    public override string ToString() => Prefix + Index.ToString("D12", CultureInfo.InvariantCulture);
}
