using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ActorStreams.Server.Auth;

/// <summary>What the verifier needs of an HTTP request, free of ASP.NET Core types.</summary>
/// <param name="Method">The HTTP method, e.g. <c>POST</c>.</param>
/// <param name="RawPath">The path as sent on the wire (still percent-encoded), e.g. <c>/</c>.</param>
/// <param name="RawQuery">The query string as sent, without the leading <c>?</c>; empty when there is none.</param>
/// <param name="Header">The values of a header by its lowercase name; null or empty when the request lacks it.</param>
/// <param name="Body">The whole request body (empty for <see cref="SigV4Verifier.CheckHeaders"/>, which does not look at it).</param>
/// <param name="HeaderNames">The names of every header the request carries, to find unsigned <c>x-amz-*</c> ones; null skips that check.</param>
internal sealed record SigV4Request(string Method, string RawPath, string RawQuery, Func<string, IReadOnlyList<string>?> Header, ReadOnlySequence<byte> Body,
    IEnumerable<string>? HeaderNames = null);

/// <summary>The outcome of <see cref="SigV4Verifier.Verify"/>: success with the access key id, or an AWS error code and message.</summary>
internal readonly record struct SigV4Result(string? AccessKeyId, string? ErrorCode, string? Message)
{
    public bool Succeeded => ErrorCode is null;

    public static SigV4Result Ok(string accessKeyId) => new(accessKeyId, null, null);

    public static SigV4Result Fail(string code, string message) => new(null, code, message);
}

