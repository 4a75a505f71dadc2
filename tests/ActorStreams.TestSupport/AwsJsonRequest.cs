using System.Net.Http.Headers;
using System.Text;

namespace ActorStreams.TestSupport;

/// <summary>A request of the AWS JSON 1.1 protocol, as the SDKs send it: a POST naming its operation in <c>X-Amz-Target</c>.</summary>
public static class AwsJsonRequest
{
    /// <summary>The content type of the protocol.</summary>
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>The target prefix of Kinesis Data Streams operations.</summary>
    public const string Kinesis = "Kinesis_20131202.";

    /// <summary>The target prefix of Firehose operations.</summary>
    public const string Firehose = "Firehose_20150804.";

    /// <summary>
    /// A POST of <paramref name="json"/> to <paramref name="uri"/> (default "/", for a client with a base address).
    /// A bare <paramref name="operation"/> is Kinesis'; one with a service prefix ("Firehose_20150804.PutRecordBatch")
    /// names its service. With <paramref name="version"/>, the request is sent over exactly that HTTP version.
    /// </summary>
    public static HttpRequestMessage Create(string operation, string json, Uri? uri = null, Version? version = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri ?? new Uri("/", UriKind.Relative))
        {
            Content = new StringContent(json, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", operation.Contains('.') ? operation : Kinesis + operation);
        if (version is not null)
        {
            request.Version = version;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        return request;
    }
}
