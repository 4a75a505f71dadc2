using System.Net.Http.Headers;
using System.Text.Json;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// A transformation served over HTTP with the Lambda record contract: POST
/// <c>{"invocationId","deliveryStreamArn","region","records":[{"recordId","approximateArrivalTimestamp","data"}]}</c>,
/// answer 200 with <c>{"records":[{"recordId","result":"Ok|Dropped|ProcessingFailed","data","metadata":{"partitionKeys":{...}}}]}</c>
/// (<c>metadata.partitionKeys</c> only for dynamic partitioning). A processing
/// configuration names it by its http(s) URL instead of a Lambda ARN.
/// </summary>
internal static class HttpTransformation
{
    public static bool IsEndpoint(string? lambdaArn) =>
        lambdaArn is not null && (lambdaArn.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || lambdaArn.StartsWith("https://", StringComparison.OrdinalIgnoreCase));

    public static FirehoseTransformation Create(HttpClient http, string url, string deliveryStreamArn, string region) => async (records, cancellationToken) =>
    {
        using var body = new MemoryStream();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteString("invocationId", Guid.NewGuid().ToString("D"));
            w.WriteString("deliveryStreamArn", deliveryStreamArn);
            w.WriteString("region", region);
            w.WriteStartArray("records");
            foreach (var r in records)
            {
                w.WriteStartObject();
                w.WriteString("recordId", r.RecordId);
                w.WriteNumber("approximateArrivalTimestamp", r.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds());
                w.WriteBase64String("data", r.Data.Span);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        // Only the status of a failed answer is reported: its body stays out of the statistics and the error output.
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"The transformation endpoint {url} answered {DeliveryException.Status(response.StatusCode)}.");
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(text);
        var output = new List<TransformationOutputRecord>();
        foreach (var r in doc.RootElement.GetProperty("records").EnumerateArray())
        {
            var result = r.GetProperty("result").GetString() switch
            {
                "Ok" => TransformationResult.Ok,
                "Dropped" => TransformationResult.Dropped,
                "ProcessingFailed" => TransformationResult.ProcessingFailed,
                _ => throw new InvalidOperationException($"The transformation endpoint {url} answered a result other than Ok, Dropped or ProcessingFailed."),
            };
            var data = r.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String ? d.GetBytesFromBase64() : [];
            Dictionary<string, string>? partitionKeys = null;
            if (r.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("partitionKeys", out var keys) && keys.ValueKind == JsonValueKind.Object)
            {
                partitionKeys = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var key in keys.EnumerateObject())
                    partitionKeys[key.Name] = key.Value.ValueKind == JsonValueKind.String ? key.Value.GetString()! : key.Value.GetRawText();
            }
            output.Add(new TransformationOutputRecord(r.GetProperty("recordId").GetString() ?? "", result, data) { PartitionKeys = partitionKeys });
        }
        return output;
    };
}
