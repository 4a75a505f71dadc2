using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace ActorStreams.Server;

/// <summary>
/// HTTP/1.1 and HTTP/2 cleartext (h2c with prior knowledge) on one port. Kestrel picks the protocol of a
/// connection from TLS ALPN only, so on a cleartext <see cref="HttpProtocols.Http1AndHttp2"/> endpoint it always
/// speaks HTTP/1.1. This connection middleware peeks at the first bytes: a connection that opens with the HTTP/2
/// preface (RFC 9113 section 3.4) is marked as if ALPN had chosen "h2", every other one is left to HTTP/1.1.
/// The peek is bounded: a connection that has not told the two apart within the preface timeout
/// (<see cref="ActorStreamsLimitsOptions.H2cPrefaceTimeout"/>) is closed, so idle or trickling sockets cannot pile up
/// before Kestrel's own timeouts start.
/// </summary>
internal static class H2cPriorKnowledge
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
    private static readonly byte[] H2 = "h2"u8.ToArray();

    public static ListenOptions UseH2cPriorKnowledge(this ListenOptions listen, TimeSpan prefaceTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(prefaceTimeout, TimeSpan.Zero);
        listen.Use(next => async connection =>
        {
            bool? preface;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
            {
                timeout.CancelAfter(prefaceTimeout);
                preface = await StartsWithPrefaceAsync(connection.Transport.Input, timeout.Token);
            }
            if (preface is null)
            {
                connection.Abort(new ConnectionAbortedException($"No request within the h2c preface timeout ({prefaceTimeout.TotalSeconds:0.###} s)."));
                return;
            }
            if (preface.Value)
            {
                var alpn = new NegotiatedH2();
                connection.Features.Set<ITlsApplicationProtocolFeature>(alpn);
                connection.Features.Set<ITlsConnectionFeature>(alpn);
            }
            await next(connection);
        });
        return listen;
    }

    /// <summary>True: the HTTP/2 preface; false: anything else; null: closed or timed out before either was clear.</summary>
    private static async Task<bool?> StartsWithPrefaceAsync(System.IO.Pipelines.PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            System.IO.Pipelines.ReadResult read;
            try
            {
                read = await input.ReadAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            var buffer = read.Buffer;
            var verdict = Classify(buffer);
            if (verdict is not null || read.IsCompleted || read.IsCanceled)
            {
                // Nothing consumed and nothing marked examined: Kestrel reads the same bytes again at once.
                input.AdvanceTo(buffer.Start);
                return verdict ?? false;
            }
            input.AdvanceTo(buffer.Start, buffer.End); // a partial preface so far: wait for more bytes
        }
    }

    /// <summary>True: the HTTP/2 preface; false: something else; null: a partial preface so far.</summary>
    private static bool? Classify(in ReadOnlySequence<byte> buffer)
    {
        var length = (int)Math.Min(buffer.Length, Preface.Length);
        Span<byte> head = stackalloc byte[Preface.Length];
        buffer.Slice(0, length).CopyTo(head);
        if (!head[..length].SequenceEqual(Preface.AsSpan(0, length))) return false;
        return length == Preface.Length ? true : null;
    }

    /// <summary>Makes Kestrel's protocol selection choose HTTP/2, as ALPN "h2" would; there is no TLS underneath.</summary>
    private sealed class NegotiatedH2 : ITlsApplicationProtocolFeature, ITlsConnectionFeature
    {
        public ReadOnlyMemory<byte> ApplicationProtocol => H2;

        public X509Certificate2? ClientCertificate { get; set; }

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
