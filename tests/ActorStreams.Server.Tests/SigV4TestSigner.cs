using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ActorStreams.Server.Tests;

/// <summary>
/// A minimal SigV4 signer written from the AWS documentation for the tests, independent of the server's verifier:
/// it signs <c>POST /</c> over host, content-type, x-amz-date and x-amz-target.
/// </summary>
public static class SigV4TestSigner
{
    public static async Task SignAsync(HttpRequestMessage request, string accessKeyId, string secretAccessKey, DateTime utc,
        string region = "us-east-1", string service = "kinesis")
    {
        var amzDate = utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var day = amzDate[..8];
        request.Headers.Remove("X-Amz-Date");
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);

        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync();
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = request.RequestUri!.Authority,
            ["x-amz-date"] = amzDate,
        };
        if (request.Content?.Headers.ContentType is { } type) headers["content-type"] = type.ToString();
        if (request.Headers.TryGetValues("X-Amz-Target", out var targets)) headers["x-amz-target"] = string.Join(",", targets);
        var signedHeaders = string.Join(";", headers.Keys);

        // The path and query as sent (Kinesis requests: "/" and none; the console's GET /console/api/metrics?stream=x).
        // Both are plain ASCII in these tests, so percent-encoding them once more changes nothing.
        var query = string.Join("&", request.RequestUri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Contains('=') ? p : p + "=").Order(StringComparer.Ordinal));
        var canonical = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(request.RequestUri.AbsolutePath).Append('\n')
            .Append(query).Append('\n');
        foreach (var (name, value) in headers) canonical.Append(name).Append(':').Append(value.Trim()).Append('\n');
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(Hex(SHA256.HashData(body)));

        var scope = $"{day}/{region}/{service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), day);
        foreach (var part in new[] { region, service, "aws4_request" }) key = Hmac(key, part);
        var signature = Hex(Hmac(key, stringToSign));

        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    private static byte[] Hmac(byte[] key, string data)
    {
        using var hmac = new HMACSHA256(key);
        return hmac.ComputeHash(Encoding.UTF8.GetBytes(data));
    }

    private static string Hex(byte[] bytes) => string.Concat(bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}

/// <summary>Signs every request it sends with one access key pair at the current time.</summary>
public sealed class SigningHandler(string accessKeyId, string secretAccessKey) : DelegatingHandler(new SocketsHttpHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await SigV4TestSigner.SignAsync(request, accessKeyId, secretAccessKey, DateTime.UtcNow);
        return await base.SendAsync(request, cancellationToken);
    }
}
