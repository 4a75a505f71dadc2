using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Cluster.Tests;

/// <summary>The Kinesis (and Firehose) JSON protocol over plain HTTP, to any node of the cluster.</summary>
public sealed class KinesisHttp : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(Uri node, string operation, object body, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, node)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        // A bare operation is Kinesis'; "Firehose_20150804.PutRecordBatch" names its service.
        request.Headers.TryAddWithoutValidation("X-Amz-Target", operation.Contains('.') ? operation : "Kinesis_20131202." + operation);
        using var response = await _http.SendAsync(request, cts.Token);
        var text = await response.Content.ReadAsStringAsync(cts.Token);
        var json = string.IsNullOrEmpty(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, json);
    }

    /// <summary>Calls and expects HTTP 200; anything else throws with the error body.</summary>
    public async Task<JsonElement> OkAsync(Uri node, string operation, object body, CancellationToken cancellationToken)
    {
        var (status, json) = await CallAsync(node, operation, body, TimeSpan.FromSeconds(60), cancellationToken);
        if (status != HttpStatusCode.OK) throw new InvalidOperationException($"{operation} on {node}: HTTP {(int)status} {json}");
        return json;
    }

    public void Dispose() => _http.Dispose();
}
