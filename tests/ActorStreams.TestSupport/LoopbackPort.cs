using System.Net;
using System.Net.Sockets;

namespace ActorStreams.TestSupport;

/// <summary>Loopback ports that were free a moment ago, for a server a test starts on a port it must know in advance.</summary>
public static class LoopbackPort
{
    /// <summary>A port nothing listened on when asked.</summary>
    public static int Free() => Free(1)[0];

    /// <summary><paramref name="count"/> distinct ports nothing listened on when asked (all held at once, so no repeats).</summary>
    public static int[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }
}
