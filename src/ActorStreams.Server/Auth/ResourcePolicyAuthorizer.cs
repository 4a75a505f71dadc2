using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Policies;
using ActorStreams.Server.Protocol;
using ActorStreams.Settings;

namespace ActorStreams.Server.Auth;

/// <summary>
/// Enforces resource policies on signed requests (authentication on). The caller is the account its access key is
/// configured in (<c>ActorStreams:Auth:Principals</c>; the server's own account otherwise), with the IAM user or role
/// configured for the key. The resource is the stream or consumer the request names (StreamName, StreamARN,
/// ConsumerARN, ResourceARN, or the stream of a GetRecords iterator). IAM's rules for the supported subset: a
/// matching Deny refuses; a caller of the owning account is otherwise allowed (identity policies are not modelled);
/// a caller of another account only by a matching Allow, only on a stream or consumer, and never the policy
/// operations themselves. A refusal is AWS's AccessDeniedException, thrown before the operation runs, so nothing is
/// written.
/// </summary>
internal sealed partial class ResourcePolicyAuthorizer
{
    private const int MaxCachedPolicies = 1024;

    /// <summary>
    /// How long a policy read from the catalog is used before it is read again. Without it every signed request would
    /// add a round trip to the catalog (a cluster singleton) in front of its operation. A change made through this
    /// node applies at once (<see cref="ActorStreamsClient.ResourcePolicyChanges"/>); through another node, or by
    /// deleting a stream or consumer, within this time.
    /// </summary>
    public static readonly TimeSpan PolicyCacheTime = TimeSpan.FromSeconds(1);

    private static readonly HashSet<string> PolicyOperations = ["PutResourcePolicy", "GetResourcePolicy", "DeleteResourcePolicy"];

