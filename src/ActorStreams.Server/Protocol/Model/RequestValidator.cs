using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Server.Protocol.Model;

/// <summary>
/// Checks a request body against its operation's input shape as AWS does, in two passes: first the JSON type of
/// every member of the whole body (a SerializationException with AWS's Java-flavoured message at the first mismatch),
/// then every constraint (required, length, range, pattern, enum), each violation reported, in member order, in one
/// ValidationException. Members the model does not know, and null values, are ignored, as AWS ignores them.
/// </summary>
internal static class RequestValidator
{
    /// <summary>AWS lists at most this many violations in one ValidationException.</summary>
    public const int MaxReportedViolations = 10;

    private const string NotExpectedList = "Start of list found where not expected";
    private const string NotExpectedObject = "Start of structure or map found where not expected.";
    private const string BigNumber = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";

    /// <summary>Type-checks, then validates, <paramref name="body"/> against <paramref name="input"/>.</summary>
    public static void Check(ApiService service, ApiShape input, JsonElement body)
    {
        CheckTypes(input, body);
        var violations = new List<string>();
        ValidateMembers(service, input, body, "", violations);
        if (violations.Count > 0)
            throw new ValidationException(
                $"{violations.Count} validation error{(violations.Count == 1 ? "" : "s")} detected: {string.Join("; ", violations)}");
    }

    /// <summary>The SerializationException of the first member, in model order, whose JSON type its shape does not take.</summary>
    public static void CheckTypes(ApiShape structure, JsonElement obj)
    {
        foreach (var member in structure.Members)
            if (obj.TryGetProperty(member.Name, out var value)) CheckType(member.Shape, value);
    }

    private static void CheckType(ApiShape shape, JsonElement value)
    {
        var kind = value.ValueKind;
        if (kind == JsonValueKind.Null) return;
        var message = shape.Type switch
        {
            ApiShapeType.Boolean => kind switch
            {
                JsonValueKind.Number => $"{BigNumber} can not be converted to an Boolean",
                JsonValueKind.String => $"'{value.GetString()!.ToUpperInvariant()}' can not be converted to an Boolean",
                _ => Container(kind),
            },
            ApiShapeType.Integer or ApiShapeType.Long or ApiShapeType.Double => kind switch
            {
                JsonValueKind.True or JsonValueKind.False => $"class java.lang.Boolean can not be converted to an {JavaNumber(shape.Type)}",
                JsonValueKind.String => $"class java.lang.String can not be converted to an {JavaNumber(shape.Type)}",
                _ => Container(kind),
            },
            ApiShapeType.String or ApiShapeType.Enum => kind switch
            {
                JsonValueKind.True or JsonValueKind.False => "class java.lang.Boolean can not be converted to an String",
                JsonValueKind.Number => $"{BigNumber} can not be converted to an String",
                _ => Container(kind),
            },
            ApiShapeType.Blob => kind switch
            {
                JsonValueKind.True or JsonValueKind.False => "class java.lang.Boolean can not be converted to a Blob",
                JsonValueKind.Number => $"{BigNumber} can not be converted to a Blob",
                JsonValueKind.String => Base64Error(value),
                _ => Container(kind),
            },
            ApiShapeType.Timestamp => kind switch
            {
                JsonValueKind.True or JsonValueKind.False => "class java.lang.Boolean can not be converted to milliseconds since epoch",
                JsonValueKind.String => "class java.lang.String can not be converted to milliseconds since epoch",
                _ => Container(kind),
            },
            ApiShapeType.List => kind switch
            {
                JsonValueKind.Array => null,
                JsonValueKind.Object => NotExpectedObject,
                _ => "Expected list or null",
            },
            ApiShapeType.Map => kind switch
            {
                JsonValueKind.Object => null,
                JsonValueKind.Array => NotExpectedList,
                _ => "Expected map or null",
            },
            ApiShapeType.Structure => kind switch
            {
                JsonValueKind.Object => null,
                JsonValueKind.Array => NotExpectedList,
                _ => "Expected null",
            },
            _ => null,
        };
        if (message is not null) throw KinesisProtocolException.BadBody(message);
        switch (shape.Type)
        {
            case ApiShapeType.List:
                foreach (var item in value.EnumerateArray()) CheckType(shape.Member!, item);
                break;
            case ApiShapeType.Map:
                foreach (var entry in value.EnumerateObject()) CheckType(shape.Value!, entry.Value);
                break;
            case ApiShapeType.Structure:
                CheckTypes(shape, value);
                break;
        }
    }

