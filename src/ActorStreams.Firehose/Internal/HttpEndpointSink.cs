using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// The Firehose HTTP endpoint delivery contract: <c>POST</c> of <c>{"requestId","timestamp","records":[{"data"}]}</c>
/// with <c>X-Amz-Firehose-Protocol-Version</c>, <c>-Request-Id</c> (the buffer id, the same on every retry),
/// <c>-Source-Arn</c>, <c>-Access-Key</c> and <c>-Common-Attributes</c>; success is HTTP 200 whose JSON body carries the
/// same requestId. 413 is permanent; everything else is retried by the graph.
/// </summary>
internal sealed class HttpEndpointSink(HttpEndpointDestination destination, HttpClient http, IObjectStore store) : DestinationSink
{
    public const string ProtocolVersionHeader = "X-Amz-Firehose-Protocol-Version";
    public const string RequestIdHeader = "X-Amz-Firehose-Request-Id";
    public const string SourceArnHeader = "X-Amz-Firehose-Source-Arn";
    public const string AccessKeyHeader = "X-Amz-Firehose-Access-Key";
    public const string CommonAttributesHeader = "X-Amz-Firehose-Common-Attributes";

    public HttpEndpointDestination Destination { get; } = destination;

    public override string FailureOutputType => ObjectNaming.HttpEndpointFailed;

    public override TimeSpan? RetryDuration => TimeSpan.FromSeconds(Destination.RetryDurationInSeconds);

    public override PreparedDelivery? Prepare(DeliveryBuffer buffer, List<BufferedRecord> records, List<FailedRecord> failed)
    {
        if (records.Count == 0) return null;
        var requestId = buffer.BufferId.ToString("D");
        using var body = new MemoryStream();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteString("requestId", requestId);
            w.WriteNumber("timestamp", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            w.WriteStartArray("records");
            foreach (var r in records)
            {
                w.WriteStartObject();
                w.WriteBase64String("data", r.Data);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        var bytes = body.ToArray();
        if (Destination.GzipContentEncoding)
        {
            using var gz = new MemoryStream(bytes.Length / 4 + 64);
            using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
            bytes = gz.ToArray();
        }
        return new PreparedRequest(records.Count, requestId, bytes);
    }

    public override async Task DeliverAsync(DeliveryBuffer buffer, PreparedDelivery prepared, CancellationToken cancellationToken)
    {
        var request = (PreparedRequest)prepared;
        using var message = new HttpRequestMessage(HttpMethod.Post, Destination.Url) { Content = new ByteArrayContent(request.Body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (Destination.GzipContentEncoding) message.Content.Headers.ContentEncoding.Add("gzip");
        message.Headers.TryAddWithoutValidation(ProtocolVersionHeader, "1.0");
        message.Headers.TryAddWithoutValidation(RequestIdHeader, request.RequestId);
        message.Headers.TryAddWithoutValidation(SourceArnHeader, buffer.Plan.StreamArn);
        if (!string.IsNullOrEmpty(Destination.AccessKey)) message.Headers.TryAddWithoutValidation(AccessKeyHeader, Destination.AccessKey);
        if (Destination.CommonAttributes.Count > 0)
            message.Headers.TryAddWithoutValidation(CommonAttributesHeader,
                JsonSerializer.Serialize(new Dictionary<string, object> { ["commonAttributes"] = Destination.CommonAttributes }));
        message.Headers.UserAgent.ParseAdd("ActorStreams-Firehose/1.0");

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryException("HttpEndpoint.ConnectionFailed", $"Could not reach {Destination.Url}: {e.Message}", inner: e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryException("HttpEndpoint.Timeout", $"{Destination.Url} did not answer within {http.Timeout.TotalSeconds:0.#} s.", inner: e);
        }
        using (response)
        {
            // The body is read for the requestId only: what a destination answers never reaches the statistics or the
            // error output (a URL may name a server the caller cannot read otherwise).
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge)
                throw new DeliveryException("HttpEndpoint.PayloadTooLarge", $"{Destination.Url} answered 413: the request is too large.", permanent: true);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new DeliveryException($"HttpEndpoint.ErrorResponse{(int)response.StatusCode}",
                    $"{Destination.Url} answered {DeliveryException.Status(response.StatusCode)}.");
            string? echoed;
            try
            {
                using var doc = JsonDocument.Parse(text);
                echoed = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("requestId", out var id)
                    && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            }
            catch (JsonException)
            {
                throw new DeliveryException("HttpEndpoint.InvalidResponseFromDestination", $"{Destination.Url} answered 200 without a JSON body.");
            }
            if (echoed != request.RequestId)
                throw new DeliveryException("HttpEndpoint.InvalidResponseFromDestination",
                    $"{Destination.Url} answered {(echoed is null ? "no requestId" : "another requestId")} to request {request.RequestId}.");
        }
    }

    public override async Task AfterDeliveryAsync(DeliveryBuffer buffer, CancellationToken cancellationToken)
    {
        if (!Destination.BackupAllData) return;
        var backup = Destination.S3Configuration;
        var obj = ObjectStoreSink.PrepareObject(backup, buffer, buffer.Records);
        await store.PutAsync(DirectoryObjectStore.BucketOfArn(backup.BucketArn, "S3Configuration.BucketARN"), obj.Key, obj.Bytes, cancellationToken)
            .ConfigureAwait(false);
    }

    private sealed record PreparedRequest(int RecordCount, string RequestId, byte[] Body) : PreparedDelivery(RecordCount);
}
