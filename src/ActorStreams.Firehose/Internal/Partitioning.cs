using System.Collections.Immutable;
using System.Text;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Dynamic partitioning of one object store destination: which keys make a record's partition (those its prefix
/// uses, named <c>partitionKeyFromQuery:KEY</c> and <c>partitionKeyFromLambda:KEY</c> as in the prefix expressions) and
/// how a record gets them: the metadata extraction query on its (transformed) data, the transformation's
/// <c>metadata.partitionKeys</c>. Records whose evaluated prefix is the same share a partition.
/// </summary>
internal sealed class Partitioning
{
    public const string QueryNamespace = "partitionKeyFromQuery";
    public const string LambdaNamespace = "partitionKeyFromLambda";
    public const string ErrorCode = "DynamicPartitioning.MetadataExtractionFailed";
    public const string ActivePartitionsExceededCode = "DynamicPartitioning.ActivePartitionsExceeded";

    private readonly string[] _queryKeys;
    private readonly string[] _lambdaKeys;

    private Partitioning(MetadataQuery? query, string[] queryKeys, string[] lambdaKeys)
    {
        Query = query;
        _queryKeys = queryKeys;
        _lambdaKeys = lambdaKeys;
    }

    public MetadataQuery? Query { get; }

    /// <summary>The partitioning of a destination; null when dynamic partitioning is off. Assumes a validated destination.</summary>
    public static Partitioning? Of(ObjectStoreDestination destination)
    {
        if (destination.DynamicPartitioning is not { Enabled: true }) return null;
        var used = ObjectNaming.PartitionExpressions(destination.Prefix);
        var processing = destination.Processing is { Enabled: true } p ? p : null;
        var query = processing?.MetadataExtractionQuery is { } text ? MetadataQuery.Parse(text, "MetadataExtractionQuery") : null;
        return new Partitioning(query,
            used.Where(u => u.Namespace == QueryNamespace).Select(u => u.Key).Distinct().ToArray(),
            used.Where(u => u.Namespace == LambdaNamespace).Select(u => u.Key).Distinct().ToArray());
    }

    /// <summary>The record's partition keys, or false with the reason it goes to <c>partitioning-failed</c>.</summary>
    public bool TryKeys(BufferedRecord record, out ImmutableSortedDictionary<string, string> keys, out string? error)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        keys = ImmutableSortedDictionary<string, string>.Empty;
        if (_queryKeys.Length > 0)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Query is null)
            {
                error = "No metadata extraction query is configured.";
                return false;
            }
            if (!Query.TryEvaluate(record.Data, values, out error)) return false;
            foreach (var key in _queryKeys)
            {
                if (!values.TryGetValue(key, out var value))
                {
                    error = $"The metadata extraction query produces no key {key}.";
                    return false;
                }
                if (!ValidValue(key, value, out error)) return false;
                builder[QueryNamespace + ":" + key] = value;
            }
        }
        foreach (var key in _lambdaKeys)
        {
            if (record.LambdaKeys is null || !record.LambdaKeys.TryGetValue(key, out var value))
            {
                error = $"The transformation returned no metadata.partitionKeys.{key} for the record.";
                return false;
            }
            if (!ValidValue(key, value, out error)) return false;
            builder[LambdaNamespace + ":" + key] = value;
        }
        keys = builder.ToImmutable();
        error = null;
        return true;
    }

    /// <summary>A value lands in an object key: it must be a usable path segment.</summary>
    private static bool ValidValue(string key, string value, out string? error)
    {
        error = value.Length == 0 ? $"Partition key {key} is empty."
            : value.Length > FirehoseLimits.MaxPartitionKeyValueLength ? $"Partition key {key} is {value.Length} characters long; at most {FirehoseLimits.MaxPartitionKeyValueLength} are allowed."
            : value is "." or ".." || value.IndexOfAny(['/', '\\', '\0']) >= 0 ? $"Partition key {key} is '{value}'; a value must not be '.' or '..' nor hold '/', '\\' or NUL."
            : null;
        return error is null;
    }

    /// <summary>One string per distinct key set (the partition's identity in the entity and the journal).</summary>
    public static string Canonical(ImmutableSortedDictionary<string, string> keys)
    {
        // Ordinal order whatever the dictionary's comparer: the journal holds this string, replay must make the same.
        var sb = new StringBuilder();
        foreach (var (k, v) in keys.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (sb.Length > 0) sb.Append('\0');
            sb.Append(k).Append('\u0001').Append(v);
        }
        return sb.ToString();
    }
}
