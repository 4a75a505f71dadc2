using System.Net;
using System.Text.Json;
using ActorStreams.TestSupport;

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
        using var request = AwsJsonRequest.Create(operation, JsonSerializer.Serialize(body), node);
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
