using System.Collections.Concurrent;
using ActorStreams.Firehose.Diagnostics;
using ActorStreams.Firehose.Settings;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Settings;

namespace ActorStreams.Firehose.Internal;

/// <summary>What every delivery stream of one ActorSystem shares: settings, clock, object store, HTTP client, transformations.</summary>
internal sealed class FirehoseRuntime
{
    public FirehoseRuntime(FirehoseSettings settings, ActorStreamsSettings streams, TimeProvider clock, NodeMemoryBudget? budget = null, JournalHealth? journal = null)
    {
        Budget = budget ?? new NodeMemoryBudget(long.MaxValue);
        Settings = settings;
        Journal = journal;
        Region = streams.Region;
        AccountId = streams.AccountId;
        Clock = clock;
        Keys = new KeyProvider(streams.Encryption);
        ObjectStore = string.IsNullOrEmpty(settings.S3Endpoint) ? new DirectoryObjectStore(settings.ObjectStoreRoot) : new S3ObjectStore(settings);
        AddressPolicy = new DestinationAddressPolicy(settings.AllowedDestinationNetworks, settings.AllowedDestinationHosts);
        // Every connection goes through the address policy, and a redirect is an answer, not a new destination.
        Http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            ConnectCallback = AddressPolicy.ConnectAsync,
        })
        {
            Timeout = settings.HttpRequestTimeout,
        };
    }

    public FirehoseSettings Settings { get; }

    /// <summary>The node's memory budget (<c>actorstreams.memory-budget</c>): every delivery stream's backlog draws from it.</summary>
    public NodeMemoryBudget Budget { get; }

    public string Region { get; }

    public string AccountId { get; }

    public TimeProvider Clock { get; }

    /// <summary>The keys of <c>actorstreams.encryption</c>, the Kinesis shards' key provider: what sealed events open with.</summary>
    public KeyProvider Keys { get; }

    /// <summary>Whether the node's journal accepts writes: puts are refused at once while it does not.</summary>
    public JournalHealth? Journal { get; }

    /// <summary>The directory store, or an S3-compatible endpoint when <c>firehose.s3.endpoint</c> is set.</summary>
    public IObjectStore ObjectStore { get; }

    /// <summary>Which addresses destinations and HTTP transformations may reach.</summary>
    public DestinationAddressPolicy AddressPolicy { get; }

    /// <summary>Destinations' and HTTP transformations' client: no redirects, every connection checked by <see cref="AddressPolicy"/>.</summary>
    public HttpClient Http { get; }

    /// <summary>Refuses (InvalidArgumentException) a destination whose URLs reach an address the policy does not allow.</summary>
    public async Task CheckDestinationAddressesAsync(DeliveryDestination? destination, CancellationToken cancellationToken)
    {
        var (url, member, processing) = destination switch
        {
            HttpEndpointDestination h => (h.Url, "HttpEndpointDestinationConfiguration.EndpointConfiguration.Url", h.Processing),
            SplunkDestination sp => (sp.HecEndpoint, "SplunkDestinationConfiguration.HECEndpoint", sp.Processing),
            OpenSearchDestination { Serverless: true } oss => (oss.ClusterEndpoint, "AmazonOpenSearchServerlessDestinationConfiguration.CollectionEndpoint", oss.Processing),
            OpenSearchDestination os => (os.ClusterEndpoint, "AmazonopensearchserviceDestinationConfiguration.ClusterEndpoint", os.Processing),
            ObjectStoreDestination s3 => (null, null, s3.Processing),
            WarehouseDestination w => (null, null, w.Processing),
            _ => ((string?)null, (string?)null, (ProcessingConfiguration?)null),
        };
        if (url is not null) await AddressPolicy.CheckUrlAsync(url, member!, cancellationToken).ConfigureAwait(false);
        if (processing is { Enabled: true, LambdaArn: { } lambda } && HttpTransformation.IsEndpoint(lambda))
            await AddressPolicy.CheckUrlAsync(lambda, "ProcessingConfiguration.Processors.Lambda.LambdaArn", cancellationToken).ConfigureAwait(false);
    }

    public ConcurrentDictionary<string, FirehoseTransformation> Transformations { get; } = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, DeliveryStreamCounters> _counters = new(StringComparer.Ordinal);

    /// <summary>
    /// The statistics of a delivery stream that starts running here; its backlog gauges report from now on. Kept when
    /// the entity passivates, so its totals go on when it starts again on this node.
    /// </summary>
    public DeliveryStreamCounters HostCounters(string deliveryStreamName)
    {
        var counters = _counters.GetOrAdd(deliveryStreamName, name => new DeliveryStreamCounters(name, Clock));
        FirehoseMetrics.HostDeliveryStream(counters);
        return counters;
    }

    /// <summary>The delivery stream stopped running here; <paramref name="deleted"/> forgets its statistics too.</summary>
    public void ReleaseCounters(DeliveryStreamCounters counters, bool deleted)
    {
        FirehoseMetrics.ReleaseDeliveryStream(counters);
        if (deleted) _counters.TryRemove(KeyValuePair.Create(counters.DeliveryStreamName, counters));
    }

    /// <summary>The statistics of every delivery stream that ran on this node and was not deleted (read by the counters).</summary>
    public ICollection<DeliveryStreamCounters> AllCounters => _counters.Values;

    public long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    public string DeliveryStreamArn(string name) => $"arn:aws:firehose:{Region}:{AccountId}:deliverystream/{name}";

    /// <summary>The transformation a processing configuration names: by its full Lambda ARN, else by the function name at its end.</summary>
    public FirehoseTransformation? FindTransformation(string? lambdaArn)
    {
        if (string.IsNullOrEmpty(lambdaArn)) return null;
        if (Transformations.TryGetValue(lambdaArn, out var byArn)) return byArn;
        var name = FunctionName(lambdaArn);
        return Transformations.GetValueOrDefault(name);
    }

    /// <summary>The function name of <c>arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]</c>, or the text itself.</summary>
    public static string FunctionName(string lambdaArn)
    {
        const string marker = ":function:";
        var at = lambdaArn.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return lambdaArn;
        var rest = lambdaArn[(at + marker.Length)..];
        var colon = rest.IndexOf(':');
        return colon < 0 ? rest : rest[..colon];
    }
}
