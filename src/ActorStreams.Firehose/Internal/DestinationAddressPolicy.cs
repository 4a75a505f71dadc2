using System.Net;
using System.Net.Sockets;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Which addresses a delivery stream may send records to (HTTP endpoint, Splunk, OpenSearch, HTTP transformation):
/// not loopback, link-local (the cloud metadata address 169.254.169.254), private, shared, multicast or unspecified
/// ones, unless <c>actorstreams.firehose.destination-policy</c> allows their network or the URL's host name. A caller
/// who can create a delivery stream must not be able to make this node talk to its own neighbourhood. Checked on the
/// URL when a destination is created or updated, and on the resolved address of every connection (a name can resolve
/// elsewhere later).
/// </summary>
internal sealed class DestinationAddressPolicy
{
    // Networks no destination reaches by default: RFC 1122 "this network", RFC 1918 private, RFC 6598 shared (CGNAT),
    // loopback, link-local, multicast and reserved (IPv4); loopback, unspecified, unique-local and link-local (IPv6).
    private static readonly (IPNetwork Network, string Kind)[] Refused =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "an unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private"),
        (IPNetwork.Parse("100.64.0.0/10"), "a shared (carrier-grade NAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private"),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "a reserved"),
        (IPNetwork.Parse("::/128"), "an unspecified"),
        (IPNetwork.Parse("::1/128"), "a loopback"),
        (IPNetwork.Parse("fc00::/7"), "a private (unique local)"),
        (IPNetwork.Parse("fe80::/10"), "a link-local"),
        (IPNetwork.Parse("ff00::/8"), "a multicast"),
    ];

    private readonly IPNetwork[] _allowedNetworks;
    private readonly HashSet<string> _allowedHosts;

    public DestinationAddressPolicy(IEnumerable<string> allowedNetworks, IEnumerable<string> allowedHosts)
    {
        _allowedNetworks = allowedNetworks.Select(ParseNetwork).ToArray();
        _allowedHosts = new HashSet<string>(allowedHosts.Select(h => h.Trim().TrimEnd('.')), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Parses one <c>allowed-cidrs</c> entry: <c>10.0.0.0/8</c>, or a single address.</summary>
    public static IPNetwork ParseNetwork(string text)
    {
        var trimmed = text.Trim();
        if (IPNetwork.TryParse(trimmed, out var network)) return network;
        if (IPAddress.TryParse(trimmed, out var address))
            return new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        throw new ArgumentException($"'{text}' is not a CIDR (such as 10.0.0.0/8 or fd00::/8) or an IP address.", nameof(text));
    }

    /// <summary>Whether <paramref name="host"/> (a URL's host name) is allowed whatever it resolves to.</summary>
    public bool IsHostAllowed(string host) => _allowedHosts.Contains(host.TrimEnd('.'));

    /// <summary>Null when records may go to <paramref name="address"/>; else what kind of address it is ("a loopback").</summary>
    public string? RefusedKind(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.Equals(IPAddress.Broadcast)) return IsAllowed(address) ? null : "a broadcast";
        foreach (var (network, kind) in Refused)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
                return IsAllowed(address) ? null : kind;
        }
        return null;
    }

    private bool IsAllowed(IPAddress address)
    {
        foreach (var network in _allowedNetworks)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address)) return true;
        }
        return false;
    }

    /// <summary>
    /// Checks a destination URL when it is configured: the host as written if it is an address, else every address
    /// the name resolves to now. A name that does not resolve yet is accepted (AWS accepts it too); every connection
    /// is checked again. <paramref name="member"/> names the URL in the <see cref="InvalidArgumentException"/>.
    /// </summary>
    public async Task CheckUrlAsync(string url, string member, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return; // FirehoseValidation refuses it with its own message
        var host = uri.IdnHost;
        if (IsHostAllowed(host)) return;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                return;
            }
        }
        foreach (var address in addresses)
        {
            if (RefusedKind(address) is { } kind)
                throw new InvalidArgumentException(Refusal(member, url, address, kind));
        }
    }

    /// <summary>The addresses a connection to <paramref name="host"/> may use, in resolution order; refuses when none may.</summary>
    public async Task<IPAddress[]> ResolveAllowedAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (IsHostAllowed(host)) return addresses;
        var allowed = addresses.Where(a => RefusedKind(a) is null).ToArray();
        if (allowed.Length == 0)
        {
            var first = addresses.FirstOrDefault();
            throw new HttpRequestException(first is null
                ? $"{host} resolves to no address."
                : $"{host} resolves to {first}, {RefusedKind(first)} address, which the destination address policy refuses (actorstreams.firehose.destination-policy).");
        }
        return allowed;
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to allowed addresses, so a name that
    /// resolves to a refused address after it was configured (DNS rebinding) is not reached either.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAllowedAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string Refusal(string member, string url, IPAddress address, string kind) =>
        $"{member} '{url}' reaches {address}, {kind} address. Delivery streams may not send records to loopback, link-local or private "
        + "addresses unless the server allows it: actorstreams.firehose.destination-policy.allowed-cidrs (networks) or allowed-hosts (host names).";
}
