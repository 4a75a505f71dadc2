using System.Buffers;
using System.Text;
using ActorStreams.Server.Auth;

namespace ActorStreams.Server.Tests;

/// <summary>The verifier alone, against known-answer vectors made by other signers.</summary>
public sealed class SigV4VerifierTests
{
    private const string ExampleKeyId = "AKIDEXAMPLE";
    private const string ExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Body = "{\"StreamName\":\"orders\"}";

    // Made with botocore 1.43's SigV4Auth (the AWS CLI's signer) at 2026-11-26T08:00:00Z for kinesis/us-east-1.
    private const string BotocoreSignature = "940cebded351b7a3aa38e94509ece15ef8a69c291be3555b1a33eefa654a74e7";

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly DateTimeOffset SignedAt = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private static SigV4Verifier Verifier(DateTimeOffset? now = null) =>
        new([new(ExampleKeyId, ExampleSecret), new("OTHERKEY", "other")], new FixedTime(now ?? SignedAt.AddSeconds(30)));

    private static SigV4Request Request(Dictionary<string, string> headers, string body = Body, string method = "POST", string path = "/", string query = "") =>
        new(method, path, query,
            name => headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } h ? new[] { h.Value } : null,
            new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)));

    private static Dictionary<string, string> BotocoreHeaders(string? signature = null, string keyId = ExampleKeyId, string date = "20261126T080000Z") => new()
    {
        ["X-Amz-Target"] = "Kinesis_20131202.DescribeStream",
        ["Content-Type"] = "application/x-amz-json-1.1",
        ["X-Custom"] = "  a   b  c ",
        ["Host"] = "127.0.0.1:4567",
        ["X-Amz-Date"] = date,
        ["Authorization"] = $"AWS4-HMAC-SHA256 Credential={keyId}/20261126/us-east-1/kinesis/aws4_request, " +
                            $"SignedHeaders=content-type;host;x-amz-date;x-amz-target;x-custom, Signature={signature ?? BotocoreSignature}",
    };

    [Fact]
    public void A_request_signed_by_botocore_is_accepted()
    {
        var result = Verifier().Verify(Request(BotocoreHeaders()));

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(ExampleKeyId, result.AccessKeyId);
    }

    [Fact]
    public void Every_x_amz_header_present_must_be_signed_and_the_headers_alone_are_checked_without_the_body()
    {
        var headers = BotocoreHeaders();
        var withNames = Request(headers) with { HeaderNames = headers.Keys };
        Assert.True(Verifier().Verify(withNames).Succeeded);

        headers["X-Amz-Security-Token"] = "unsigned-token";
        var unsigned = Verifier().Verify(Request(headers) with { HeaderNames = headers.Keys });
        Assert.Equal(SigV4Verifier.IncompleteSignature, unsigned.ErrorCode);
        Assert.Contains("not signed: x-amz-security-token", unsigned.Message);
        Assert.Equal(SigV4Verifier.IncompleteSignature, Verifier().CheckHeaders(Request(headers, body: "") with { HeaderNames = headers.Keys }).ErrorCode);

        // Without a body: an unknown key, a stale date are refused; a well-formed header from a known key passes on to Verify.
        Assert.Equal(SigV4Verifier.UnrecognizedClient, Verifier().CheckHeaders(Request(BotocoreHeaders(keyId: "NOBODY"), body: "")).ErrorCode);
        Assert.Equal(SigV4Verifier.InvalidSignature, Verifier(SignedAt.AddMinutes(10)).CheckHeaders(Request(BotocoreHeaders(), body: "")).ErrorCode);
        Assert.True(Verifier().CheckHeaders(Request(BotocoreHeaders(signature: new string('0', 64)), body: "")).Succeeded);
    }

    [Fact]
    public void The_AWS_test_suite_get_vanilla_example_is_accepted()
    {
        // aws-sig-v4-test-suite/get-vanilla: GET / on example.amazonaws.com, service "service", region us-east-1.
        var headers = new Dictionary<string, string>
        {
            ["Host"] = "example.amazonaws.com",
            ["X-Amz-Date"] = "20150830T123600Z",
            ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
                                "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        };

        var result = Verifier(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero)).Verify(Request(headers, body: "", method: "GET"));

        Assert.True(result.Succeeded, result.Message);
    }

    [Fact]
    public async Task A_request_signed_by_the_test_signer_is_accepted()
    {
        var now = DateTime.UtcNow;
        using var message = ServerFixture.Request("PutRecord", Body);
        message.RequestUri = new Uri("http://localhost:1234/");
        await SigV4TestSigner.SignAsync(message, ExampleKeyId, ExampleSecret, now);
        var headers = new Dictionary<string, string>
        {
            ["Host"] = "localhost:1234",
            ["Content-Type"] = message.Content!.Headers.ContentType!.ToString(),
            ["X-Amz-Target"] = "Kinesis_20131202.PutRecord",
            ["X-Amz-Date"] = message.Headers.GetValues("X-Amz-Date").Single(),
            ["Authorization"] = message.Headers.GetValues("Authorization").Single(),
        };

        Assert.True(Verifier(now).Verify(Request(headers)).Succeeded);
    }

    [Fact]
    public void A_changed_body_header_or_signature_is_an_InvalidSignatureException()
    {
        AssertFails(Verifier().Verify(Request(BotocoreHeaders(), body: "{\"StreamName\":\"orderz\"}")), SigV4Verifier.InvalidSignature,
            "The request signature we calculated does not match the signature you provided.");

        var headers = BotocoreHeaders();
        headers["X-Amz-Target"] = "Kinesis_20131202.DeleteStream";
        AssertFails(Verifier().Verify(Request(headers)), SigV4Verifier.InvalidSignature, "does not match");

        AssertFails(Verifier().Verify(Request(BotocoreHeaders(signature: new string('0', 64)))), SigV4Verifier.InvalidSignature, "does not match");
        AssertFails(Verifier().Verify(Request(BotocoreHeaders(), method: "PUT")), SigV4Verifier.InvalidSignature, "does not match");
        AssertFails(Verifier().Verify(Request(BotocoreHeaders(), query: "a=b")), SigV4Verifier.InvalidSignature, "does not match");
    }

    [Fact]
    public void The_right_key_id_with_another_secret_is_an_InvalidSignatureException()
    {
        var verifier = new SigV4Verifier([new(ExampleKeyId, "not-the-secret")], new FixedTime(SignedAt));

        AssertFails(verifier.Verify(Request(BotocoreHeaders())), SigV4Verifier.InvalidSignature, "does not match");
    }

    [Fact]
    public void An_unknown_access_key_is_an_UnrecognizedClientException()
    {
        AssertFails(Verifier().Verify(Request(BotocoreHeaders(keyId: "AKIDUNKNOWN"))), SigV4Verifier.UnrecognizedClient,
            "The security token included in the request is invalid.");
        // Access key ids are case-sensitive.
        AssertFails(Verifier().Verify(Request(BotocoreHeaders(keyId: "akidexample"))), SigV4Verifier.UnrecognizedClient, "invalid");
    }

    [Fact]
    public void No_authorization_header_is_a_MissingAuthenticationTokenException()
    {
        var headers = BotocoreHeaders();
        headers.Remove("Authorization");

        AssertFails(Verifier().Verify(Request(headers)), SigV4Verifier.MissingAuthenticationToken, "Missing Authentication Token");
    }

    [Fact]
    public void A_stale_or_future_date_is_an_InvalidSignatureException_as_AWS_words_it()
    {
        var late = Verifier(SignedAt.AddMinutes(10)).Verify(Request(BotocoreHeaders()));
        AssertFails(late, SigV4Verifier.InvalidSignature, "Signature expired: 20261126T080000Z is now earlier than 20261126T080500Z (20261126T081000Z - 5 min.)");

        var early = Verifier(SignedAt.AddMinutes(-6)).Verify(Request(BotocoreHeaders()));
        AssertFails(early, SigV4Verifier.InvalidSignature, "Signature not yet current: 20261126T080000Z is still later than 20261126T075900Z (20261126T075400Z + 5 min.)");

        // Within five minutes either way is fine.
        Assert.True(Verifier(SignedAt.AddMinutes(4.9)).Verify(Request(BotocoreHeaders())).Succeeded);
        Assert.True(Verifier(SignedAt.AddMinutes(-4.9)).Verify(Request(BotocoreHeaders())).Succeeded);
    }

    [Theory]
    [InlineData("AWS4-HMAC-SHA256")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/kinesis/aws4_request")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + BotocoreSignature)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/kinesis/aws5_request, SignedHeaders=host;x-amz-date, Signature=" + BotocoreSignature)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/kinesis/aws4_request, SignedHeaders=x-amz-date, Signature=" + BotocoreSignature)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=xyz")]
    [InlineData("AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=" + BotocoreSignature)]
    [InlineData("AWS AKIDEXAMPLE:c2lnbmF0dXJl")]
    public void A_malformed_authorization_header_is_an_IncompleteSignatureException(string authorization)
    {
        var headers = BotocoreHeaders();
        headers["Authorization"] = authorization;

        AssertFails(Verifier().Verify(Request(headers)), SigV4Verifier.IncompleteSignature, "");
    }

    [Fact]
    public void A_missing_or_malformed_X_Amz_Date_is_an_IncompleteSignatureException()
    {
        var headers = BotocoreHeaders();
        headers.Remove("X-Amz-Date");
        AssertFails(Verifier().Verify(Request(headers)), SigV4Verifier.IncompleteSignature, "'X-Amz-Date'");

        AssertFails(Verifier().Verify(Request(BotocoreHeaders(date: "2026-11-26T08:00:00Z"))), SigV4Verifier.IncompleteSignature, "ISO-8601");
    }

    [Fact]
    public void A_credential_scope_of_another_day_is_an_InvalidSignatureException()
    {
        AssertFails(Verifier(SignedAt.AddDays(1)).Verify(Request(BotocoreHeaders(date: "20261127T080000Z"))), SigV4Verifier.InvalidSignature,
            "Date in Credential scope does not match");
    }

    [Fact]
    public void X_amz_content_sha256_must_be_the_hash_of_the_body()
    {
        var headers = BotocoreHeaders();
        headers["x-amz-content-sha256"] = new string('a', 64);

        AssertFails(Verifier().Verify(Request(headers)), SigV4Verifier.InvalidSignature, "x-amz-content-sha256");
    }

    private static void AssertFails(SigV4Result result, string code, string messagePart)
    {
        Assert.False(result.Succeeded, "expected " + code);
        Assert.Equal(code, result.ErrorCode);
        Assert.Contains(messagePart, result.Message);
    }

    // Made with botocore 1.43's SigV4QueryAuth (tests/python/presign.py) at 2026-11-26T08:00:00Z, X-Amz-Expires=900,
    // for kinesis/us-east-1 on http://127.0.0.1:4567/: with the body's hash in X-Amz-Content-SHA256, and without.
    private const string PresignedQuery =
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261126%2Fus-east-1%2Fkinesis%2Faws4_request&X-Amz-Date=20261126T080000Z" +
        "&X-Amz-Expires=900&X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-content-sha256%3Bx-amz-target" +
        "&X-Amz-Signature=1de9d1a1fe73736407a060f75c4f0ac9abd10ec232c3d2e7c73b18e02de57d11";

    private const string PresignedQueryWithoutBodyHash =
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261126%2Fus-east-1%2Fkinesis%2Faws4_request&X-Amz-Date=20261126T080000Z" +
        "&X-Amz-Expires=900&X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-target" +
        "&X-Amz-Signature=a5e96bca148d617c4b84cb2ca8de2ef003f9def6b07c574aadc582d538f183d5";

    private const string SignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
                                             "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    private static Dictionary<string, string> PresignedHeaders(bool bodyHash = true)
    {
        var headers = new Dictionary<string, string>
        {
            ["Content-Type"] = "application/x-amz-json-1.1",
            ["X-Amz-Target"] = "Kinesis_20131202.DescribeStream",
            ["Host"] = "127.0.0.1:4567",
        };
        if (bodyHash) headers["X-Amz-Content-SHA256"] = "c51186d8dde7c68a806475a9ef419978a1f2a935c9db54fe2d405937607b5f7d";
        return headers;
    }

    private static SigV4Request Presigned(string query = PresignedQuery, Dictionary<string, string>? headers = null, string body = Body)
    {
        headers ??= PresignedHeaders();
        return Request(headers, body, query: query) with { HeaderNames = headers.Keys };
    }

    [Fact]
    public void A_request_presigned_by_botocore_is_accepted_on_the_same_canonical_request_as_the_header_form()
    {
        var result = Verifier().Verify(Presigned());
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(ExampleKeyId, result.AccessKeyId);
        Assert.True(Verifier().CheckHeaders(Presigned(body: "")).Succeeded);

        // Without X-Amz-Content-SHA256 botocore signs the hash of the body it was given (none here): an empty body
        // passes, a body that was not signed does not.
        Assert.True(Verifier().Verify(Presigned(PresignedQueryWithoutBodyHash, PresignedHeaders(bodyHash: false), body: "")).Succeeded);
        var unsignedBody = Verifier().Verify(Presigned(PresignedQueryWithoutBodyHash, PresignedHeaders(bodyHash: false)));
        Assert.Equal((SigV4Verifier.InvalidSignature, SignatureMismatch), (unsignedBody.ErrorCode, unsignedBody.Message));
    }

    [Fact]
    public void A_tampered_presigned_request_is_an_InvalidSignatureException()
    {
        var signature = Verifier().Verify(Presigned(PresignedQuery.Replace("Signature=1de9", "Signature=0de9")));
        Assert.Equal((SigV4Verifier.InvalidSignature, SignatureMismatch), (signature.ErrorCode, signature.Message));

        var longer = Verifier().Verify(Presigned(PresignedQuery.Replace("X-Amz-Expires=900", "X-Amz-Expires=901")));
        Assert.Equal((SigV4Verifier.InvalidSignature, SignatureMismatch), (longer.ErrorCode, longer.Message));

        var headers = PresignedHeaders();
        headers["X-Amz-Target"] = "Kinesis_20131202.DeleteStream";
        Assert.Equal(SigV4Verifier.InvalidSignature, Verifier().Verify(Presigned(headers: headers)).ErrorCode);
    }

    [Fact]
    public void A_presigned_request_from_an_unknown_key_is_refused_without_its_body()
    {
        var result = Verifier().CheckHeaders(Presigned(PresignedQuery.Replace("AKIDEXAMPLE", "NOBODY"), body: ""));
        Assert.Equal((SigV4Verifier.UnrecognizedClient, "The security token included in the request is invalid."), (result.ErrorCode, result.Message));
    }

    [Fact]
    public void A_presigned_request_is_good_until_its_date_plus_X_Amz_Expires()
    {
        // Older than the header form's 5 minutes of skew, but within its 900 seconds.
        Assert.True(Verifier(SignedAt.AddSeconds(900)).Verify(Presigned()).Succeeded);

        var expired = Verifier(SignedAt.AddSeconds(901)).CheckHeaders(Presigned(body: ""));
        Assert.Equal((SigV4Verifier.InvalidSignature, "Signature expired: 20261126T080000Z is now earlier than 20261126T080001Z (20261126T081501Z - 900 sec.)"),
            (expired.ErrorCode, expired.Message));

        var early = Verifier(SignedAt.AddMinutes(-6)).CheckHeaders(Presigned(body: ""));
        Assert.Equal(SigV4Verifier.InvalidSignature, early.ErrorCode);
        Assert.StartsWith("Signature not yet current: 20261126T080000Z is still later than 20261126T075900Z", early.Message);

        Assert.Equal(SigV4Verifier.InvalidSignature,
            Verifier(SignedAt).CheckHeaders(Presigned(PresignedQuery.Replace("X-Amz-Expires=900", "X-Amz-Expires=0"), body: "")).ErrorCode);
    }

    [Theory]
    [InlineData("abc", "X-Amz-Expires should be a number")]
    [InlineData("-1", "X-Amz-Expires must be non-negative")]
    [InlineData("604801", "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")]
    public void An_X_Amz_Expires_out_of_range_is_an_IncompleteSignatureException(string expires, string message)
    {
        var result = Verifier().CheckHeaders(Presigned(PresignedQuery.Replace("X-Amz-Expires=900", $"X-Amz-Expires={expires}"), body: ""));
        Assert.Equal((SigV4Verifier.IncompleteSignature, message), (result.ErrorCode, result.Message));
        Assert.True(Verifier().CheckHeaders(Presigned(PresignedQuery.Replace("X-Amz-Expires=900", "X-Amz-Expires=604800"), body: "")).Succeeded);
    }

    [Fact]
    public void A_presigned_request_missing_a_parameter_or_with_an_Authorization_header_too_is_refused()
    {
        var query = string.Join('&', PresignedQuery.Split('&').Where(p => !p.StartsWith("X-Amz-Date=") && !p.StartsWith("X-Amz-Credential=")));
        var missing = Verifier().CheckHeaders(Presigned(query, body: ""));
        Assert.Equal((SigV4Verifier.IncompleteSignature,
                "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."),
            (missing.ErrorCode, missing.Message));

        var headers = PresignedHeaders();
        headers["Authorization"] = BotocoreHeaders()["Authorization"];
        var both = Verifier().Verify(Presigned(headers: headers));
        Assert.Equal((SigV4Verifier.InvalidSignature, SigV4Verifier.BothAuthenticationsMessage), (both.ErrorCode, both.Message));

        var algorithm = Verifier().CheckHeaders(Presigned(PresignedQuery.Replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"), body: ""));
        Assert.Equal(SigV4Verifier.IncompleteSignature, algorithm.ErrorCode);
    }
}