    /// <summary>A list or an object where a scalar belongs; null when the JSON value is a scalar (of an accepted kind).</summary>
    private static string? Container(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => NotExpectedList,
        JsonValueKind.Object => NotExpectedObject,
        _ => null,
    };

    private static string JavaNumber(ApiShapeType type) => type switch
    {
        ApiShapeType.Integer => "Integer",
        ApiShapeType.Long => "Long",
        _ => "Double",
    };

    /// <summary>
    /// AWS's base64 checks, in its order: the length, a character outside the alphabet, the last character's unused
    /// bits. Done on the value's raw UTF-8 bytes in the request buffer, so a 10 MiB record costs no copy here; only a
    /// value written with JSON escapes (<c>\/</c>) is unescaped first.
    /// </summary>
    private static string? Base64Error(JsonElement value)
    {
        var raw = LargeStrings.Raw(value);
        if (raw.IndexOf((byte)'\\') >= 0) return Base64Error(Encoding.UTF8.GetBytes(value.GetString()!), value.GetString()!);
        return Base64Error(raw, null);
    }

    private static string? Base64Error(ReadOnlySpan<byte> text, string? unescaped)
    {
        // The value is quoted in the message only when it is wrong, and only then turned into a string.
        string Quoted(ReadOnlySpan<byte> t) => unescaped ?? Encoding.UTF8.GetString(t);
        var chars = CharCount(text, unescaped);
        if (chars % 4 != 0)
            return $"'{Quoted(text)}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: {chars}";
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var inAlphabet = c is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'+' or (byte)'/';
            // Padding only at the end: '=' followed by anything but '=' is out of place.
            var misplacedPad = c == '=' && i + 1 < text.Length && text[i + 1] != '=';
            if ((!inAlphabet && c != '=') || misplacedPad)
                return $"'{Quoted(text)}' can not be converted to a Blob: Invalid Base64 character: '{FirstChar(text[i..])}'";
        }
        var padding = text.EndsWith("=="u8) ? 2 : text.EndsWith("="u8) ? 1 : 0;
        // At most two '=' (a third is a misplaced pad above only when a non-pad follows), and the unused low bits
        // of the last character before them zero: what a round trip through decode and encode gives back unchanged.
        if (text.Length > 0 && (text.EndsWith("==="u8) || (padding > 0 && (SextetOf(text[^(padding + 1)]) & (padding == 2 ? 0x0F : 0x03)) != 0)))
            return $"'{Quoted(text)}' can not be converted to a Blob: Invalid last non-pad Base64 character dectected";
        return null;
    }

    private static int SextetOf(byte c) => c switch
    {
        >= (byte)'A' and <= (byte)'Z' => c - 'A',
        >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
        (byte)'+' => 62,
        _ => 63,
    };

    /// <summary>The length Java sees: UTF-16 characters, not bytes.</summary>
    private static int CharCount(ReadOnlySpan<byte> text, string? unescaped) =>
        unescaped?.Length ?? (System.Text.Ascii.IsValid(text) ? text.Length : Encoding.UTF8.GetCharCount(text));

    private static string FirstChar(ReadOnlySpan<byte> text)
    {
        var length = text[0] < 0x80 ? 1 : text[0] >= 0xF0 ? 4 : text[0] >= 0xE0 ? 3 : 2;
        return Encoding.UTF8.GetString(text[..Math.Min(length, text.Length)]);
    }

    private static void ValidateMembers(ApiService service, ApiShape structure, JsonElement obj, string path, List<string> violations)
    {
        foreach (var member in structure.Members)
        {
            var memberPath = path.Length == 0 ? member.PathName : path + "." + member.PathName;
            if (!obj.TryGetProperty(member.Name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (member.Required) Add(violations, $"Value null at '{memberPath}' failed to satisfy constraint: Member must not be null");
                continue;
            }
            Validate(service, member.Shape, value, memberPath, violations);
        }
    }

    private static void Validate(ApiService service, ApiShape shape, JsonElement value, string path, List<string> violations)
    {
        foreach (var failed in Violations(shape, value))
            Add(violations, $"Value '{Render(service, shape, value)}' at '{path}' failed to satisfy constraint: {failed}");
        switch (shape.Type)
        {
            case ApiShapeType.List when shape.Member!.IsScalar:
                if (value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.Null && Violations(shape.Member, item).Any()))
                    Add(violations, $"Value '{Render(service, shape, value)}' at '{path}' failed to satisfy constraint: " +
                        $"Member must satisfy constraint: [{string.Join(", ", Constraints(shape.Member))}]");
                break;
            case ApiShapeType.List:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    index++;
                    var itemPath = $"{path}.{index}.member";
                    if (item.ValueKind == JsonValueKind.Null) continue;
                    Validate(service, shape.Member, item, itemPath, violations);
                }
                break;
            case ApiShapeType.Map:
                if (value.EnumerateObject().Any(e => Violations(shape.Key!, JsonString(e.Name)).Any()))
                    Add(violations, $"Value '{Render(service, shape, value)}' at '{path}' failed to satisfy constraint: " +
                        $"Map keys must satisfy constraint: [{string.Join(", ", Constraints(shape.Key!))}]");
                if (shape.Value!.IsScalar)
                {
                    if (value.EnumerateObject().Any(e => e.Value.ValueKind != JsonValueKind.Null && Violations(shape.Value, e.Value).Any()))
                        Add(violations, $"Value '{Render(service, shape, value)}' at '{path}' failed to satisfy constraint: " +
                            $"Map value must satisfy constraint: [{string.Join(", ", Constraints(shape.Value))}]");
                }
                else
                {
                    foreach (var entry in value.EnumerateObject())
                        if (entry.Value.ValueKind != JsonValueKind.Null)
                            Validate(service, shape.Value, entry.Value, $"{path}.{entry.Name}.member", violations);
                }
                break;
            case ApiShapeType.Structure:
                ValidateMembers(service, shape, value, path, violations);
                break;
        }
    }

    private static void Add(List<string> violations, string violation)
    {
        if (violations.Count < MaxReportedViolations) violations.Add(violation);
    }

    private static JsonElement JsonString(string text)
    {
        using var document = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(text));
        return document.RootElement.Clone();
    }

    /// <summary>The constraints of <paramref name="shape"/> that <paramref name="value"/> breaks, in AWS's order.</summary>
    private static IEnumerable<string> Violations(ApiShape shape, JsonElement value)
    {
        if (Length(shape, value) is { } length)
        {
            if (length < shape.MinLength) yield return $"Member must have length greater than or equal to {shape.MinLength}";
            if (length > shape.MaxLength) yield return $"Member must have length less than or equal to {shape.MaxLength}";
        }
        if (shape.Type is ApiShapeType.String or ApiShapeType.Enum && value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (shape.Regex is { } regex && !regex.IsMatch(text))
                yield return $"Member must satisfy regular expression pattern: {shape.Pattern}";
            if (shape.Type == ApiShapeType.Enum && !shape.EnumValues.Contains(text, StringComparer.Ordinal))
                yield return $"Member must satisfy enum value set: {shape.EnumSetText}";
        }
        if (shape.Type is ApiShapeType.Integer or ApiShapeType.Long && value.ValueKind == JsonValueKind.Number)
        {
            var number = Number(shape, value);
            if (number < shape.MinValue) yield return $"Member must have value greater than or equal to {shape.MinValue}";
            if (number > shape.MaxValue) yield return $"Member must have value less than or equal to {shape.MaxValue}";
        }
    }

    /// <summary>All constraints of a list element, map key or map value, as AWS lists them when one element breaks any.</summary>
    private static IEnumerable<string> Constraints(ApiShape shape)
    {
        if (shape.MaxLength is { } max) yield return $"Member must have length less than or equal to {max}";
        if (shape.MinLength is { } min) yield return $"Member must have length greater than or equal to {min}";
        if (shape.Pattern is { } pattern) yield return $"Member must satisfy regular expression pattern: {pattern}";
        if (shape.Type == ApiShapeType.Enum) yield return $"Member must satisfy enum value set: {shape.EnumSetText}";
        if (shape.MaxValue is { } maxValue) yield return $"Member must have value less than or equal to {maxValue}";
        if (shape.MinValue is { } minValue) yield return $"Member must have value greater than or equal to {minValue}";
    }

    private static long? Length(ApiShape shape, JsonElement value) => shape.Type switch
    {
        ApiShapeType.String or ApiShapeType.Enum when value.ValueKind == JsonValueKind.String => value.GetString()!.Length,
        ApiShapeType.Blob when value.ValueKind == JsonValueKind.String => BlobLength(value),
        ApiShapeType.List when value.ValueKind == JsonValueKind.Array => value.GetArrayLength(),
        ApiShapeType.Map when value.ValueKind == JsonValueKind.Object => value.EnumerateObject().Count(),
        _ => null,
    };

    /// <summary>
    /// The decoded length of a blob the type check has passed (valid base64, no whitespace), from its text alone:
    /// no 10 MiB copy to learn a length.
    /// </summary>
    private static long BlobLength(JsonElement value)
    {
        var raw = LargeStrings.Raw(value);
        if (raw.IndexOf((byte)'\\') >= 0) return value.TryGetBytesFromBase64(out var bytes) ? bytes.Length : 0;
        var padding = raw.EndsWith("=="u8) ? 2 : raw.EndsWith("="u8) ? 1 : 0;
        return raw.Length / 4 * 3 - padding;
    }

    /// <summary>A number as AWS reads it into an Integer or a Long: the fraction dropped, clamped to the type's range.</summary>
    private static decimal Number(ApiShape shape, JsonElement value)
    {
        var (min, max) = shape.Type == ApiShapeType.Integer ? ((decimal)int.MinValue, (decimal)int.MaxValue) : (long.MinValue, long.MaxValue);
        if (!value.TryGetDecimal(out var d))
            return double.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f < 0 ? min : max;
        return Math.Clamp(Math.Floor(d), min, max);
    }

    /// <summary>
    /// The hash code Java prints after a structure's class name (<c>Entry@21b90f</c>): 1 plus its members' hash codes,
    /// as recorded from AWS (<c>{KeyType: 'HASH'}</c> is <c>@21b90f</c>, "HASH".hashCode() + 1). Strings hash as
    /// java.lang.String, numbers as Integer and Long, lists as java.util.List, maps as java.util.Map; a blob as its
    /// ByteBuffer (AWS hashes a blob by identity, which no one can reproduce: this keeps the text at least stable).
    /// </summary>
    internal static int JavaHash(ApiShape shape, JsonElement value)
    {
        unchecked
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Null or JsonValueKind.Undefined:
                    return 0;
                case JsonValueKind.True:
                    return 1231;
                case JsonValueKind.False:
                    return 1237;
                case JsonValueKind.String when shape.Type == ApiShapeType.Blob:
                {
                    var h = 1;
                    if (KinesisRequest.Blob(value) is { } bytes)
                        for (var i = bytes.Length - 1; i >= 0; i--) h = 31 * h + (sbyte)bytes[i];
                    return h;
                }
                case JsonValueKind.String:
                {
                    var h = 0;
                    foreach (var c in value.GetString()!) h = 31 * h + c;
                    return h;
                }
                case JsonValueKind.Number:
                {
                    var n = (long)Number(shape, value);
                    return shape.Type == ApiShapeType.Integer ? (int)n : (int)(n ^ (long)((ulong)n >> 32));
                }
                case JsonValueKind.Array:
                {
                    var h = 1;
                    foreach (var item in value.EnumerateArray()) h = 31 * h + JavaHash(shape.Member ?? shape, item);
                    return h;
                }
                case JsonValueKind.Object when shape.Type == ApiShapeType.Map:
                {
                    var h = 0;
                    foreach (var entry in value.EnumerateObject())
                        h += JavaHash(shape.Key!, JsonString(entry.Name)) ^ JavaHash(shape.Value!, entry.Value);
                    return h;
                }
                case JsonValueKind.Object:
                {
                    var h = 1;
                    foreach (var member in shape.Members)
                        if (value.TryGetProperty(member.Name, out var v)) h += JavaHash(member.Shape, v);
                    return h;
                }
                default:
                    return 0;
            }
        }
    }

    /// <summary>A value as AWS quotes it in a violation: Java's rendering of the value it read.</summary>
    private static string Render(ApiService service, ApiShape shape, JsonElement value) => shape.Type switch
    {
        ApiShapeType.String or ApiShapeType.Enum when value.ValueKind == JsonValueKind.String => value.GetString()!,
        ApiShapeType.Integer or ApiShapeType.Long when value.ValueKind == JsonValueKind.Number =>
            Number(shape, value).ToString(CultureInfo.InvariantCulture),
        ApiShapeType.Blob => $"java.nio.HeapByteBuffer[pos=0 lim={BlobLength(value)} cap={BlobLength(value)}]",
        ApiShapeType.List when value.ValueKind == JsonValueKind.Array =>
            "[" + string.Join(", ", value.EnumerateArray().Select(item => Render(service, shape.Member!, item))) + "]",
        ApiShapeType.Map when value.ValueKind == JsonValueKind.Object =>
            "{" + string.Join(", ", value.EnumerateObject().Select(e => e.Name + "=" + Render(service, shape.Value!, e.Value))) + "}",
        ApiShapeType.Structure => $"{service.JavaPackage}.{shape.Name}@{(uint)JavaHash(shape, value):x}",
        _ => value.ValueKind == JsonValueKind.Null ? "null" : value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText(),
    };
}