/// <summary>
/// Checks AWS Signature Version 4 (<c>Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...</c>
/// with <c>X-Amz-Date</c>, or the same in the query string of a presigned request: <c>X-Amz-Algorithm</c>,
/// <c>X-Amz-Credential</c>, <c>X-Amz-Date</c>, <c>X-Amz-Expires</c>, <c>X-Amz-SignedHeaders</c>, <c>X-Amz-Signature</c>) against a fixed set of access key id -> secret access key pairs. The canonical request,
/// string to sign and signing key are built as the AWS SDKs build them; the signature is compared in constant time.
/// Everything but the signature itself (the header's form, the date, the key id, that every <c>x-amz-*</c> header is
/// signed) is checked by <see cref="CheckHeaders"/> before the body is read, so an unknown caller cannot make the
/// server buffer a body.
/// </summary>
internal sealed class SigV4Verifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string MissingAuthenticationToken = "MissingAuthenticationTokenException";
    public const string UnrecognizedClient = "UnrecognizedClientException";
    public const string InvalidSignature = "InvalidSignatureException";
    public const string IncompleteSignature = "IncompleteSignatureException";

    /// <summary>The query parameter that makes a request presigned (query-string authentication).</summary>
    public const string AlgorithmParameter = "X-Amz-Algorithm";
    public const string CredentialParameter = "X-Amz-Credential";
    public const string SignatureParameter = "X-Amz-Signature";
    public const string SignedHeadersParameter = "X-Amz-SignedHeaders";
    public const string DateParameter = "X-Amz-Date";
    public const string ExpiresParameter = "X-Amz-Expires";

    /// <summary>The longest a presigned request may be valid, in seconds (7 days), as in AWS.</summary>
    public const int MaxExpiresSeconds = 604_800;

    /// <summary>AWS's answer to a request authenticated both ways (recorded by kinesalite against Kinesis).</summary>
    public const string BothAuthenticationsMessage = $"Found both '{AlgorithmParameter}' as a query-string param and 'Authorization' as HTTP header.";

    /// <summary>The query parameters a presigned request must carry, in the order AWS names the missing ones.</summary>
    public static readonly string[] RequiredQueryParameters = [AlgorithmParameter, CredentialParameter, SignatureParameter, SignedHeadersParameter, DateParameter];

    /// <summary>How far <c>X-Amz-Date</c> may be from the server's clock, either way, as in AWS.</summary>
    /// <summary>HTTP/2's pseudo-header for the host, signed in place of <c>host</c> by some SDKs.</summary>
    private const string AuthorityHeader = ":authority";

    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    private const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const string Terminator = "aws4_request";
    private const string ContentSha256Header = "x-amz-content-sha256";
    private const string AmzHeaderPrefix = "x-amz-";

    private readonly Dictionary<string, string> _secrets;
    private readonly TimeProvider _time;

    public SigV4Verifier(IEnumerable<KeyValuePair<string, string>> credentials, TimeProvider? time = null)
    {
        _secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, secret) in credentials) _secrets[key] = secret;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The checks that need no body: the Authorization header's form, the date, the key id and the signed headers.</summary>
    public SigV4Result CheckHeaders(SigV4Request request) => Inspect(request, out _);

    public SigV4Result Verify(SigV4Request request)
    {
        var inspected = Inspect(request, out var parts);
        if (!inspected.Succeeded) return inspected;
        var (accessKeyId, secret, amzDate, scopeDate, region, service, signedHeaders, signedHeadersText, signature, presigned) = parts;

        var bodyHash = Sha256Hex(request.Body);
        var payloadHash = bodyHash;
        var declaredHash = Single(request.Header(ContentSha256Header))?.Trim();
        if (declaredHash is not null)
        {
            // The header stands for the body in the canonical request, so it must be the body's hash or the body is unsigned.
            if (!string.Equals(declaredHash, bodyHash, StringComparison.OrdinalIgnoreCase))
                return SigV4Result.Fail(InvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.");
            payloadHash = declaredHash;
        }

        // One canonical request for both forms; a presigned one leaves its own signature out of the query, as signers do.
        var canonicalRequest = CanonicalRequest(request, signedHeaders, signedHeadersText, payloadHash, presigned ? SignatureParameter : null);
        var credentialScope = $"{scopeDate}/{region}/{service}/{Terminator}";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{credentialScope}\n{Sha256Hex(Encoding.UTF8.GetBytes(canonicalRequest))}";
        var key = SigningKey(secret, scopeDate, region, service);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature.ToLowerInvariant())))
            return SigV4Result.Fail(InvalidSignature,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        return SigV4Result.Ok(accessKeyId);
    }

    /// <summary>The parts of a signed request that <see cref="Verify"/> needs once <see cref="Inspect"/> found them well formed.</summary>
    private readonly record struct SignatureParts(string AccessKeyId, string Secret, string AmzDate, string ScopeDate, string Region, string Service,
        string[] SignedHeaders, string SignedHeadersText, string Signature, bool Presigned);

    private SigV4Result Inspect(SigV4Request request, out SignatureParts parts)
    {
        parts = default;
        var authorization = Single(request.Header("authorization"));
        var query = QueryParameters(request.RawQuery);
        var presigned = query.ContainsKey(AlgorithmParameter);
        string credential, signedHeadersText, signature, amzDate;
        long? expires = null;
        if (presigned)
        {
            if (!string.IsNullOrEmpty(authorization)) return SigV4Result.Fail(InvalidSignature, BothAuthenticationsMessage);
            var missing = RequiredQueryParameters.Where(p => string.IsNullOrEmpty(query.GetValueOrDefault(p))).ToList();
            if (missing.Count > 0)
                return SigV4Result.Fail(IncompleteSignature,
                    string.Concat(missing.Select(p => $"AWS query-string parameters must include '{p}'. ")) + "Re-examine the query-string parameters.");
            var algorithm = query[AlgorithmParameter];
            if (algorithm != Algorithm)
                return SigV4Result.Fail(IncompleteSignature, $"Unsupported AWS 'algorithm': '{algorithm}'; only {Algorithm} is accepted.");
            (credential, signedHeadersText, signature, amzDate) =
                (query[CredentialParameter], query[SignedHeadersParameter], query[SignatureParameter], query[DateParameter].Trim());
            if (signature.Length != 64 || !signature.All(Uri.IsHexDigit))
                return SigV4Result.Fail(IncompleteSignature, "The signature must be 64 hexadecimal digits.");
            if (query.TryGetValue(ExpiresParameter, out var expiresText))
            {
                // The wording of these three is S3's (Kinesis's own is not on record); docs/errors.md.
                if (!long.TryParse(expiresText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
                    return SigV4Result.Fail(IncompleteSignature, "X-Amz-Expires should be a number");
                if (seconds < 0) return SigV4Result.Fail(IncompleteSignature, "X-Amz-Expires must be non-negative");
                if (seconds > MaxExpiresSeconds)
                    return SigV4Result.Fail(IncompleteSignature,
                        $"X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than {MaxExpiresSeconds} seconds");
                expires = seconds;
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(authorization))
                return SigV4Result.Fail(MissingAuthenticationToken, "Missing Authentication Token");

            if (!TryParseAuthorization(authorization, out credential, out signedHeadersText, out signature, out var problem))
                return SigV4Result.Fail(IncompleteSignature, $"{problem} Authorization={authorization}");

            amzDate = Single(request.Header("x-amz-date"))?.Trim() ?? "";
            if (amzDate.Length == 0)
                return SigV4Result.Fail(IncompleteSignature,
                    $"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={authorization}");
        }
        if (!DateTimeOffset.TryParseExact(amzDate, DateFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signedAt))
            return SigV4Result.Fail(IncompleteSignature,
                $"Date must be in ISO-8601 'basic format'. Got '{amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601");

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope.Any(string.IsNullOrEmpty))
            return SigV4Result.Fail(IncompleteSignature,
                $"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'");
        var (accessKeyId, scopeDate, region, service, terminator) = (scope[0], scope[1], scope[2], scope[3], scope[4]);
        if (terminator != Terminator)
            return SigV4Result.Fail(IncompleteSignature, $"Credential should be scoped with a valid terminator: '{Terminator}', not '{terminator}'.");

        var signedHeaders = signedHeadersText.Split(';');
        if (signedHeaders.Any(h => h.Length == 0 || h != h.ToLowerInvariant()))
            return SigV4Result.Fail(IncompleteSignature, $"SignedHeaders must be lowercase header names separated by ';', got '{signedHeadersText}'." +
                (presigned ? "" : $" Authorization={authorization}"));
        // Over HTTP/2 a signer may sign the :authority pseudo-header instead (the JavaScript SDK v3 does); Kestrel
        // hands it on as Host, which is what its canonical value is read from (CanonicalRequest).
        if (!signedHeaders.Contains("host") && !signedHeaders.Contains(AuthorityHeader))
            return SigV4Result.Fail(IncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

        if (request.HeaderNames is not null)
        {
            var unsigned = request.HeaderNames
                .Where(h => h.StartsWith(AmzHeaderPrefix, StringComparison.OrdinalIgnoreCase))
                .Select(h => h.ToLowerInvariant())
                // Stands for the body, whose hash is checked against it whether it is signed or not (as S3 tolerates it).
                .Where(h => h != ContentSha256Header && !signedHeaders.Contains(h))
                .Order(StringComparer.Ordinal).ToList();
            if (unsigned.Count > 0)
                return SigV4Result.Fail(IncompleteSignature,
                    $"There were headers present in the request which were not signed: {string.Join(", ", unsigned)}. Every x-amz-* header must be in SignedHeaders.");
        }

        if (!_secrets.TryGetValue(accessKeyId, out var secret))
            return SigV4Result.Fail(UnrecognizedClient, "The security token included in the request is invalid.");

        if (scopeDate != amzDate[..8])
            return SigV4Result.Fail(InvalidSignature,
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scopeDate}' != '{amzDate[..8]}', from '{amzDate}'.");

        var now = _time.GetUtcNow();
        // A presigned request is good until its date plus X-Amz-Expires (0: never, as S3 treats it); one dated
        // later than the clock skew allows is refused as a header-signed one is.
        if (expires is { } lifetime && (lifetime == 0 || signedAt.AddSeconds(lifetime) < now))
            return SigV4Result.Fail(InvalidSignature,
                $"Signature expired: {amzDate} is now earlier than {Format(now.AddSeconds(-lifetime))} ({Format(now)} - {lifetime} sec.)");
        if (expires is null && signedAt < now - MaxClockSkew)
            return SigV4Result.Fail(InvalidSignature,
                $"Signature expired: {amzDate} is now earlier than {Format(now - MaxClockSkew)} ({Format(now)} - {MaxClockSkew.TotalMinutes:0} min.)");
        if (signedAt > now + MaxClockSkew)
            return SigV4Result.Fail(InvalidSignature,
                $"Signature not yet current: {amzDate} is still later than {Format(now + MaxClockSkew)} ({Format(now)} + {MaxClockSkew.TotalMinutes:0} min.)");

        parts = new SignatureParts(accessKeyId, secret, amzDate, scopeDate, region, service, signedHeaders, signedHeadersText, signature, presigned);
        return SigV4Result.Ok(accessKeyId);
    }

    /// <summary>
    /// The canonical request of SigV4: method, URI, query, headers, signed header list and payload hash, one per line;
    /// the query without <c>excludedParameter</c> (a presigned request's <c>X-Amz-Signature</c>) when one is given.
    /// </summary>
    public static string CanonicalRequest(SigV4Request request, IReadOnlyList<string> signedHeaders, string signedHeadersText, string payloadHash,
        string? excludedParameter = null)
    {
        var builder = new StringBuilder();
        builder.Append(request.Method.ToUpperInvariant()).Append('\n');
        builder.Append(CanonicalUri(request.RawPath)).Append('\n');
        builder.Append(CanonicalQuery(request.RawQuery, excludedParameter)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var values = request.Header(name == AuthorityHeader ? "host" : name) ?? [];
            builder.Append(name).Append(':').Append(string.Join(',', values.Select(CanonicalHeaderValue))).Append('\n');
        }
        builder.Append('\n').Append(signedHeadersText).Append('\n').Append(payloadHash);
        return builder.ToString();
    }

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").</summary>
    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Terminator));
    }

    private static bool TryParseAuthorization(string header, out string credential, out string signedHeaders, out string signature, out string problem)
    {
        credential = signedHeaders = signature = problem = "";
        var text = header.Trim();
        var space = text.IndexOf(' ');
        var algorithm = space < 0 ? text : text[..space];
        if (algorithm != Algorithm)
        {
            problem = $"Unsupported AWS 'algorithm': '{algorithm}'; only {Algorithm} is accepted.";
            return false;
        }
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in (space < 0 ? "" : text[(space + 1)..]).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                problem = $"'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'.";
                return false;
            }
            parts[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        var missing = new List<string>();
        foreach (var name in new[] { "Credential", "Signature", "SignedHeaders" })
            if (!parts.TryGetValue(name, out var value) || value.Length == 0)
                missing.Add($"Authorization header requires '{name}' parameter.");
        if (missing.Count > 0)
        {
            problem = string.Join(' ', missing);
            return false;
        }
        (credential, signedHeaders, signature) = (parts["Credential"], parts["SignedHeaders"], parts["Signature"]);
        if (signature.Length != 64 || !signature.All(Uri.IsHexDigit))
        {
            problem = "The signature must be 64 hexadecimal digits.";
            return false;
        }
        return true;
    }

    /// <summary>Values trimmed, runs of spaces collapsed to one.</summary>
    private static string CanonicalHeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.Trim())
        {
            if (c == ' ' || c == '\t')
            {
                space = true;
                continue;
            }
            if (space && builder.Length > 0) builder.Append(' ');
            space = false;
            builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>The path as sent, percent-encoded once more (all services but S3 double-encode); "/" stays "/".</summary>
    private static string CanonicalUri(string rawPath) =>
        rawPath.Length == 0 ? "/" : string.Join('/', rawPath.Split('/').Select(UriEncode));

    private static string CanonicalQuery(string rawQuery, string? excludedParameter)
    {
        var pairs = QueryPairs(rawQuery)
            .Where(p => p.Key != excludedParameter)
            .Select(p => (Key: UriEncode(p.Key), Value: UriEncode(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => $"{p.Key}={p.Value}"));
    }

    /// <summary>The query string's parameters, percent-decoded, in the order sent.</summary>
    private static IEnumerable<(string Key, string Value)> QueryPairs(string rawQuery)
    {
        if (rawQuery.StartsWith('?')) rawQuery = rawQuery[1..];
        foreach (var pair in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            yield return (Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]), Uri.UnescapeDataString(eq < 0 ? "" : pair[(eq + 1)..]));
        }
    }

    /// <summary>The query's parameters by name (the first of repeated ones).</summary>
    private static Dictionary<string, string> QueryParameters(string rawQuery)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in QueryPairs(rawQuery)) parameters.TryAdd(key, value);
        return parameters;
    }

    /// <summary>RFC 3986 encoding: unreserved characters kept, everything else as %XX of its UTF-8 bytes.</summary>
    private static string UriEncode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.' or '~') builder.Append(c);
            else builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    private static string? Single(IReadOnlyList<string>? values) => values is null || values.Count == 0 ? null : string.Join(',', values);

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    private static string Sha256Hex(ReadOnlySequence<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var segment in body) hash.AppendData(segment.Span);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
