using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorStreams.Kinesis.Internal.Policies;

/// <summary>What a resource policy says about one request.</summary>
internal enum PolicyDecision
{
    /// <summary>No statement matches the caller, action and resource.</summary>
    NotApplicable,
    /// <summary>An Allow statement matches and no Deny does.</summary>
    Allow,
    /// <summary>A Deny statement matches: it wins over every Allow.</summary>
    Deny,
}

/// <summary>
/// The caller of a request: its account and, when its access key is configured as one, the IAM user or role ARN
/// (<c>arn:aws:iam::&lt;account&gt;:user/&lt;name&gt;</c> or <c>:role/&lt;name&gt;</c>). Without one it is the account's root.
/// </summary>
internal sealed record PolicyPrincipal(string AccountId, string? Arn = null)
{
    /// <summary>The ARN AWS names the caller by in an AccessDeniedException.</summary>
    public string DisplayArn => Arn ?? $"arn:aws:iam::{AccountId}:root";
}

/// <summary>
/// A Kinesis resource policy (PutResourcePolicy) in the subset of IAM's policy language ActorStreams enforces:
/// <c>Version</c>, <c>Id</c>, and <c>Statement</c> (one or a list) of <c>Sid</c>, <c>Effect</c> (Allow or Deny),
/// <c>Principal</c> (<c>"*"</c> or <c>{"AWS": account id | IAM ARN | "*" | [...]}</c>), <c>Action</c> (<c>kinesis:</c>
/// actions, with <c>*</c> and <c>?</c> wildcards, or <c>"*"</c>) and <c>Resource</c> (ARNs with wildcards). Anything
/// else, Condition, NotAction, NotPrincipal and NotResource included, is refused when the policy is put, so a policy
/// that is stored is one that is enforced as written. A plain class, tested without an ActorSystem.
/// </summary>
internal sealed class ResourcePolicy
{
    private static readonly ImmutableHashSet<string> Versions = ["2012-10-17", "2008-10-17"];
    private static readonly ImmutableHashSet<string> Unsupported = ["Condition", "NotAction", "NotPrincipal", "NotResource"];
    private static readonly Regex AccountIdPattern = new(@"^\d{12}$", RegexOptions.CultureInvariant);
    private static readonly Regex IamArnPattern = new(@"^arn:aws[a-z-]*:iam::(\d{12}):(root|user/.+|role/.+)$", RegexOptions.CultureInvariant);

    /// <summary>The longest policy document taken: it is kept with its stream in the catalog and read on every request to it.</summary>
    public const int MaxLength = 20 * 1024;

    private readonly ImmutableArray<Statement> _statements;

    private ResourcePolicy(ImmutableArray<Statement> statements) => _statements = statements;

    private sealed record Statement(bool Deny, bool AnyPrincipal, ImmutableArray<string> Principals, ImmutableArray<Regex> Actions,
        ImmutableArray<Regex> Resources);

    /// <summary>Reads a policy document, or throws <see cref="InvalidArgumentException"/> naming what is outside the subset.</summary>
    public static ResourcePolicy Parse(string policy)
    {
        if (policy.Length > MaxLength) throw Invalid($"it is {policy.Length} characters long, more than the {MaxLength} a policy may have");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(policy);
        }
        catch (JsonException e)
        {
            throw Invalid($"it is not a JSON document ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Invalid("it must be a JSON object");
            JsonElement? statements = null;
            foreach (var member in root.EnumerateObject())
            {
                switch (member.Name)
                {
                    case "Version":
                        if (member.Value.ValueKind != JsonValueKind.String || !Versions.Contains(member.Value.GetString()!))
                            throw Invalid("Version must be \"2012-10-17\" or \"2008-10-17\"");
                        break;
                    case "Id":
                        if (member.Value.ValueKind != JsonValueKind.String) throw Invalid("Id must be a string");
                        break;
                    case "Statement":
                        statements = member.Value;
                        break;
                    default:
                        throw Invalid($"the policy element '{member.Name}' is not supported (supported: Version, Id, Statement)");
                }
            }
            if (statements is not { } list) throw Invalid("it has no Statement");
            var parsed = list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().Select(ParseStatement).ToImmutableArray()
                : list.ValueKind == JsonValueKind.Object ? [ParseStatement(list)]
                : throw Invalid("Statement must be an object or a list of objects");
            if (parsed.IsEmpty) throw Invalid("Statement must not be empty");
            return new ResourcePolicy(parsed);
        }
    }

