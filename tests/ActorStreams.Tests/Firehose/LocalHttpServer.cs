using System.Net;
using ActorStreams.TestSupport;

namespace ActorStreams.Tests.Firehose;

/// <summary>An HTTP server on a free loopback port whose every request goes to a handler; it can be stopped (down) and started again.</summary>
public sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly Func<HttpListenerContext, Task> _handler;
    private HttpListener? _listener;
    private Task? _loop;

    public LocalHttpServer(Func<HttpListenerContext, Task> handler)
    {
        _handler = handler;
        Port = LoopbackPort.Free();
        Start();
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public void Start()
    {
        if (_listener is not null) return;
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        _listener = listener;
        _loop = Task.Run(async () =>
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
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await _handler(context);
                    }
                    catch (Exception)
                    {
                        try { context.Response.StatusCode = 500; } catch (InvalidOperationException) { }
                    }
                    finally
                    {
                        try { context.Response.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
                    }
                });
            }
        });
    }

    public async Task StopAsync()
    {
        var listener = _listener;
        _listener = null;
        if (listener is null) return;
        listener.Stop();
        listener.Close();
        if (_loop is not null) await _loop;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    public static async Task<string> BodyAsync(HttpListenerRequest request)
    {
        using var reader = new StreamReader(request.InputStream, System.Text.Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    public static async Task AnswerAsync(HttpListenerResponse response, int status, string json)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        await response.OutputStream.WriteAsync(bytes);
    }
}
