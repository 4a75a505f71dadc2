using System.Buffers;
using System.Security;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// What AWS answers before a request reaches an operation: CORS for browser clients, other methods than POST, foreign
/// content types, the deprecated <c>application/json</c> shape, the form of a signature, and an empty error from
/// routing. The answers (status, XML or JSON shape, wording) are those kinesalite's tests recorded against Kinesis;
/// docs/errors.md lists them.
/// </summary>
internal static class AwsConnection
{
    public const string AccessDenied = "AccessDeniedException";
    public const string AccessDeniedMessage = "Unable to determine service/operation name to be authorized";
    public const string ExtendedRequestIdHeader = "x-amz-id-2";
    public const string LegacyJsonContentType = "application/json";

    /// <summary>How long a browser may cache a preflight answer (Access-Control-Max-Age), as AWS answers: 2 days.</summary>
    public const int CorsMaxAgeSeconds = 172_800;

    /// <summary>The response headers a browser client may read, as AWS exposes them.</summary>
    public const string CorsExposedHeaders = "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date";

    private const string LegacyTypePrefix = "com.amazon.coral.service#";
    private const string LegacyVersion = "1.0";
    private const string AlgorithmParameter = Auth.SigV4Verifier.AlgorithmParameter;

    /// <summary>The query-string parameters of a presigned request, in the order AWS names the missing ones.</summary>
    private static readonly string[] QueryParameters = Auth.SigV4Verifier.RequiredQueryParameters;

    /// <summary>The parameters an <c>Authorization</c> header must carry, in the order AWS names the missing ones.</summary>
    private static readonly string[] AuthorizationParameters = ["Credential", "Signature", "SignedHeaders"];

    public static bool IsPreflight(HttpRequest request) => HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Origin");

    /// <summary>
    /// With an <c>Origin</c> header every answer allows any origin, as AWS's do; a preflight (<c>OPTIONS</c>) is answered
    /// here with 200, an empty body and the requested headers and method allowed. True when the request is answered.
    /// </summary>
    public static bool ApplyCors(HttpContext context)
    {
        var request = context.Request;
        var headers = context.Response.Headers;
        if (!request.Headers.ContainsKey("Origin")) return false;
        headers.AccessControlAllowOrigin = "*";
        if (!HttpMethods.IsOptions(request.Method))
        {
            headers.AccessControlExposeHeaders = CorsExposedHeaders;
            return false;
        }
        if (request.Headers.AccessControlRequestHeaders is { Count: > 0 } requested) headers.AccessControlAllowHeaders = requested;
        if (request.Headers.AccessControlRequestMethod is { Count: > 0 } method) headers.AccessControlAllowMethods = method;
        headers.AccessControlMaxAge = CorsMaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentLength = 0;
        return true;
    }

