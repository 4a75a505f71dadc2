using System.Collections.Frozen;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorStreams.Server.Protocol.Model;

/// <summary>
/// The request side of the Kinesis and Firehose API models: per operation its input shape, per shape its type and
/// constraints. The data is <c>api-model.json</c>, embedded in this assembly and written by
/// <c>ops/tools/gen-api-model.py</c> from botocore's service models; it is read once, on first use.
/// </summary>
internal sealed class ApiModel
{
    private const string ResourceName = "ActorStreams.Server.Protocol.Model.api-model.json";

    private static readonly Lazy<ApiModel> Loaded = new(Load);

    private ApiModel(ApiService kinesis, ApiService firehose)
    {
        Kinesis = kinesis;
        Firehose = firehose;
    }

    /// <summary>The model every request is checked against.</summary>
    public static ApiModel Instance => Loaded.Value;

    public ApiService Kinesis { get; }

    public ApiService Firehose { get; }

    private static ApiModel Load()
    {
        using var stream = typeof(ApiModel).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded API model {ResourceName} is missing.");
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        return new ApiModel(
            ReadService("kinesis", "com.amazonaws.kinesis.v20131202", root.GetProperty("kinesis")),
            ReadService("firehose", "com.amazonaws.firehose.v20150804", root.GetProperty("firehose")));
    }

    /// <summary>
    /// Members the model of the current API (<c>@aws-sdk/client-kinesis</c> 3.1143.0) no longer requires where the
    /// generated model still does: a partition key is optional for a stream of the AUTO record distribution strategy,
    /// and the operation asks for it on other streams.
    /// </summary>
    private static readonly HashSet<(string Shape, string Member)> NoLongerRequired =
    [
        ("PutRecordInput", "PartitionKey"),
        ("PutRecordsRequestEntry", "PartitionKey"),
    ];

    private static ApiService ReadService(string name, string javaPackage, JsonElement service)
    {
        var shapes = new Dictionary<string, ApiShape>(StringComparer.Ordinal);
        var definitions = service.GetProperty("shapes");
        foreach (var p in definitions.EnumerateObject()) shapes[p.Name] = ReadShape(p.Name, p.Value);
        // Second pass: the references between shapes.
        foreach (var p in definitions.EnumerateObject())
        {
            var shape = shapes[p.Name];
            if (p.Value.TryGetProperty("members", out var members))
                shape.Members = members.EnumerateArray().Select(m => new ApiMember(m.GetProperty("name").GetString()!,
                    shapes[m.GetProperty("shape").GetString()!],
                    m.TryGetProperty("required", out var r) && r.GetBoolean() && !NoLongerRequired.Contains((p.Name, m.GetProperty("name").GetString()!)))).ToArray();
            if (p.Value.TryGetProperty("member", out var member)) shape.Member = shapes[member.GetString()!];
            if (p.Value.TryGetProperty("key", out var key)) shape.Key = shapes[key.GetString()!];
            if (p.Value.TryGetProperty("value", out var value)) shape.Value = shapes[value.GetString()!];
        }
        var operations = new Dictionary<string, ApiShape?>(StringComparer.Ordinal);
        foreach (var op in service.GetProperty("operations").EnumerateObject())
            operations[op.Name] = op.Value.ValueKind == JsonValueKind.String ? shapes[op.Value.GetString()!] : null;
        return new ApiService(name, javaPackage, operations.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static ApiShape ReadShape(string name, JsonElement s)
    {
        var type = s.GetProperty("type").GetString() switch
        {
            "string" => ApiShapeType.String,
            "enum" => ApiShapeType.Enum,
            "integer" => ApiShapeType.Integer,
            "long" => ApiShapeType.Long,
            "double" or "float" => ApiShapeType.Double,
            "boolean" => ApiShapeType.Boolean,
            "blob" => ApiShapeType.Blob,
            "timestamp" => ApiShapeType.Timestamp,
            "list" => ApiShapeType.List,
            "map" => ApiShapeType.Map,
            "structure" => ApiShapeType.Structure,
            var other => throw new InvalidOperationException($"Shape {name} has the unknown type {other}."),
        };
        var pattern = s.TryGetProperty("pattern", out var p) ? p.GetString() : null;
        return new ApiShape(name, type)
        {
            MinLength = Long(s, "length-min"),
            MaxLength = Long(s, "length-max"),
            MinValue = Long(s, "min"),
            MaxValue = Long(s, "max"),
            Pattern = pattern,
            // AWS's patterns are Java regular expressions that must match the whole value (Matcher.matches).
            Regex = pattern is null ? null : new Regex(@"\A(?:" + FromJava(pattern) + @")\z", RegexOptions.CultureInvariant),
            EnumValues = s.TryGetProperty("values", out var values) ? values.EnumerateArray().Select(v => v.GetString()!).ToArray() : [],
            EnumSetText = "[" + string.Join(", ", RecordedEnumOrder.GetValueOrDefault(name) ??
                (s.TryGetProperty("values", out var listed) ? listed.EnumerateArray().Select(v => v.GetString()!).ToArray() : [])) + "]",
        };
    }

    /// <summary>
    /// Enums whose set AWS lists in an order of its own (its validator's hash set), as recorded from Kinesis:
    /// <c>Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, ...]</c>. Every other enum is listed in
    /// model order, which no recorded answer contradicts.
    /// </summary>
    private static readonly Dictionary<string, string[]> RecordedEnumOrder = new(StringComparer.Ordinal)
    {
        ["ShardIteratorType"] = ["AFTER_SEQUENCE_NUMBER", "LATEST", "AT_TIMESTAMP", "AT_SEQUENCE_NUMBER", "TRIM_HORIZON"],
    };

    /// <summary>Java accepts an escaped underscore (<c>\_</c>), .NET does not: the one difference the models' patterns meet.</summary>
    internal static string FromJava(string pattern)
    {
        var text = new System.Text.StringBuilder(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\' && i + 1 < pattern.Length)
            {
                if (pattern[i + 1] != '_') text.Append('\\');
                text.Append(pattern[++i]);
                continue;
            }
            text.Append(pattern[i]);
        }
        return text.ToString();
    }

    private static long? Long(JsonElement s, string name) =>
        s.TryGetProperty(name, out var v) ? (long)Math.Floor(v.GetDouble()) : null;
}

/// <summary>One service of the model: its operations, each with its input shape (null for an operation without input).</summary>
internal sealed record ApiService(string Name, string JavaPackage, FrozenDictionary<string, ApiShape?> Operations);