    private readonly ActorStreamsClient _client;
    private readonly ActorStreamsSettings _settings;
    private readonly IReadOnlyDictionary<string, PolicyPrincipal> _principals;
    private readonly PolicyPrincipal _owner;
    private readonly ConcurrentDictionary<string, ResourcePolicy> _parsed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string? Policy, long Changes, long ReadAtMs)> _policies = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;

    public ResourcePolicyAuthorizer(ActorStreamsClient client, ActorStreamsSettings settings, IReadOnlyDictionary<string, string> principals,
        TimeProvider clock)
    {
        _client = client;
        _clock = clock;
        _settings = settings;
        _owner = new PolicyPrincipal(settings.AccountId);
        _principals = principals.ToDictionary(p => p.Key, p => ParsePrincipal(p.Key, p.Value), StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::(\d{12}):(user|role)/[\w+=,.@/-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IamArn();

    [GeneratedRegex(@"^\d{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex AccountId();

    /// <summary>A configured principal: a 12-digit account id, or an IAM user or role ARN (its account is the ARN's).</summary>
    public static PolicyPrincipal ParsePrincipal(string accessKeyId, string value)
    {
        if (AccountId().IsMatch(value)) return new PolicyPrincipal(value);
        var arn = IamArn().Match(value);
        if (arn.Success) return new PolicyPrincipal(arn.Groups[1].Value, value);
        throw new InvalidOperationException(
            $"{ActorStreamsServerOptions.Section}:Auth:Principals:{accessKeyId} is '{value}': give a 12-digit account id or an IAM ARN " +
            "(arn:aws:iam::<account>:user/<name> or arn:aws:iam::<account>:role/<name>).");
    }

    /// <summary>The principal an access key acts as.</summary>
    public PolicyPrincipal PrincipalOf(string? accessKeyId) =>
        accessKeyId is not null && _principals.TryGetValue(accessKeyId, out var principal) ? principal : _owner;

    /// <summary>Throws AccessDeniedException unless <paramref name="accessKeyId"/> may run Kinesis <paramref name="operation"/> on what <paramref name="body"/> names.</summary>
    public async Task AuthorizeKinesisAsync(string? accessKeyId, string operation, JsonElement body, CancellationToken cancellationToken)
    {
        var caller = PrincipalOf(accessKeyId);
        var sameAccount = caller.AccountId == _settings.AccountId;
        var action = "kinesis:" + operation;
        var resource = await ResourceOfAsync(operation, body, cancellationToken);
        if (resource is null)
        {
            // An account-level operation (ListStreams, CreateStream of a new name, ...): no resource policy can
            // grant another account those, as in AWS, where they would act in the caller's own account.
            if (!sameAccount) throw Denied(caller, action, $"arn:aws:kinesis:{_settings.Region}:{_settings.AccountId}:*", explicitDeny: false);
            return;
        }
        if (!sameAccount && PolicyOperations.Contains(operation)) throw Denied(caller, action, resource, explicitDeny: false);
        string? policy;
        try
        {
            policy = await PolicyOfAsync(resource, cancellationToken);
        }
        catch (ActorStreamsException) when (sameAccount)
        {
            return; // no such stream or consumer: the operation answers that in its own words
        }
        catch (ActorStreamsException)
        {
            throw Denied(caller, action, resource, explicitDeny: false);
        }
        var decision = policy is null ? PolicyDecision.NotApplicable : Parsed(policy).Evaluate(caller, action, resource);
        if (decision == PolicyDecision.Deny) throw Denied(caller, action, resource, explicitDeny: true);
        if (!sameAccount && decision != PolicyDecision.Allow) throw Denied(caller, action, resource, explicitDeny: false);
    }

    /// <summary>Firehose has no resource policies: only callers of the server's account may use it.</summary>
    public void AuthorizeFirehose(string? accessKeyId, string operation)
    {
        var caller = PrincipalOf(accessKeyId);
        if (caller.AccountId != _settings.AccountId)
            throw Denied(caller, "firehose:" + operation, $"arn:aws:firehose:{_settings.Region}:{_settings.AccountId}:deliverystream/*", explicitDeny: false);
    }

    /// <summary>The ARN of the stream or consumer a request names, written as this server writes it; null when it names none.</summary>
    private async Task<string?> ResourceOfAsync(string operation, JsonElement body, CancellationToken cancellationToken)
    {
        if (body.ValueKind != JsonValueKind.Object) return null;
        if (Text(body, "ConsumerARN") is { } consumerArn) return Normalized(consumerArn);
        if (Text(body, "ResourceARN") is { } resourceArn) return Normalized(resourceArn);
        if (Text(body, "StreamARN") is { } streamArn)
        {
            // A consumer named by stream and name is the consumer, as by its ARN: its policy governs it.
            if (operation is "DescribeStreamConsumer" or "DeregisterStreamConsumer" && Text(body, "ConsumerName") is { } consumerName)
            {
                try
                {
                    return Normalized((await _client.DescribeStreamConsumerAsync(streamArn, consumerName, cancellationToken)).ConsumerArn);
                }
                catch (ActorStreamsException)
                {
                    // No such consumer (or a malformed name): judged on the stream's policy; the operation says what is wrong.
                }
            }
            return Normalized(streamArn);
        }
        if (Text(body, "StreamName") is { } streamName) return operation == "CreateStream" ? null : _settings.StreamArn(streamName);
        if (Text(body, "ShardIterator") is { } iterator && await _client.StreamNameOfIteratorAsync(iterator, cancellationToken) is { } name)
            return _settings.StreamArn(name);
        return null;
    }

    /// <summary>A stream or consumer ARN with this server's region and account, so that a policy's Resource matches however the caller wrote it.</summary>
    private string Normalized(string arn)
    {
        var marker = arn.IndexOf(":stream/", StringComparison.Ordinal);
        return marker < 0 ? arn : _settings.StreamArn(arn[(marker + ":stream/".Length)..]);
    }

    private static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The policy of a stream or consumer, from the cache while it is current (<see cref="PolicyCacheTime"/>).</summary>
    private async Task<string?> PolicyOfAsync(string resourceArn, CancellationToken cancellationToken)
    {
        var changes = _client.ResourcePolicyChanges;
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (_policies.TryGetValue(resourceArn, out var cached) && cached.Changes == changes && now - cached.ReadAtMs < PolicyCacheTime.TotalMilliseconds)
            return cached.Policy;
        var policy = await _client.GetResourcePolicyAsync(resourceArn, cancellationToken);
        if (_policies.Count >= MaxCachedPolicies) _policies.Clear();
        // Stamped with the change count read before the catalog was asked: a change made meanwhile makes it stale.
        _policies[resourceArn] = (policy, changes, now);
        return policy;
    }

    private ResourcePolicy Parsed(string policy)
    {
        if (_parsed.TryGetValue(policy, out var parsed)) return parsed;
        if (_parsed.Count >= MaxCachedPolicies) _parsed.Clear();
        return _parsed[policy] = ResourcePolicy.Parse(policy);
    }

    /// <summary>IAM's words for a refusal by a resource-based policy.</summary>
    private static KinesisProtocolException Denied(PolicyPrincipal caller, string action, string resource, bool explicitDeny) =>
        new(AllowedHostsPolicy.ErrorCode,
            $"User: {caller.DisplayArn} is not authorized to perform: {action} on resource: {resource} " +
            (explicitDeny ? "with an explicit deny in a resource-based policy" : $"because no resource-based policy allows the {action} action"));
}
