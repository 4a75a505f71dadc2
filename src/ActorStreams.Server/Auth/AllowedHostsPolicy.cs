using System.Buffers;
using System.Net;
using System.Text.Json;
using ActorStreams.Server.Protocol;

namespace ActorStreams.Server.Auth;

/// <summary>
/// The <c>Host</c> header check (<c>ActorStreams:AllowedHosts</c>). A DNS-rebinding page makes a browser send
/// requests to a loopback server under the page's own name (<c>Host: evil.example</c>), so a request must name the
/// server by an address or by a name it was given: <c>localhost</c>, any IP address (a rebinding page cannot have an
/// address for its name), the configured host and public host, and the names in the setting. Requests without a
/// <c>Host</c> (HTTP/1.0) come from no browser and pass.
/// </summary>
internal sealed class AllowedHostsPolicy
{
    /// <summary>The <see cref="ActorStreamsServerOptions.AllowedHosts"/> value that accepts every name.</summary>
    public const string AnyHost = "*";

    /// <summary>The error type of a refused name, with HTTP 403.</summary>
    public const string ErrorCode = "AccessDeniedException";

    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase) { "localhost" };
    private readonly List<string> _suffixes = [];
    private readonly bool _any;

    private AllowedHostsPolicy(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (name == AnyHost) _any = true;
            else if (name.StartsWith("*.", StringComparison.Ordinal)) _suffixes.Add(name[1..]);
            else _names.Add(name.TrimEnd('.'));
        }
    }

    /// <summary>The policy of a server's options: the setting's names, its host and the cluster's public host.</summary>
    public static AllowedHostsPolicy From(ActorStreamsServerOptions options)
    {
        var names = (options.AllowedHosts ?? "").Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        names.Add(options.Host);
        if (options.Cluster.PublicHost is { Length: > 0 } publicHost) names.Add(publicHost);
        return new AllowedHostsPolicy(names);
    }

    /// <summary>True for every host name when the setting is <c>*</c>.</summary>
    public bool AllowsAny => _any;

    /// <summary>Whether <paramref name="host"/> (the <c>Host</c> header without its port) may be served.</summary>
    public bool Allows(string host)
    {
        if (_any || host.Length == 0) return true;
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(bare, out _)) return true;
        bare = bare.TrimEnd('.');
        if (_names.Contains(bare)) return true;
        foreach (var suffix in _suffixes)
            if (bare.Length > suffix.Length && bare.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }

    /// <summary>Middleware: refuses a request whose <c>Host</c> is not allowed, with the Kinesis error shape, before anything runs.</summary>
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var host = context.Request.Host;
        if (!host.HasValue || Allows(host.Host))
        {
            await next();
            return;
        }
        var message = $"The Host header '{host.Value}' is not a name of this server; list it in {ActorStreamsServerOptions.Section}:AllowedHosts " +
                      "(--allowed-hosts, ActorStreams__AllowedHosts) to serve it.";
        var response = context.Response;
        response.StatusCode = StatusCodes.Status403Forbidden;
        response.Headers[KinesisEndpoint.ErrorTypeHeader] = ErrorCode;
        if (context.Request.ContentType?.StartsWith(KinesisCbor.ContentType, StringComparison.OrdinalIgnoreCase) == true)
        {
            var cbor = KinesisCbor.WriteError(ErrorCode, message);
            response.ContentType = KinesisCbor.ContentType;
            response.ContentLength = cbor.Length;
            await response.Body.WriteAsync(cbor);
            return;
        }
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, KinesisOperations.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("__type", ErrorCode);
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }
        response.ContentType = KinesisEndpoint.JsonContentType;
        response.ContentLength = json.WrittenCount;
        await response.Body.WriteAsync(json.WrittenMemory);
    }
}