    private static Statement ParseStatement(JsonElement statement)
    {
        if (statement.ValueKind != JsonValueKind.Object) throw Invalid("each Statement must be a JSON object");
        bool? deny = null;
        var anyPrincipal = false;
        ImmutableArray<string>? principals = null;
        ImmutableArray<Regex>? actions = null;
        ImmutableArray<Regex>? resources = null;
        foreach (var member in statement.EnumerateObject())
        {
            switch (member.Name)
            {
                case "Sid":
                    if (member.Value.ValueKind != JsonValueKind.String) throw Invalid("Sid must be a string");
                    break;
                case "Effect":
                    deny = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() switch
                    {
                        "Allow" => false,
                        "Deny" => true,
                        _ => null,
                    } : null;
                    if (deny is null) throw Invalid("Effect must be \"Allow\" or \"Deny\"");
                    break;
                case "Principal":
                    (anyPrincipal, principals) = ParsePrincipal(member.Value);
                    break;
                case "Action":
                    actions = Strings(member.Value, "Action").Select(ParseAction).ToImmutableArray();
                    break;
                case "Resource":
                    resources = Strings(member.Value, "Resource").Select(ParseResource).ToImmutableArray();
                    break;
                default:
                    throw Invalid(Unsupported.Contains(member.Name)
                        ? $"the statement element '{member.Name}' is not supported"
                        : $"the statement element '{member.Name}' is unknown (supported: Sid, Effect, Principal, Action, Resource)");
            }
        }
        if (deny is null) throw Invalid("a statement has no Effect");
        if (principals is null) throw Invalid("a statement has no Principal");
        if (actions is null) throw Invalid("a statement has no Action");
        if (resources is null) throw Invalid("a statement has no Resource");
        return new Statement(deny.Value, anyPrincipal, principals.Value, actions.Value, resources.Value);
    }

    private static (bool Any, ImmutableArray<string> Principals) ParsePrincipal(JsonElement principal)
    {
        if (principal.ValueKind == JsonValueKind.String)
            return principal.GetString() == "*" ? (true, []) : throw Invalid("Principal must be \"*\" or {\"AWS\": ...}");
        if (principal.ValueKind != JsonValueKind.Object) throw Invalid("Principal must be \"*\" or {\"AWS\": ...}");
        var any = false;
        var list = ImmutableArray.CreateBuilder<string>();
        foreach (var member in principal.EnumerateObject())
        {
            if (member.Name != "AWS") throw Invalid($"the principal type '{member.Name}' is not supported (supported: AWS)");
            foreach (var value in Strings(member.Value, "Principal.AWS"))
            {
                if (value == "*") any = true;
                else if (AccountIdPattern.IsMatch(value) || IamArnPattern.IsMatch(value)) list.Add(value);
                else throw Invalid($"the principal '{value}' is not an account id, an IAM root, user or role ARN, or \"*\"");
            }
        }
        if (!any && list.Count == 0) throw Invalid("Principal names no one");
        return (any, list.ToImmutable());
    }

    private static Regex ParseAction(string action)
    {
        if (action != "*" && !action.StartsWith("kinesis:", StringComparison.OrdinalIgnoreCase))
            throw Invalid($"the action '{action}' is not a Kinesis action (kinesis:<operation>, wildcards allowed)");
        // IAM compares actions without regard to case.
        return Wildcard(action, ignoreCase: true);
    }

    private static Regex ParseResource(string resource)
    {
        if (resource != "*" && !resource.StartsWith("arn:", StringComparison.Ordinal))
            throw Invalid($"the resource '{resource}' is not an ARN or \"*\"");
        return Wildcard(resource, ignoreCase: false);
    }

    private static IEnumerable<string> Strings(JsonElement value, string element) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Array when value.GetArrayLength() > 0 && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) =>
            value.EnumerateArray().Select(v => v.GetString()!).ToArray(),
        _ => throw Invalid($"{element} must be a string or a non-empty list of strings"),
    };

    private static Regex Wildcard(string pattern, bool ignoreCase) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None));

    private static InvalidArgumentException Invalid(string why) =>
        new($"The resource policy is not supported: {why}. ActorStreams enforces Version, Statement (Sid, Effect Allow or Deny, Principal \"*\" or {{\"AWS\": ...}}, Action kinesis:*, Resource); see docs/security.md.");

    /// <summary>What the statements say about <paramref name="caller"/> doing <paramref name="action"/> (<c>kinesis:PutRecord</c>) on <paramref name="resourceArn"/>.</summary>
    public PolicyDecision Evaluate(PolicyPrincipal caller, string action, string resourceArn)
    {
        var decision = PolicyDecision.NotApplicable;
        foreach (var s in _statements)
        {
            if (!(s.AnyPrincipal || s.Principals.Any(p => Names(p, caller)))) continue;
            if (!s.Actions.Any(a => a.IsMatch(action)) || !s.Resources.Any(r => r.IsMatch(resourceArn))) continue;
            if (s.Deny) return PolicyDecision.Deny;
            decision = PolicyDecision.Allow;
        }
        return decision;
    }

    /// <summary>An account id or root ARN names every caller of the account; a user or role ARN names that one.</summary>
    private static bool Names(string principal, PolicyPrincipal caller)
    {
        if (AccountIdPattern.IsMatch(principal)) return principal == caller.AccountId;
        var match = IamArnPattern.Match(principal);
        if (match.Groups[1].Value != caller.AccountId) return false;
        return match.Groups[2].Value == "root" || string.Equals(principal, caller.Arn, StringComparison.Ordinal);
    }
}
