using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// The server with SigV4 checking on, sent requests presigned (query-string authentication) by botocore's own
/// <c>SigV4QueryAuth</c> (tests/python/presign.py): a correct one is served; a tampered, unknown-key, expired or
/// incomplete one, or one that also has an Authorization header, gets AWS's error. Skipped where no python3 has botocore.
/// </summary>
public sealed class PresignedAuthTests(AuthServerFixture server) : IClassFixture<AuthServerFixture>
{
    private const string Key = AuthServerFixture.AccessKeyId;
    private const string Secret = AuthServerFixture.SecretAccessKey;
    private const string ListStreams = "Kinesis_20131202.ListStreams";

    private Task<BotocorePresign.Presigned> PresignAsync(string target = ListStreams, string body = "{}", DateTimeOffset? signedAt = null,
        int expires = 300, string key = Key, string secret = Secret, bool hashHeader = true) =>
        BotocorePresign.PresignAsync(server.BaseAddress, target, body, signedAt, expires, key, secret, hashHeader);

    private static Task<KinesisReply> SendAsync(BotocorePresign.Presigned presigned, string? url = null, string? authorization = null) =>
        BotocorePresign.SendAsync(presigned, url, authorization);

    private static void AssertError(KinesisReply reply, string type, string message)
    {
        reply.AssertError(HttpStatusCode.BadRequest, type);
        Assert.Equal(message, reply.Message);
    }

    [BotocoreFact]
    public async Task A_request_presigned_by_botocore_is_served()
    {
        var reply = await SendAsync(await PresignAsync());
        Assert.True(reply.Status == HttpStatusCode.OK, reply.Text);
        Assert.True(reply.Json.TryGetProperty("StreamNames", out _), reply.Text);

        var stream = await server.CreateStreamAsync("presigned");
        var summary = await SendAsync(await PresignAsync("Kinesis_20131202.DescribeStreamSummary", JsonSerializer.Serialize(new { StreamName = stream })));
        Assert.True(summary.Status == HttpStatusCode.OK, summary.Text);
        Assert.Equal(stream, summary.Json.GetProperty("StreamDescriptionSummary").GetProperty("StreamName").GetString());
    }

    [BotocoreFact]
    public async Task A_tampered_signature_or_body_is_an_InvalidSignatureException()
    {
        const string message = "The request signature we calculated does not match the signature you provided. " +
                               "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
        var presigned = await PresignAsync();
        var signature = presigned.Url[(presigned.Url.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + "X-Amz-Signature=".Length)..];
        var flipped = (signature[0] == '0' ? '1' : '0') + signature[1..];
        AssertError(await SendAsync(presigned, presigned.Url.Replace(signature, flipped)), "InvalidSignatureException", message);

        // A parameter changed after signing (the lifetime made longer) no longer matches.
        AssertError(await SendAsync(presigned, presigned.Url.Replace("X-Amz-Expires=300", "X-Amz-Expires=900")), "InvalidSignatureException", message);

        // Signed without the body's hash (botocore then signs an empty body's): the body sent is not the one signed.
        AssertError(await SendAsync(await PresignAsync(hashHeader: false)), "InvalidSignatureException", message);
    }

    [BotocoreFact]
    public async Task An_unknown_access_key_is_an_UnrecognizedClientException()
    {
        var reply = await SendAsync(await PresignAsync(key: "AKIDNOBODYKNOWS", secret: "whatever"));
        AssertError(reply, "UnrecognizedClientException", "The security token included in the request is invalid.");
    }

    [BotocoreFact]
    public async Task A_request_past_its_expiry_is_refused_and_one_within_it_is_served()
    {
        var now = DateTimeOffset.UtcNow;
        var signedAt = now.AddMinutes(-20);
        var reply = await SendAsync(await PresignAsync(signedAt: signedAt, expires: 600));
        reply.AssertError(HttpStatusCode.BadRequest, "InvalidSignatureException");
        Assert.StartsWith($"Signature expired: {BotocorePresign.Stamp(signedAt)} is now earlier than ", reply.Message);
        Assert.EndsWith(" - 600 sec.)", reply.Message);

        // Older than the header form's 5 minutes, but within its own hour: served.
        var within = await SendAsync(await PresignAsync(signedAt: signedAt, expires: 3600));
        Assert.True(within.Status == HttpStatusCode.OK, within.Text);

        AssertError(await SendAsync(await PresignAsync(expires: 604_801)), "IncompleteSignatureException",
            "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds");
    }

