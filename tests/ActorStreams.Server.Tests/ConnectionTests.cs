using System.Formats.Cbor;
using System.Net;
using System.Text;

namespace ActorStreams.Server.Tests;

/// <summary>
/// What the server answers before an operation runs, as AWS answers it (kinesalite's connection tests recorded it against
/// Kinesis): targets, content types, bodies, methods, paths, CORS, the form of a signature, and never a 500 or an empty
/// error for a request's content.
/// </summary>
public sealed class ConnectionTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Json = "application/x-amz-json-1.1";
    private const string Cbor = "application/x-amz-cbor-1.1";
    private const string ListStreams = "Kinesis_20131202.ListStreams";
    private const string AccessDeniedXml =
        "<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n";

    private sealed record Reply(HttpStatusCode Status, string? ContentType, byte[] Body, HttpResponseMessage Response)
    {
        public string Text => Encoding.UTF8.GetString(Body);

        public string? Header(string name) =>
            Response.Headers.TryGetValues(name, out var values) || Response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;

        /// <summary>A CBOR error body's members.</summary>
        public Dictionary<string, string> CborMap()
        {
            var reader = new CborReader(Body, CborConformanceMode.Lax);
            var map = new Dictionary<string, string>();
            reader.ReadStartMap();
            while (reader.PeekState() != CborReaderState.EndMap) map[reader.ReadTextString()] = reader.ReadTextString();
            reader.ReadEndMap();
            return map;
        }
    }

    private async Task<Reply> SendAsync(string method = "POST", string path = "/", string? target = null, string? contentType = null,
        byte[]? body = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        else if (contentType is not null)
        {
            request.Content = new ByteArrayContent([]);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        if (target is not null) request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        var response = await server.Http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var reply = new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, bytes, response);
        Assert.True(Guid.TryParse(reply.Header("x-amzn-RequestId"), out _), "every answer has a request id");
        if (bytes.Length > 0) Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        return reply;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static void AssertJson(Reply reply, HttpStatusCode status, string body)
    {
        Assert.True(reply.Status == status && reply.Text == body, $"expected {(int)status} {body}, got {(int)reply.Status} {reply.Text}");
        Assert.Equal(Json, reply.ContentType);
    }

    private static void AssertCbor(Reply reply, string type)
    {
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(Cbor, reply.ContentType);
        Assert.Equal(new Dictionary<string, string> { ["__type"] = type }, reply.CborMap());
        Assert.Equal(type, reply.Header("x-amzn-ErrorType"));
    }

    private static void AssertXml(Reply reply, HttpStatusCode status, string body)
    {
        Assert.True(reply.Status == status && reply.Text == body, $"expected {(int)status} {body}, got {(int)reply.Status} {reply.Text}");
        Assert.Null(reply.ContentType);
    }

    [Fact]
    public async Task A_missing_or_unknown_target_is_an_UnknownOperationException_in_the_request_s_encoding()
    {
        AssertJson(await SendAsync(contentType: Json, body: Utf8("{}")), HttpStatusCode.BadRequest, "{\"__type\":\"UnknownOperationException\"}");
        foreach (var target in new[] { "Whatever", "Kinesis_20131202.", "Kinesis_20131202.ListStream", "Whatever.ListStreams" })
            AssertJson(await SendAsync(target: target, contentType: Json, body: Utf8("{}")), HttpStatusCode.BadRequest, "{\"__type\":\"UnknownOperationException\"}");
        AssertCbor(await SendAsync(target: "Kinesis_20131202.Whatever", contentType: Cbor, body: [0xBF, 0xFF]), "UnknownOperationException");
    }

    [Fact]
    public async Task An_empty_body_is_answered_in_JSON_only_for_JSON_1_1_and_in_CBOR_otherwise()
    {
        AssertJson(await SendAsync(target: ListStreams, contentType: Json), HttpStatusCode.BadRequest, "{\"__type\":\"SerializationException\"}");
        AssertCbor(await SendAsync(target: ListStreams), "SerializationException");
        AssertCbor(await SendAsync(target: ListStreams, contentType: "application/json"), "SerializationException");
        AssertCbor(await SendAsync(), "UnknownOperationException");
        AssertCbor(await SendAsync(contentType: "application/x-amz-json-1.0"), "UnknownOperationException");
        AssertCbor(await SendAsync(target: ListStreams, contentType: "application/x-amz-json-1.1asdf"), "SerializationException");
    }

    [Fact]
    public async Task A_body_in_a_foreign_content_type_is_AWS_s_403_or_404_in_XML()
    {
        AssertXml(await SendAsync(body: Utf8("{}")), HttpStatusCode.Forbidden, AccessDeniedXml);
        AssertXml(await SendAsync(target: "Whatever", contentType: "application/x-amz-json-1.0", body: Utf8("{}")), HttpStatusCode.Forbidden, AccessDeniedXml);
        AssertXml(await SendAsync(target: ListStreams, contentType: "application/x-amz-json-1.0", body: Utf8("{}")), HttpStatusCode.NotFound, "<UnknownOperationException/>\n");
        AssertXml(await SendAsync(target: ListStreams, contentType: "text/plain", body: Utf8("{}")), HttpStatusCode.NotFound, "<UnknownOperationException/>\n");
    }

    [Fact]
    public async Task Plain_application_json_is_answered_in_the_deprecated_shape()
    {
        const string serialization = "{\"Output\":{\"__type\":\"com.amazon.coral.service#SerializationException\"},\"Version\":\"1.0\"}";
        var reply = await SendAsync(target: ListStreams, contentType: "     application/json     ;", body: Utf8("hello"));
        Assert.True(reply.Status == HttpStatusCode.BadRequest && reply.Text == serialization, reply.Text);
        Assert.Equal("application/json", reply.ContentType);

        reply = await SendAsync(target: ListStreams, contentType: "application/json", body: Utf8("{}"));
        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal("{\"Output\":{\"__type\":\"com.amazon.coral.service#UnknownOperationException\"},\"Version\":\"1.0\"}", reply.Text);
    }

    [Fact]
    public async Task A_body_that_is_not_a_JSON_object_or_a_CBOR_map_is_a_bare_SerializationException()
    {
        foreach (var body in new[] { "hello", "true", "null", "[]", "\"text\"", "{\"a\":" })
            AssertJson(await SendAsync(target: ListStreams, contentType: Json, body: Utf8(body)), HttpStatusCode.BadRequest, "{\"__type\":\"SerializationException\"}");
        // A JSON 1.1 content type with a charset and spaces is still JSON 1.1.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(target: ListStreams, contentType: "   application/x-amz-json-1.1   ;whatever", body: Utf8("{}"))).Status);

        var cbor = await SendAsync(target: ListStreams, contentType: Cbor, body: [0x01]);
        Assert.Equal(HttpStatusCode.BadRequest, cbor.Status);
        Assert.Equal("SerializationException", cbor.CborMap()["__type"]);
    }

    [Fact]
    public async Task Other_methods_are_an_AccessDeniedException_in_XML_on_every_path()
    {
        foreach (var method in new[] { "GET", "PUT", "DELETE", "PATCH", "OPTIONS" })
        {
            var reply = await SendAsync(method: method, path: "/");
            AssertXml(reply, HttpStatusCode.Forbidden, AccessDeniedXml);
            Assert.Equal("AccessDeniedException", reply.Header("x-amzn-ErrorType"));
            Assert.Equal(72, Convert.FromBase64String(reply.Header("x-amz-id-2")!).Length);
        }
        AssertXml(await SendAsync(method: "GET", path: "/no/such/path"), HttpStatusCode.Forbidden, AccessDeniedXml);
    }

    [Fact]
    public async Task The_protocol_is_served_on_any_path_as_AWS_ignores_the_path()
    {
        var reply = await SendAsync(path: "/some/path", target: ListStreams, contentType: Json, body: Utf8("{}"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Contains("StreamNames", reply.Text);
    }

    [Fact]
    public async Task A_CORS_preflight_allows_what_the_browser_asks_for_and_other_answers_allow_any_origin()
    {
        var preflight = await SendAsync(method: "OPTIONS", headers:
            [("Origin", "http://localhost:3000"), ("Access-Control-Request-Headers", "a, b, c"), ("Access-Control-Request-Method", "d")]);
        Assert.Equal(HttpStatusCode.OK, preflight.Status);
        Assert.Empty(preflight.Body);
        Assert.Equal("*", preflight.Header("Access-Control-Allow-Origin"));
        Assert.Equal("a, b, c", preflight.Header("Access-Control-Allow-Headers"));
        Assert.Equal("d", preflight.Header("Access-Control-Allow-Methods"));
        Assert.Equal("172800", preflight.Header("Access-Control-Max-Age"));
        Assert.Null(preflight.Header("x-amz-id-2"));
        Assert.Null(preflight.ContentType);

        var call = await SendAsync(target: ListStreams, contentType: Json, body: Utf8("{}"), headers: [("Origin", "http://localhost:3000")]);
        Assert.Equal(HttpStatusCode.OK, call.Status);
        Assert.Equal("*", call.Header("Access-Control-Allow-Origin"));
        Assert.Equal("x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date", call.Header("Access-Control-Expose-Headers"));
    }

    [Fact]
    public async Task The_form_of_a_signature_is_checked_as_AWS_checks_it()
    {
        const string allMissing = "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. " +
            "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
            "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.";
        AssertJson(await SendAsync(path: "/?X-Amz-Algorithm", target: ListStreams, contentType: Json, body: Utf8("{}")), HttpStatusCode.BadRequest,
            $"{{\"__type\":\"IncompleteSignatureException\",\"message\":\"{allMissing}\"}}");
        AssertJson(await SendAsync(path: "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d", target: ListStreams, contentType: Json, body: Utf8("{}")),
            HttpStatusCode.BadRequest,
            "{\"__type\":\"IncompleteSignatureException\",\"message\":\"AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.\"}");
        AssertJson(await SendAsync(path: "/?X-Amz-Algorithm", target: ListStreams, contentType: Json, body: Utf8("{}"), headers: [("Authorization", "X")]),
            HttpStatusCode.BadRequest,
            "{\"__type\":\"InvalidSignatureException\",\"message\":\"Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.\"}");
        AssertJson(await SendAsync(target: ListStreams, contentType: Json, body: Utf8("{}"), headers: [("Authorization", "X")]), HttpStatusCode.BadRequest,
            "{\"__type\":\"IncompleteSignatureException\",\"message\":\"Authorization header requires 'Credential' parameter. " +
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=X\"}");
        AssertJson(await SendAsync(target: ListStreams, contentType: Json, body: Utf8("{}"), headers: [("Authorization", "AWS4- Signature=b, Credential=a"), ("Date", "a")]),
            HttpStatusCode.BadRequest,
            "{\"__type\":\"IncompleteSignatureException\",\"message\":\"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b, Credential=a\"}");
        // Without X-Amz-Algorithm the other parameters are not a presigned request (authentication is off here).
        Assert.Equal(HttpStatusCode.OK,
            (await SendAsync(path: "/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d", target: ListStreams, contentType: Json, body: Utf8("{}"))).Status);
    }

    [Fact]
    public async Task Text_that_is_not_UTF_8_or_UTF_16_is_a_SerializationException_with_a_message_never_a_500()
    {
        byte[][] bodies =
        [
            Utf8("{\"StreamName\": \"\\ud800\"}"),
            Utf8("{\"StreamName\": \"a\\uDC00b\"}"),
            Utf8("{\"\\ud800\": 1}"),
            [.. Utf8("{\"StreamName\": \"a"), 0xFF, .. Utf8("\"}")],
            [.. Utf8("{\"StreamName\": \"a"), 0xED, 0xA0, 0x80, .. Utf8("\"}")],
        ];
        foreach (var body in bodies)
        {
            var reply = await SendAsync(target: "Kinesis_20131202.DescribeStream", contentType: Json, body: body);
            Assert.True(reply.Status == HttpStatusCode.BadRequest, $"{Encoding.UTF8.GetString(body)}: {(int)reply.Status} {reply.Text}");
            // AWS spells the member "Message" in a SerializationException.
            Assert.StartsWith("{\"__type\":\"SerializationException\",\"Message\":\"", reply.Text);
        }
        // A paired escape is a character like any other.
        var ok = await SendAsync(target: "Kinesis_20131202.DescribeStream", contentType: Json, body: Utf8("{\"StreamName\": \"a\\ud83d\\ude00\"}"));
        Assert.NotEqual(HttpStatusCode.InternalServerError, ok.Status);
    }

    [Fact]
    public async Task Deep_nesting_and_huge_numbers_are_answered_with_4xx_errors()
    {
        var deep = await SendAsync(target: ListStreams, contentType: Json, body: Utf8("{\"a\":" + new string('[', 10_000) + new string(']', 10_000) + "}"));
        AssertJson(deep, HttpStatusCode.BadRequest, "{\"__type\":\"SerializationException\"}");
        var huge = await SendAsync(target: ListStreams, contentType: Json, body: Utf8("{\"Limit\": 1e400}"));
        Assert.Equal(HttpStatusCode.BadRequest, huge.Status);
        // Read as the model's integer, clamped as Java reads a big number: out of Limit's range.
        Assert.Equal("ValidationException", huge.Header("x-amzn-ErrorType"));
    }

    [Fact]
    public async Task A_method_another_endpoint_does_not_take_is_an_error_with_an_AWS_body()
    {
        var reply = await SendAsync(method: "POST", path: "/console/api/config", contentType: Json, body: Utf8("{}"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, reply.Status);
        Assert.Equal("UnknownOperationException", reply.Header("x-amzn-ErrorType"));
        Assert.StartsWith("{\"__type\":\"UnknownOperationException\",\"message\":\"POST /console/api/config answered 405", reply.Text);
    }
}
