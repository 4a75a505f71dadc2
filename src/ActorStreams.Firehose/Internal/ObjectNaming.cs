using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Firehose object keys: the prefix with its <c>!{namespace:value}</c> expressions evaluated (timestamps at the
/// arrival time of the buffer's oldest record, in UTC or the destination's CustomTimeZone), <c>yyyy/MM/dd/HH/</c> appended when the prefix has no timestamp
/// expression, then <c>&lt;stream&gt;-&lt;version&gt;-yyyy-MM-dd-HH-mm-ss-&lt;uuid&gt;</c>. Everything is derived from the
/// buffer (its id is the uuid and seeds the random string), so a buffer delivered again after a restart gets the
/// same key and overwrites its earlier copy instead of duplicating it.
/// </summary>
internal static class ObjectNaming
{
    public const string ProcessingFailed = "processing-failed";
    public const string HttpEndpointFailed = "http-endpoint-failed";
    public const string WarehouseFailed = "redshift-failed";
    public const string FormatConversionFailed = "format-conversion-failed";
    public const string PartitioningFailed = "partitioning-failed";
    public const string DecompressionFailed = "decompression-failed";

    public static string ObjectKey(ObjectStoreDestination destination, string streamName, int version, DateTimeOffset oldestArrival,
        Guid bufferId, string? errorOutputType, IReadOnlyDictionary<string, string>? partitionKeys = null)
    {
        var prefix = errorOutputType is null
            ? destination.Prefix ?? ""
            : destination.ErrorOutputPrefix ?? $"{errorOutputType}/";
        // The time prefix and the name's time are in the destination's time zone (UTC by default), as in Firehose.
        var local = LocalTime(oldestArrival, destination.CustomTimeZone);
        var evaluated = Evaluate(prefix, local, bufferId, errorOutputType, partitionKeys, validating: false, out var hadTimestamp);
        // A dynamically partitioned prefix is used as evaluated; the others get the default time prefix.
        var partitioned = errorOutputType is null && destination.DynamicPartitioning is { Enabled: true };
        if (!hadTimestamp && !partitioned) evaluated += local.ToString("yyyy'/'MM'/'dd'/'HH'/'", CultureInfo.InvariantCulture);
        var extension = errorOutputType is null ? destination.FileExtension ?? Compression.Extension(destination.CompressionFormat) : "";
        var key = evaluated + streamName + "-" + version.ToString(CultureInfo.InvariantCulture) + "-"
                  + local.ToString("yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture) + "-" + bufferId.ToString("D") + extension;
        if (KeyProblem(key) is { } problem) throw new FormatException($"the object key '{Shorten(key)}' {problem}");
        return key;
    }

    /// <summary>
    /// Null when <paramref name="key"/> can name an object in any store; else why not: a segment that is empty, '.' or
    /// '..', longer than a file name (<see cref="FirehoseLimits.MaxObjectKeySegmentBytes"/> bytes), a key longer than S3
    /// allows, or control characters (NUL among them).
    /// </summary>
    internal static string? KeyProblem(string key)
    {
        if (key.Any(char.IsControl)) return "holds control characters.";
        if (Encoding.UTF8.GetByteCount(key) > FirehoseLimits.MaxObjectKeyBytes) return $"is longer than {FirehoseLimits.MaxObjectKeyBytes} bytes.";
        if (key.StartsWith('/')) return "starts with '/'.";
        foreach (var segment in key.Split('/'))
        {
            if (segment is "." or "..") return "has a '.' or '..' path segment.";
            if (Encoding.UTF8.GetByteCount(segment) > FirehoseLimits.MaxObjectKeySegmentBytes)
                return $"has a path segment longer than {FirehoseLimits.MaxObjectKeySegmentBytes} bytes.";
        }
        return null;
    }

    private static string Shorten(string key) => key.Length <= 120 ? key : key[..117] + "...";

    /// <summary>Checks a prefix's expressions; the message names the first bad one.</summary>
    public static void ValidatePrefix(string? prefix, string member, bool isErrorPrefix)
    {
        if (prefix is null) return;
        if (prefix.Length > FirehoseLimits.MaxPrefixLength)
            throw new InvalidArgumentException($"{member} is {prefix.Length} characters long; at most {FirehoseLimits.MaxPrefixLength} are allowed.");
        try
        {
            Evaluate(prefix, DateTime.UnixEpoch, Guid.Empty, isErrorPrefix ? ProcessingFailed : null, null, validating: true, out _);
        }
        catch (FormatException e)
        {
            throw new InvalidArgumentException($"{member} '{prefix}' is not valid: {e.Message}");
        }
        if (prefix.Any(char.IsControl))
            throw new InvalidArgumentException($"{member} must not hold control characters (NUL among them).");
        if (prefix.StartsWith('/') || prefix.Split('/').Any(segment => segment is "." or ".."))
            throw new InvalidArgumentException($"{member} '{prefix}' must not start with '/' or hold '.' or '..' path segments.");
        // What the expressions make counts too: !{timestamp:..} is the segment '..' at every instant.
        var evaluated = Evaluate(prefix, DateTime.UnixEpoch, Guid.Empty, isErrorPrefix ? ProcessingFailed : null, null, validating: true, out _);
        if (evaluated.Length > 0 && KeyProblem(evaluated) is { } problem)
            throw new InvalidArgumentException($"{member} '{prefix}' evaluates to '{Shorten(evaluated)}', which {problem}");
    }

    /// <summary>The wall-clock time at <paramref name="at"/> in the IANA zone <paramref name="timeZone"/> (UTC when null or empty).</summary>
    internal static DateTime LocalTime(DateTimeOffset at, string? timeZone) =>
        string.IsNullOrEmpty(timeZone) ? at.UtcDateTime : TimeZoneInfo.ConvertTime(at, TimeZoneOf(timeZone)).DateTime;

    /// <summary>The IANA time zone of that id; only IANA ids (with a '/', or UTC) are taken, as Firehose takes them.</summary>
    internal static TimeZoneInfo TimeZoneOf(string id, string member = "CustomTimeZone")
    {
        if (!IsIanaLike(id) || !TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone))
            throw new InvalidArgumentException($"{member} '{id}' is not a supported time zone; use an IANA time zone id such as Asia/Tokyo or America/New_York.");
        return zone;
    }

    private static bool IsIanaLike(string id) =>
        id.Length <= FirehoseLimits.MaxCustomTimeZoneLength && id.All(c => char.IsAsciiLetter(c) || c is '/' or '_')
        && (id.Contains('/') || id == "UTC");

    public static bool HasExpressions(string? prefix) => prefix is not null && prefix.Contains("!{", StringComparison.Ordinal);

    /// <summary>The <c>!{partitionKeyFromQuery:KEY}</c> and <c>!{partitionKeyFromLambda:KEY}</c> expressions of a prefix, in order.</summary>
    public static List<(string Namespace, string Key)> PartitionExpressions(string? prefix)
    {
        var found = new List<(string, string)>();
        if (prefix is null) return found;
        var i = 0;
        while ((i = prefix.IndexOf("!{", i, StringComparison.Ordinal)) >= 0)
        {
            var end = prefix.IndexOf('}', i);
            if (end < 0) break;
            var expression = prefix.AsSpan(i + 2, end - i - 2);
            var colon = expression.IndexOf(':');
            if (colon > 0)
            {
                var ns = expression[..colon].Trim().ToString();
                if (ns is Partitioning.QueryNamespace or Partitioning.LambdaNamespace) found.Add((ns, expression[(colon + 1)..].Trim().ToString()));
            }
            i = end + 1;
        }
        return found;
    }

    private static string Evaluate(string prefix, DateTime at, Guid bufferId, string? errorOutputType,
        IReadOnlyDictionary<string, string>? partitionKeys, bool validating, out bool hadTimestamp)
    {
        hadTimestamp = false;
        var result = new StringBuilder(prefix.Length + 32);
        var randomIndex = 0;
        var i = 0;
        while (i < prefix.Length)
        {
            var start = prefix.IndexOf("!{", i, StringComparison.Ordinal);
            if (start < 0)
            {
                result.Append(prefix, i, prefix.Length - i);
                break;
            }
            result.Append(prefix, i, start - i);
            var end = prefix.IndexOf('}', start);
            if (end < 0) throw new FormatException($"the expression at position {start} has no closing '}}'.");
            var expression = prefix.AsSpan(start + 2, end - start - 2);
            var colon = expression.IndexOf(':');
            if (colon < 0) throw new FormatException($"'!{{{expression}}}' is not of the form !{{namespace:value}}.");
            var ns = expression[..colon].Trim().ToString();
            var value = expression[(colon + 1)..].Trim().ToString();
            switch (ns)
            {
                case "timestamp":
                    hadTimestamp = true;
                    result.Append(FormatJavaPattern(value, at));
                    break;
                case "firehose" when value == "random-string":
                    result.Append(RandomString(bufferId, randomIndex++));
                    break;
                case "firehose" when value == "error-output-type":
                    if (errorOutputType is null) throw new FormatException("!{firehose:error-output-type} is only allowed in the error output prefix.");
                    result.Append(errorOutputType);
                    break;
                case Partitioning.QueryNamespace or Partitioning.LambdaNamespace:
                    if (errorOutputType is not null)
                        throw new FormatException($"'!{{{ns}:{value}}}' is not allowed in the error output prefix (records there may have no partition keys).");
                    if (value.Length == 0) throw new FormatException($"'!{{{ns}:}}' names no key.");
                    if (validating) result.Append("key");
                    else if (partitionKeys is not null && partitionKeys.TryGetValue(ns + ":" + value, out var key)) result.Append(key);
                    else throw new FormatException($"'!{{{ns}:{value}}}' has no value: the buffer is not a partition with that key.");
                    break;
                default:
                    throw new FormatException($"'!{{{ns}:{value}}}' is not a supported expression (timestamp:<pattern>, firehose:random-string, firehose:error-output-type, partitionKeyFromQuery:<key>, partitionKeyFromLambda:<key>).");
            }
            i = end + 1;
        }
        return result.ToString();
    }

    /// <summary>11 lowercase letters and digits, fixed by the buffer id and the expression's position.</summary>
    private static string RandomString(Guid bufferId, int index)
    {
        Span<byte> seed = stackalloc byte[20];
        bufferId.TryWriteBytes(seed);
        BitConverter.TryWriteBytes(seed[16..], index);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(seed, hash);
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var chars = new char[FirehoseLimits.RandomStringLength];
        for (var k = 0; k < chars.Length; k++) chars[k] = alphabet[hash[k] % alphabet.Length];
        return new string(chars);
    }

    /// <summary>
    /// A Java DateTimeFormatter pattern (the letters y, u, M, d, H, h, m, s, S, a and 'quoted text'; other
    /// non-letters are literal) applied to a time (UTC, or the destination's time zone's).
    /// </summary>
    internal static string FormatJavaPattern(string pattern, DateTime time)
    {
        if (pattern.Length == 0) throw new FormatException("!{timestamp:} needs a pattern, for example !{timestamp:yyyy/MM/dd}.");
        var sb = new StringBuilder();
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\'')
            {
                var close = pattern.IndexOf('\'', i + 1);
                if (close < 0) throw new FormatException($"the quoted text in timestamp pattern '{pattern}' is not closed.");
                sb.Append(close == i + 1 ? "'" : pattern[(i + 1)..close]);
                i = close + 1;
                continue;
            }
            if (!char.IsAsciiLetter(c))
            {
                sb.Append(c);
                i++;
                continue;
            }
            var run = 1;
            while (i + run < pattern.Length && pattern[i + run] == c) run++;
            var inv = CultureInfo.InvariantCulture;
            sb.Append(c switch
            {
                'y' or 'u' => run == 2 ? (time.Year % 100).ToString("00", inv) : time.Year.ToString(new string('0', run), inv),
                'M' => run >= 3 ? time.ToString(run == 3 ? "MMM" : "MMMM", inv) : time.Month.ToString(new string('0', run), inv),
                'd' => time.Day.ToString(new string('0', run), inv),
                'H' => time.Hour.ToString(new string('0', run), inv),
                'h' => ((time.Hour + 11) % 12 + 1).ToString(new string('0', run), inv),
                'm' => time.Minute.ToString(new string('0', run), inv),
                's' => time.Second.ToString(new string('0', run), inv),
                'S' => (time.Ticks % TimeSpan.TicksPerSecond).ToString("0000000", inv)[..Math.Min(run, 7)],
                'a' => time.Hour < 12 ? "AM" : "PM",
                _ => throw new FormatException($"the letter '{c}' in timestamp pattern '{pattern}' is not supported (use y, M, d, H, h, m, s, S, a)."),
            });
            i += run;
        }
        return sb.ToString();
    }
}