    [BotocoreFact]
    public async Task A_missing_parameter_or_an_Authorization_header_as_well_is_refused()
    {
        var presigned = await PresignAsync();
        var withoutSignedHeaders = string.Join('&', presigned.Url.Split('&').Where(p => !p.StartsWith("X-Amz-SignedHeaders=", StringComparison.Ordinal)));
        AssertError(await SendAsync(presigned, withoutSignedHeaders), "IncompleteSignatureException",
            "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");

        var both = await SendAsync(presigned, authorization:
            $"AWS4-HMAC-SHA256 Credential={Key}/20261126/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature={new string('0', 64)}");
        AssertError(both, "InvalidSignatureException", "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
    }

    [BotocoreFact]
    public async Task A_presigned_request_promising_a_16_MiB_body_is_refused_on_its_key_or_date_without_the_body_being_read()
    {
        foreach (var (presigned, type) in new[]
                 {
                     (await PresignAsync("Kinesis_20131202.PutRecords", "", key: "AKIDNOBODYKNOWS", hashHeader: false), "UnrecognizedClientException"),
                     (await PresignAsync("Kinesis_20131202.PutRecords", "", DateTimeOffset.UtcNow.AddHours(-2), expires: 3600, hashHeader: false),
                         "InvalidSignatureException"),
                 })
        {
            var target = presigned.Url[presigned.Url.IndexOf('/', "http://".Length)..];
            await using var connection = await RawHttp.ConnectAsync(server.BaseAddress);
            await connection.SendAsync($"POST {target} HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\n" +
                                       string.Concat(presigned.Headers.Select(h => $"{h.Key}: {h.Value}\r\n")) +
                                       $"Content-Length: {16 * 1024 * 1024}\r\n\r\n");
            await connection.SendAsync(new byte[4096]); // a little of the body; the rest never comes

            var response = await connection.ReadResponseAsync();

            Assert.NotNull(response);
            Assert.StartsWith("HTTP/1.1 400 ", response);
            Assert.Contains(type, response);
        }
    }
}

/// <summary>Presigned requests are held to resource policies as header-signed ones are: the key maps to the same principal.</summary>
public sealed class PresignedResourcePolicyTests(ResourcePolicyServerFixture server) : IClassFixture<ResourcePolicyServerFixture>
{
    [BotocoreFact]
    public async Task A_presigned_request_is_authorized_as_its_keys_principal()
    {
        var stream = await server.CreateStreamAsync("presigned-policy");
        var put = JsonSerializer.Serialize(new { StreamName = stream, PartitionKey = "k", Data = "AA==" });
        const string target = "Kinesis_20131202.PutRecord";

        var alice = await BotocorePresign.SendAsync(await BotocorePresign.PresignAsync(server.BaseAddress, target, put,
            key: ResourcePolicyServerFixture.AliceKey, secret: ResourcePolicyServerFixture.AliceSecret));
        Assert.True(alice.Status == HttpStatusCode.OK, alice.Text);

        var bob = await BotocorePresign.SendAsync(await BotocorePresign.PresignAsync(server.BaseAddress, target, put,
            key: ResourcePolicyServerFixture.BobKey, secret: ResourcePolicyServerFixture.BobSecret));
        bob.AssertError(HttpStatusCode.BadRequest, "AccessDeniedException");
        Assert.Contains(ResourcePolicyServerFixture.BobArn, bob.Message);
        Assert.Contains("kinesis:PutRecord", bob.Message);
    }
}

/// <summary>
/// Runs tests/python/presign.py: a Kinesis JSON request presigned by botocore's own <c>SigV4QueryAuth</c>, and sends
/// exactly what it produced.
/// </summary>
internal static class BotocorePresign
{
    public sealed record Presigned(string Url, Dictionary<string, string> Headers, string Body);

    private static string Script { get; } = Path.Combine(JavaScriptSdk.Directory, "..", "python", "presign.py");

    public static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A request presigned by botocore at <paramref name="signedAt"/> (now when null).</summary>
    public static async Task<Presigned> PresignAsync(Uri endpoint, string target, string body, DateTimeOffset? signedAt = null, int expires = 300,
        string key = AuthServerFixture.AccessKeyId, string secret = AuthServerFixture.SecretAccessKey, bool hashHeader = true)
    {
        string[] args = [Script, endpoint.ToString(), key, secret, target, body, Stamp(signedAt ?? DateTimeOffset.UtcNow),
            expires.ToString(CultureInfo.InvariantCulture), hashHeader ? "header" : "none"];
        var (code, stdout, stderr) = await ChildProcess.RunAsync(Botocore.Python!, args, TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"python3 presign.py exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        return JsonSerializer.Deserialize<Presigned>(stdout, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>Sends exactly what botocore produced (the URL may be changed first), with no signing of our own.</summary>
    public static async Task<KinesisReply> SendAsync(Presigned presigned, string? url = null, string? authorization = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url ?? presigned.Url)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(presigned.Body)),
        };
        foreach (var (name, value) in presigned.Headers)
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await http.SendAsync(request);
        return await KinesisReply.ReadAsync(response);
    }
}
