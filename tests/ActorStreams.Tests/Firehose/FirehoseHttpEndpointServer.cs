using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using ActorStreams.TestSupport;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// A local HTTP endpoint that checks the Firehose HTTP endpoint delivery contract strictly (method, headers, gzip,
/// body shape, request id in header and body) and answers as a real endpoint would, with faults on demand: down
/// (listener stopped), answering errors, slow, answering 413, echoing a wrong request id. Every violation is kept.
/// </summary>
public sealed class FirehoseHttpEndpointServer : IAsyncDisposable
{
    private readonly string _expectedAccessKey;
    private readonly string _expectedSourceArn;
    private readonly bool _expectGzip;
    private readonly IReadOnlyDictionary<string, string> _expectedAttributes;
    private HttpListener? _listener;
    private Task? _loop;

    public FirehoseHttpEndpointServer(string expectedAccessKey, string expectedSourceArn, bool expectGzip, IReadOnlyDictionary<string, string> expectedAttributes)
    {
        _expectedAccessKey = expectedAccessKey;
        _expectedSourceArn = expectedSourceArn;
        _expectGzip = expectGzip;
        _expectedAttributes = expectedAttributes;
        Port = LoopbackPort.Free();
        Start();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/firehose/";

    /// <summary>Answer this many requests with HTTP 500 before answering normally.</summary>
    public int FailNext;

    /// <summary>Answer this many requests only after this long (longer than the client's timeout).</summary>
    public int SlowNext;

    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Answer every request with 413.</summary>
    public volatile bool TooLarge;

    /// <summary>Answer this many requests with 200 but a different requestId.</summary>
    public int WrongIdNext;

    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>Every request that was answered 200 correctly: request id -> its records' data.</summary>
    public ConcurrentDictionary<string, List<string>> Acknowledged { get; } = new();

    /// <summary>Every request id seen, in arrival order, with what was answered.</summary>
    public ConcurrentQueue<(string RequestId, int Status)> Attempts { get; } = new();

    public IEnumerable<string> DeliveredRecords => Acknowledged.Values.SelectMany(r => r);

    public void Start()
    {
        if (_listener is not null) return;
        _listener = new HttpListener();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        var listener = _listener;
        _loop = Task.Run(() => LoopAsync(listener));
    }

    /// <summary>Down: the port refuses connections until <see cref="Start"/>.</summary>
    public async Task StopAsync()
    {
        var listener = _listener;
        _listener = null;
        if (listener is null) return;
        listener.Stop();
        listener.Close();
        if (_loop is not null) await _loop;
    }

    private async Task LoopAsync(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private void Violation(string text) => Violations.Enqueue(text);

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            if (request.HttpMethod != "POST") Violation($"method {request.HttpMethod}");
            if (request.Url?.AbsolutePath != "/firehose/") Violation($"path {request.Url?.AbsolutePath}");
            if (request.Headers["X-Amz-Firehose-Protocol-Version"] != "1.0") Violation("X-Amz-Firehose-Protocol-Version is not 1.0");
            if (request.Headers["X-Amz-Firehose-Access-Key"] != _expectedAccessKey) Violation("wrong X-Amz-Firehose-Access-Key");
            if (request.Headers["X-Amz-Firehose-Source-Arn"] != _expectedSourceArn) Violation($"wrong X-Amz-Firehose-Source-Arn {request.Headers["X-Amz-Firehose-Source-Arn"]}");
            if (request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true) Violation($"content type {request.ContentType}");
            var gzip = request.Headers["Content-Encoding"] == "gzip";
            if (gzip != _expectGzip) Violation($"Content-Encoding {request.Headers["Content-Encoding"]}");
            var headerId = request.Headers["X-Amz-Firehose-Request-Id"];
            if (string.IsNullOrEmpty(headerId)) Violation("no X-Amz-Firehose-Request-Id");
            if (_expectedAttributes.Count > 0)
            {
                var attributes = request.Headers["X-Amz-Firehose-Common-Attributes"];
                var parsed = attributes is null ? null : JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(attributes);
                if (parsed is null || !parsed.TryGetValue("commonAttributes", out var values) || !values.OrderBy(kv => kv.Key).SequenceEqual(_expectedAttributes.OrderBy(kv => kv.Key)))
                    Violation($"X-Amz-Firehose-Common-Attributes {attributes}");
            }

            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            var bytes = body.ToArray();
            if (gzip)
            {
                using var unzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                await unzip.CopyToAsync(plain);
                bytes = plain.ToArray();
            }
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            var requestId = root.GetProperty("requestId").GetString()!;
            if (requestId != headerId) Violation($"body requestId {requestId} differs from header {headerId}");
            var timestamp = root.GetProperty("timestamp").GetInt64();
            if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - timestamp) > 600_000) Violation($"timestamp {timestamp} is not epoch milliseconds of now");
            var records = root.GetProperty("records").EnumerateArray().Select(r => Encoding.UTF8.GetString(r.GetProperty("data").GetBytesFromBase64())).ToList();
            if (records.Count == 0) Violation("a request without records");
            if (root.EnumerateObject().Any(p => p.Name is not ("requestId" or "timestamp" or "records"))) Violation("unknown body members");

            int status;
            string answerId = requestId;
            if (TooLarge) status = 413;
            else if (Interlocked.Decrement(ref FailNext) >= 0) status = 500;
            else if (Interlocked.Decrement(ref SlowNext) >= 0)
            {
                await Task.Delay(SlowDelay);
                status = 200;
            }
            else if (Interlocked.Decrement(ref WrongIdNext) >= 0)
            {
                status = 200;
                answerId = Guid.NewGuid().ToString();
            }
            else status = 200;
            Attempts.Enqueue((requestId, status));
            if (status == 200 && answerId == requestId) Acknowledged[requestId] = records;

            var answer = status == 200
                ? JsonSerializer.SerializeToUtf8Bytes(new { requestId = answerId, timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() })
                : JsonSerializer.SerializeToUtf8Bytes(new { requestId, timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), errorMessage = "injected" });
            try
            {
                response.StatusCode = status;
                response.ContentType = "application/json";
                await response.OutputStream.WriteAsync(answer);
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
            {
                // A slow answer the client stopped waiting for: it will retry.
            }
        }
        catch (Exception e)
        {
            Violation($"unreadable request: {e.Message}");
            try
            {
                response.StatusCode = 400;
                response.Close();
            }
            catch (Exception)
            {
                // the client went away
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
