using System.Text;
using ActorStreams.Kinesis;

namespace ActorStreams.Internal;

/// <summary>Argument checks of the public API, with Kinesis' error codes and messages that name the limit.</summary>
internal static class Validate
{
    public static void StreamName(string? name, string parameter = "StreamName") => Name(name, parameter, KinesisLimits.MaxStreamNameLength);

    public static void ConsumerName(string? name, string parameter = "ConsumerName") => Name(name, parameter, KinesisLimits.MaxConsumerNameLength);

    /// <summary>Stream and consumer names: 1 to <paramref name="maxLength"/> characters of <c>[a-zA-Z0-9_.-]</c>.</summary>
    private static void Name(string? name, string parameter, int maxLength)
    {
        if (string.IsNullOrEmpty(name))
            throw new ValidationException($"1 validation error detected: Value at '{parameter}' failed to satisfy constraint: Member must not be null or empty.");
        if (name.Length > maxLength)
            throw new ValidationException($"1 validation error detected: Value '{name}' at '{parameter}' failed to satisfy constraint: Member must have length less than or equal to {maxLength}.");
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
                throw new ValidationException($"1 validation error detected: Value '{name}' at '{parameter}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+.");
        }
    }

    public static void PartitionKey([System.Diagnostics.CodeAnalysis.NotNull] string? key, string parameter = "PartitionKey")
    {
        if (string.IsNullOrEmpty(key))
            throw new ValidationException($"1 validation error detected: Value at '{parameter}' failed to satisfy constraint: Member must have length greater than or equal to 1.");
        if (key.Length > KinesisLimits.MaxPartitionKeyLength && CountRunes(key) > KinesisLimits.MaxPartitionKeyLength)
            throw new ValidationException($"1 validation error detected: Value at '{parameter}' failed to satisfy constraint: Member must have length less than or equal to {KinesisLimits.MaxPartitionKeyLength}.");
    }

    public static int RecordSize(ReadOnlyMemory<byte> data, string partitionKey, int maxRecordBytes, string parameter = "Data")
    {
        var size = data.Length + Encoding.UTF8.GetByteCount(partitionKey);
        if (size > maxRecordBytes)
            throw new ValidationException($"1 validation error detected: Value at '{parameter}' failed to satisfy constraint: the record (data plus partition key) is {size} bytes, more than the stream's maximum record size of {maxRecordBytes} bytes.");
        return size;
    }

    public static void ShardCount(int count)
    {
        if (count < 1)
            throw new ValidationException($"1 validation error detected: Value '{count}' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1");
    }

    /// <summary>A page size, named as AWS names the member in its messages (<c>limit</c>, <c>maxResults</c>).</summary>
    public static void Limit(int? limit, int max, string parameter = "limit")
    {
        if (limit is < 1)
            throw new ValidationException($"1 validation error detected: Value '{limit}' at '{parameter}' failed to satisfy constraint: Member must have value greater than or equal to 1");
        if (limit > max)
            throw new ValidationException($"1 validation error detected: Value '{limit}' at '{parameter}' failed to satisfy constraint: Member must have value less than or equal to {max}");
    }

    /// <summary>The tags of one call: 1 to <see cref="KinesisLimits.MaxTagsPerRequest"/>, each key and value within its limits.</summary>
    public static void Tags(IReadOnlyDictionary<string, string> tags)
    {
        if (tags.Count is 0 or > KinesisLimits.MaxTagsPerRequest)
            throw new ValidationException("1 validation error detected: " + LengthViolation(
                "{" + string.Join(", ", tags.Select(t => t.Key + "=" + t.Value)) + "}", "tags", tags.Count, KinesisLimits.MaxTagsPerRequest));
        foreach (var (key, value) in tags) TagKey(key, value);
    }

    /// <summary>
    /// AWS's violation of a list or map member's length, the value quoted as Java renders it
    /// (<c>[a, b]</c>, <c>{k=v}</c>).
    /// </summary>
    public static string LengthViolation(string rendered, string memberPath, int count, int max) =>
        $"Value '{rendered}' at '{memberPath}' failed to satisfy constraint: Member must have length " +
        (count < 1 ? "greater than or equal to 1" : $"less than or equal to {max}");

    public static void TagKey(string? key, string? value = "")
    {
        if (string.IsNullOrEmpty(key) || key.Length > KinesisLimits.MaxTagKeyLength)
            throw new ValidationException($"1 validation error detected: Tag key '{key}' must be 1 to {KinesisLimits.MaxTagKeyLength} characters.");
        if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            throw new InvalidArgumentException($"Tag key '{key}' uses the reserved prefix 'aws:'.");
        if (value is null || value.Length > KinesisLimits.MaxTagValueLength)
            throw new ValidationException($"1 validation error detected: Value of tag '{key}' must be 0 to {KinesisLimits.MaxTagValueLength} characters.");
    }

    private static int CountRunes(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }
}