    public static RequestEncoding EncodingOf(HttpRequest request)
    {
        var media = request.ContentType.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0) media = media[..semicolon];
        media = media.Trim();
        if (media.Equals(KinesisEndpoint.JsonContentType, StringComparison.OrdinalIgnoreCase)) return RequestEncoding.Json;
        if (media.Equals(KinesisCbor.ContentType, StringComparison.OrdinalIgnoreCase)) return RequestEncoding.Cbor;
        if (media.Equals(LegacyJsonContentType, StringComparison.OrdinalIgnoreCase)) return RequestEncoding.LegacyJson;
        return RequestEncoding.Other;
    }

    /// <summary>
    /// A body in a content type AWS does not read: without a <c>service.operation</c> target AWS cannot tell what to
    /// authorize (403 AccessDenied); with one, the operation is unknown in that protocol (404).
    /// </summary>
    public static Task WriteForeignContentTypeAsync(HttpResponse response, string target)
    {
        var dot = target.IndexOf('.');
        return dot <= 0 || dot == target.Length - 1
            ? WriteXmlErrorAsync(response, StatusCodes.Status403Forbidden, AccessDenied, AccessDeniedMessage)
            : WriteXmlErrorAsync(response, StatusCodes.Status404NotFound, KinesisProtocolException.UnknownOperation, null);
    }

    /// <summary>
    /// AWS's XML error, without a content type: <c>&lt;Code&gt;\n  &lt;Message&gt;...&lt;/Message&gt;\n&lt;/Code&gt;\n</c>,
    /// or <c>&lt;Code/&gt;\n</c> without a message.
    /// </summary>
    public static async Task WriteXmlErrorAsync(HttpResponse response, int status, string code, string? message)
    {
        if (response.HasStarted) return;
        var text = message is null ? $"<{code}/>\n" : $"<{code}>\n  <Message>{SecurityElement.Escape(Printable(message))}</Message>\n</{code}>\n";
        var body = Encoding.UTF8.GetBytes(text);
        response.StatusCode = status;
        response.Headers[KinesisEndpoint.ErrorTypeHeader] = code;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body);
    }

    /// <summary>The deprecated shape AWS answers plain <c>application/json</c> with: <c>{"Output": {"__type": ...}, "Version": "1.0"}</c>.</summary>
    public static async Task WriteLegacyJsonErrorAsync(HttpResponse response, int status, string code)
    {
        if (response.HasStarted) return;
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("Output");
            writer.WriteString("__type", LegacyTypePrefix + code);
            writer.WriteEndObject();
            writer.WriteString("Version", LegacyVersion);
            writer.WriteEndObject();
        }
        response.StatusCode = status;
        response.Headers[KinesisEndpoint.ErrorTypeHeader] = code;
        response.ContentType = LegacyJsonContentType;
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory);
    }

    /// <summary>
    /// The form of the request's signature, checked as AWS checks it before the signature itself (with authentication
    /// off too: a client that sends a malformed signature has a bug an emulator should show). A presigned request
    /// (<c>X-Amz-Algorithm</c> in the query string) must carry every query parameter and no <c>Authorization</c>
    /// header; an <c>Authorization</c> header must name its credential, signature and signed headers, with a date.
    /// </summary>
    public static void CheckSignatureShape(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        var query = request.Query;
        if (query.ContainsKey(AlgorithmParameter))
        {
            if (authorization.Length > 0)
                throw new KinesisProtocolException(Auth.SigV4Verifier.InvalidSignature, Auth.SigV4Verifier.BothAuthenticationsMessage);
            var missing = new StringBuilder();
            foreach (var parameter in QueryParameters)
                if (string.IsNullOrEmpty(query[parameter].ToString())) missing.Append($"AWS query-string parameters must include '{parameter}'. ");
            if (missing.Length > 0)
                throw new KinesisProtocolException(Auth.SigV4Verifier.IncompleteSignature, missing.Append("Re-examine the query-string parameters.").ToString());
            return;
        }
        if (authorization.Length == 0) return;
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        // The algorithm comes first; then key=value pairs, separated by commas or spaces.
        foreach (var part in authorization.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var eq = part.IndexOf('=');
            if (eq > 0) given[part[..eq]] = part[(eq + 1)..];
        }
        var problems = new StringBuilder();
        foreach (var parameter in AuthorizationParameters)
            if (!given.TryGetValue(parameter, out var value) || value.Length == 0) problems.Append($"Authorization header requires '{parameter}' parameter. ");
        if (!request.Headers.ContainsKey("X-Amz-Date") && !request.Headers.ContainsKey("Date"))
            problems.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        if (problems.Length > 0)
            throw new KinesisProtocolException(Auth.SigV4Verifier.IncompleteSignature, problems.Append("Authorization=").Append(authorization).ToString());
    }

    /// <summary>
    /// For <c>UseStatusCodePages</c>: an error that would leave with an empty body (routing's 405 for a method another
    /// endpoint does not take, say) gets the AWS error shape and <c>x-amzn-ErrorType</c>.
    /// </summary>
    public static Task WriteEmptyErrorAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var code = status switch
        {
            StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => AccessDenied,
            StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed or StatusCodes.Status501NotImplemented => KinesisProtocolException.UnknownOperation,
            >= StatusCodes.Status500InternalServerError => InternalFailureException.Code,
            _ => KinesisProtocolException.Serialization,
        };
        var message = $"{http.Request.Method} {http.Request.Path} answered {status} {ReasonPhrases.GetReasonPhrase(status)}.";
        return WriteJsonErrorAsync(http.Response, code, message);
    }

    private static async Task WriteJsonErrorAsync(HttpResponse response, string code, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, KinesisOperations.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("__type", code);
            writer.WriteString("message", Printable(message));
            writer.WriteEndObject();
        }
        response.Headers[KinesisEndpoint.ErrorTypeHeader] = code;
        response.ContentType = KinesisEndpoint.JsonContentType;
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory);
    }

    /// <summary>A message that can be encoded: lone surrogates (from a request's text echoed back) become U+FFFD.</summary>
    public static string Printable(string message)
    {
        for (var i = 0; i < message.Length; i++)
        {
            if (!char.IsSurrogate(message[i])) continue;
            if (char.IsHighSurrogate(message[i]) && i + 1 < message.Length && char.IsLowSurrogate(message[i + 1]))
            {
                i++;
                continue;
            }
            return string.Create(message.Length, message, static (span, text) =>
            {
                for (var j = 0; j < text.Length; j++)
                {
                    var c = text[j];
                    if (char.IsHighSurrogate(c) && j + 1 < text.Length && char.IsLowSurrogate(text[j + 1]))
                    {
                        span[j] = c;
                        span[++j] = text[j];
                    }
                    else span[j] = char.IsSurrogate(c) ? '\uFFFD' : c;
                }
            });
        }
        return message;
    }
}
