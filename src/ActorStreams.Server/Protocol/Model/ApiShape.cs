using System.Text.RegularExpressions;

namespace ActorStreams.Server.Protocol.Model;

/// <summary>The type of an API model shape, as botocore names it (a string with an enum is <see cref="Enum"/>).</summary>
internal enum ApiShapeType
{
    String,
    Enum,
    Integer,
    Long,
    Double,
    Boolean,
    Blob,
    Timestamp,
    List,
    Map,
    Structure,
}

/// <summary>A member of a structure shape: its wire name, its shape and whether AWS requires it.</summary>
internal sealed record ApiMember(string Name, ApiShape Shape, bool Required)
{
    /// <summary>The name as AWS writes it in a validation message's member path: the first letter lower-cased.</summary>
    public string PathName { get; } = char.ToLowerInvariant(Name[0]) + Name[1..];
}

/// <summary>
/// One shape of the request model (see <see cref="ApiModel"/>): its type and the constraints AWS checks. Lengths
/// constrain strings (UTF-16 code units, as Java counts), blobs (bytes), lists and maps (entries); values constrain numbers.
/// </summary>
internal sealed class ApiShape(string name, ApiShapeType type)
{
    public string Name { get; } = name;

    public ApiShapeType Type { get; } = type;

    public long? MinLength { get; init; }

    public long? MaxLength { get; init; }

    public long? MinValue { get; init; }

    public long? MaxValue { get; init; }

    /// <summary>The pattern as the model writes it (and AWS quotes it); <see cref="Regex"/> matches the whole value.</summary>
    public string? Pattern { get; init; }

    public Regex? Regex { get; init; }

    public IReadOnlyList<string> EnumValues { get; init; } = [];

    /// <summary>The enum's values as AWS quotes them in a violation: <c>[A, B]</c>, in the order AWS lists them.</summary>
    public string EnumSetText { get; init; } = "[]";

    /// <summary>The members of a structure, in model order: the order AWS reports their violations in.</summary>
    public IReadOnlyList<ApiMember> Members { get; internal set; } = [];

    /// <summary>The element shape of a list.</summary>
    public ApiShape? Member { get; internal set; }

    public ApiShape? Key { get; internal set; }

    public ApiShape? Value { get; internal set; }

    public bool IsScalar => Type is not (ApiShapeType.List or ApiShapeType.Map or ApiShapeType.Structure);

    public ApiMember? FindMember(string memberName)
    {
        foreach (var m in Members)
            if (m.Name == memberName) return m;
        return null;
    }

    public override string ToString() => $"{Name} ({Type})";
}
