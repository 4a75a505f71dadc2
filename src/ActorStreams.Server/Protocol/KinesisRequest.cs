using System.Globalization;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// Typed access to the members of a Kinesis JSON request, with the errors Kinesis gives: a member of the wrong
/// JSON type is a SerializationException, a missing required member a ValidationException. Unknown members are ignored.
/// </summary>
internal readonly struct KinesisRequest(JsonElement root)
{
    private const string ArnPrefix = "arn:aws:kinesis:";
    private const string ArnStreamMarker = ":stream/";

    public JsonElement Root { get; } = root;

    public static ValidationException Missing(string memberPath) =>
        new($"1 validation error detected: Value null at '{memberPath}' failed to satisfy constraint: Member must not be null");

    public bool TryGet(string name, out JsonElement value) => TryGet(Root, name, out value);

    public static bool TryGet(JsonElement obj, string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public string? String(string name) => String(Root, name);

    public static string? String(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var v)) return null;
        return v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : throw KinesisProtocolException.BadBody($"Member '{name}' must be a string, not {Describe(v)}.");
    }

    public string RequiredString(string name, string memberPath) => String(name) ?? throw Missing(memberPath);

    /// <summary>A shard id member, read as AWS reads it (see <see cref="NormalizeShardId"/>).</summary>
    public string? ShardId(string name) => String(name) is { } text ? NormalizeShardId(text) : null;

    /// <summary>
    /// AWS takes a shard id by its number: <c>shardId-000000000001</c>, <c>shardId-1</c>, <c>1</c> and any other
    /// <c>&lt;text&gt;-&lt;n&gt;</c> (the digits between the first and the second dash) name shard 1. Text that names no
    /// number is passed on as given, for the runtime to answer that no such shard exists.
    /// </summary>
    public static string NormalizeShardId(string text)
    {
        var firstDash = text.IndexOf('-');
        var digits = text.AsSpan();
        if (firstDash >= 0)
        {
            var rest = digits[(firstDash + 1)..];
            var secondDash = rest.IndexOf('-');
            var between = secondDash < 0 ? rest : rest[..secondDash];
            if (!between.IsEmpty) digits = between;
        }
        foreach (var c in digits)
            if (c is < '0' or > '9') return text;
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? new StreamShardId(index).ToString()
            : text;
    }

    public static string RequiredString(JsonElement obj, string name, string memberPath) => String(obj, name) ?? throw Missing(memberPath);

    public int? Int(string name)
    {
        if (!TryGet(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
        throw KinesisProtocolException.BadBody($"Member '{name}' must be a 32-bit integer, not {Describe(v)}.");
    }

    public int RequiredInt(string name, string memberPath) => Int(name) ?? throw Missing(memberPath);

    /// <summary>
    /// Blob members are base64 in JSON; the bytes are decoded into an array of their exact size, so they outlive the
    /// request buffer. Decoded straight from the value's UTF-8 text: JsonElement.TryGetBytesFromBase64 would decode
    /// into an array rented from the shared pool first (16 MiB for a 10 MiB record, kept there afterwards) and copy.
    /// </summary>
    public static byte[]? Blob(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.String && TryDecodeBase64(v, out var bytes)) return bytes;
        throw KinesisProtocolException.BadBody($"Member '{name}' must be a base64-encoded string.");
    }

    /// <summary>A blob value's bytes, or null when it is not base64.</summary>
    public static byte[]? Blob(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && TryDecodeBase64(value, out var bytes) ? bytes : null;

    private static bool TryDecodeBase64(JsonElement value, out byte[] bytes)
    {
        var text = LargeStrings.Raw(value);
        if (text.IndexOf((byte)'\\') >= 0 || text.Length % 4 != 0)
            return value.TryGetBytesFromBase64(out bytes!);
        var padding = text.EndsWith("=="u8) ? 2 : text.EndsWith("="u8) ? 1 : 0;
        bytes = GC.AllocateUninitializedArray<byte>(text.Length / 4 * 3 - padding);
        return System.Buffers.Text.Base64.DecodeFromUtf8(text, bytes, out var consumed, out var written) == System.Buffers.OperationStatus.Done
            && consumed == text.Length && written == bytes.Length;
    }

    // The range DateTimeOffset can hold, so that a string timestamp out of it is a SerializationException, not a 500.
    private static readonly decimal MinUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly decimal MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>Timestamps are fractional epoch seconds; an ISO 8601 string is accepted too.</summary>
    public DateTimeOffset? Timestamp(string name) => Timestamp(Root, name);

    /// <inheritdoc cref="Timestamp(string)"/>
    public static DateTimeOffset? Timestamp(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var seconds))
        {
            try
            {
                return DateTimeOffset.FromUnixTimeMilliseconds((long)decimal.Round(seconds * 1000m, MidpointRounding.ToZero));
            }
            catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
            {
                throw new InvalidArgumentException($"The {name} value {v.GetRawText()} is not a valid timestamp: it lies beyond the year 9999.");
            }
        }
        if (v.ValueKind == JsonValueKind.String)
        {
            var text = v.GetString()!;
            if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds)
                && seconds >= MinUnixSeconds && seconds <= MaxUnixSeconds)
                return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000m));
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return parsed;
        }
        throw KinesisProtocolException.BadBody($"Member '{name}' must be a timestamp in epoch seconds.");
    }

    public JsonElement? Object(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Object ? v : throw KinesisProtocolException.BadBody($"Member '{name}' must be an object, not {Describe(v)}.");
    }

    public JsonElement? Array(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Array ? v : throw KinesisProtocolException.BadBody($"Member '{name}' must be a list, not {Describe(v)}.");
    }

    /// <summary>
    /// The stream a request names, by <c>StreamName</c> or <c>StreamARN</c>
    /// (<c>arn:aws:kinesis:&lt;region&gt;:&lt;account&gt;:stream/&lt;name&gt;</c>); when both are given they must agree.
    /// </summary>
    public string StreamName()
    {
        var name = String("StreamName");
        var arn = String("StreamARN");
        if (arn is null) return name ?? throw Missing("streamName");
        var fromArn = StreamNameOfArn(arn);
        if (name is not null && !string.Equals(name, fromArn, StringComparison.Ordinal))
            throw new InvalidArgumentException($"StreamName {name} and StreamARN {arn} name different streams.");
        return fromArn;
    }

    public static string StreamNameOfArn(string arn)
    {
        var marker = arn.IndexOf(ArnStreamMarker, StringComparison.Ordinal);
        if (!arn.StartsWith(ArnPrefix, StringComparison.Ordinal) || marker < 0 || marker + ArnStreamMarker.Length == arn.Length
            || arn.AsSpan(ArnPrefix.Length, marker - ArnPrefix.Length).Count(':') != 1)
            throw new ValidationException(
                $"1 validation error detected: Value '{arn}' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{{12}}:stream/\\S+");
        return arn[(marker + ArnStreamMarker.Length)..];
    }

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => v.ValueKind.ToString(),
    };
}
