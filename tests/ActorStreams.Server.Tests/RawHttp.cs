using System.Net.Sockets;
using System.Text;

namespace ActorStreams.Server.Tests;

/// <summary>
/// One TCP connection to the server driven byte by byte, for what HttpClient will not do: send headers that promise a
/// body and then wait, send half a preface, or hold a connection open without a request.
/// </summary>
internal sealed class RawHttp : IAsyncDisposable
{
    /// <summary>How long a test waits for the server at most before it fails (a guard, not a measured time).</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawHttp(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawHttp> ConnectAsync(Uri server)
    {
        var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        return new RawHttp(client);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>The response's status line, headers and a body of its Content-Length; null when the server closed the connection first.</summary>
    public async Task<string?> ReadResponseAsync()
    {
        using var guard = new CancellationTokenSource(Guard);
        var received = new List<byte>();
        var buffer = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOf(received, "\r\n\r\n"u8)) < 0)
        {
            var n = await ReadAsync(buffer, guard.Token);
            if (n == 0) return null;
            received.AddRange(buffer.AsSpan(0, n));
        }
        var head = Encoding.ASCII.GetString(received.ToArray(), 0, headerEnd);
        var headers = head.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToLookup(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var length = headers["Content-Length"].Select(int.Parse).FirstOrDefault();
        var chunked = headers["Transfer-Encoding"].Any(v => v.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        // A chunked body (as the endpoint streams its answers) ends with the empty last chunk; the chunk sizes stay in the text.
        // Searched from the headers' own closing CRLF on, so that an empty chunked body is found too.
        while (chunked ? IndexOf(received, "\r\n0\r\n\r\n"u8, headerEnd + 2) < 0 : received.Count < headerEnd + 4 + length)
        {
            var n = await ReadAsync(buffer, guard.Token);
            if (n == 0) break;
            received.AddRange(buffer.AsSpan(0, n));
        }
        return Encoding.UTF8.GetString(received.ToArray());
    }

    /// <summary>True once the server closed the connection (end of stream or reset) without sending anything.</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        using var guard = new CancellationTokenSource(Guard);
        var buffer = new byte[1024];
        return await ReadAsync(buffer, guard.Token) == 0;
    }

    private async Task<int> ReadAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await _stream.ReadAsync(buffer, cancellationToken);
        }
        catch (IOException e) when (e.InnerException is SocketException)
        {
            return 0; // reset by the server
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The server neither answered nor closed the connection within {Guard}.");
        }
    }

    private static int IndexOf(List<byte> data, ReadOnlySpan<byte> pattern, int from = 0)
    {
        for (var i = from; i + pattern.Length <= data.Count; i++)
        {
            var match = true;
            for (var j = 0; j < pattern.Length && match; j++) match = data[i + j] == pattern[j];
            if (match) return i;
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
