using ActorStreams.Settings;
using Akka.Actor;
using Akka.Configuration;

namespace ActorStreams.Firehose.Settings;

/// <summary>How delivery streams accept, keep and deliver records (<c>actorstreams.firehose</c>).</summary>
public sealed record FirehoseSettings
{
    /// <summary>Creates validated settings.</summary>
    public FirehoseSettings(string dataDirectory, long maxBacklogBytes, int maxEventRecords, long maxEventBytes, int buffersInFlight,
        TimeSpan retryBaseDelay, TimeSpan retryMaxDelay, TimeSpan httpRequestTimeout, int snapshotEveryEvents, int maxDeliveryStreams,
        int transformationAttempts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBacklogBytes, 1024 * 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventRecords, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(buffersInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retryBaseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryMaxDelay, retryBaseDelay);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(httpRequestTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(snapshotEveryEvents, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDeliveryStreams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(transformationAttempts, 1);
        DataDirectory = dataDirectory;
        MaxBacklogBytes = maxBacklogBytes;
        MaxEventRecords = maxEventRecords;
        MaxEventBytes = maxEventBytes;
        BuffersInFlight = buffersInFlight;
        RetryBaseDelay = retryBaseDelay;
        RetryMaxDelay = retryMaxDelay;
        HttpRequestTimeout = httpRequestTimeout;
        SnapshotEveryEvents = snapshotEveryEvents;
        MaxDeliveryStreams = maxDeliveryStreams;
        TransformationAttempts = transformationAttempts;
    }

    /// <summary>The data directory; the directory object store lives in its <c>objects</c> folder.</summary>
    public string DataDirectory { get; init; }
    /// <summary>Most bytes of accepted, undelivered records one delivery stream keeps; puts beyond it get ServiceUnavailableException.</summary>
    public long MaxBacklogBytes { get; init; }
    /// <summary>Most records one group-committed journal event holds.</summary>
    public int MaxEventRecords { get; init; }
    /// <summary>Most bytes one group-committed journal event holds.</summary>
    public long MaxEventBytes { get; init; }
    /// <summary>Closed buffers handed to the delivery graph at once (transforming, compressing and delivering overlap).</summary>
    public int BuffersInFlight { get; init; }
    /// <summary>First back-off of a failed delivery; it doubles per attempt.</summary>
    public TimeSpan RetryBaseDelay { get; init; }
    /// <summary>Cap of the back-off.</summary>
    public TimeSpan RetryMaxDelay { get; init; }
    /// <summary>Timeout of one HTTP endpoint request.</summary>
    public TimeSpan HttpRequestTimeout { get; init; }
    /// <summary>Snapshot (and trim the journal) after this many events.</summary>
    public int SnapshotEveryEvents { get; init; }
    /// <summary>Most delivery streams per node's account.</summary>
    public int MaxDeliveryStreams { get; init; }
    /// <summary>Attempts of a failing transformation before its records go to <c>processing-failed</c>.</summary>
    public int TransformationAttempts { get; init; }

    /// <summary>
    /// Most partitions of one dynamically partitioned delivery stream that buffer at once (Firehose's active partition
    /// quota, 500 by default); records of further partitions go to the <c>partitioning-failed</c> error output.
    /// </summary>
    public int MaxActivePartitions
    {
        get => _maxActivePartitions;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxActivePartitions = value;
        }
    }

    private readonly int _maxActivePartitions = FirehoseLimits.DefaultMaxActivePartitions;

    /// <summary>
    /// Networks (CIDRs such as <c>10.1.0.0/16</c>, or single addresses) that HTTP endpoint, Splunk, OpenSearch and HTTP
    /// transformation URLs may reach although they are loopback, link-local or private; by default none may
    /// (<c>destination-policy.allowed-cidrs</c>).
    /// </summary>
    public IReadOnlyList<string> AllowedDestinationNetworks
    {
        get => _allowedDestinationNetworks;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            foreach (var network in value) Internal.DestinationAddressPolicy.ParseNetwork(network);
            _allowedDestinationNetworks = value;
        }
    }

    private readonly IReadOnlyList<string> _allowedDestinationNetworks = [];

    /// <summary>Host names destinations may reach whatever they resolve to (<c>destination-policy.allowed-hosts</c>).</summary>
    public IReadOnlyList<string> AllowedDestinationHosts { get; init; } = [];

    /// <summary>
    /// The local schema registry (Glue's part): <c>DATABASE.TABLE</c> to its columns, from <c>actorstreams.firehose.schemas</c>
    /// (<c>DATABASE { TABLE = [{ name = ..., type = ... }] }</c>) and the JSON file <c>schema-file</c>
    /// (<c>{"DATABASE": {"TABLE": [{"name": ..., "type": ...}]}}</c>). Format conversion over the wire names a table here.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ParquetColumn>> Schemas { get; init; } =
        new Dictionary<string, IReadOnlyList<ParquetColumn>>(StringComparer.Ordinal);

    /// <summary>How long a new delivery stream is CREATING before it is ACTIVE (<c>state-delays.create-delivery-stream</c>, default 0).</summary>
    public TimeSpan CreateDeliveryStreamDelay
    {
        get => _createDelay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _createDelay = value;
        }
    }

    private readonly TimeSpan _createDelay;

    /// <summary>How long a deleted delivery stream is DELETING before it is gone (<c>state-delays.delete-delivery-stream</c>, default 0).</summary>
    public TimeSpan DeleteDeliveryStreamDelay
    {
        get => _deleteDelay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _deleteDelay = value;
        }
    }

    private readonly TimeSpan _deleteDelay;

    /// <summary>An S3-compatible endpoint (AWSSDK.S3) for every object store destination; empty for the directory store.</summary>
    public string S3Endpoint { get; init; } = "";
    /// <summary>The region the S3 endpoint signs with.</summary>
    public string S3Region { get; init; } = "us-east-1";
    /// <summary>The S3 endpoint's access key id.</summary>
    public string S3AccessKeyId { get; init; } = "";
    /// <summary>The S3 endpoint's secret access key.</summary>
    public string S3SecretAccessKey { get; init; } = "";
    /// <summary>Path-style addressing (<c>endpoint/bucket/key</c>), as most S3-compatible servers want.</summary>
    public bool S3ForcePathStyle { get; init; } = true;

    /// <summary>The root of the directory object store.</summary>
    public string ObjectStoreRoot => Path.GetFullPath(Path.Combine(DataDirectory, "objects"));

    /// <summary>Reads <c>actorstreams.firehose</c> (and <c>actorstreams.data-dir</c>) of the system's configuration.</summary>
    public static FirehoseSettings Create(ActorSystem system) => Create(system.Settings.Config.GetConfig("actorstreams"));

    /// <summary>Reads an <c>actorstreams</c> section, falling back to the embedded defaults (Firehose's and the core's).</summary>
    public static FirehoseSettings Create(Config section)
    {
        var c = (section ?? Config.Empty)
            .WithFallback(FirehoseConfig.Default.GetConfig("actorstreams"))
            .WithFallback(ActorStreamsConfig.Default.GetConfig("actorstreams"));
        var f = c.GetConfig("firehose");
        return new FirehoseSettings(
            c.GetString("data-dir"),
            f.Bytes("max-backlog-bytes"),
            f.GetInt("max-event-records"),
            f.Bytes("max-event-bytes"),
            f.GetInt("buffers-in-flight"),
            f.GetTimeSpan("retry-base-delay"),
            f.GetTimeSpan("retry-max-delay"),
            f.GetTimeSpan("http-request-timeout"),
            f.GetInt("snapshot-every-events"),
            f.GetInt("max-delivery-streams"),
            f.GetInt("transformation-attempts"))
        {
            S3Endpoint = f.Text("s3.endpoint"),
            S3Region = f.Text("s3.region"),
            S3AccessKeyId = f.Text("s3.access-key-id"),
            S3SecretAccessKey = f.Text("s3.secret-access-key"),
            S3ForcePathStyle = f.Switch("s3.force-path-style"),
            MaxActivePartitions = f.Int("max-active-partitions"),
            Schemas = ReadSchemas(f),
            CreateDeliveryStreamDelay = f.GetTimeSpan("state-delays.create-delivery-stream"),
            DeleteDeliveryStreamDelay = f.GetTimeSpan("state-delays.delete-delivery-stream"),
            AllowedDestinationNetworks = f.GetStringList("destination-policy.allowed-cidrs").ToList(),
            AllowedDestinationHosts = f.GetStringList("destination-policy.allowed-hosts").ToList(),
        };
    }

    private static Dictionary<string, IReadOnlyList<ParquetColumn>> ReadSchemas(Config firehose)
    {
        var schemas = new Dictionary<string, IReadOnlyList<ParquetColumn>>(StringComparer.Ordinal);
        var section = firehose.GetConfig("schemas");
        if (section is not null && !section.IsEmpty)
        {
            foreach (var (database, tables) in section.Root.GetObject().Items)
            {
                foreach (var (table, columns) in tables.GetObject().Items)
                {
                    schemas[database + "." + table] = columns.GetArray().Select(c =>
                    {
                        var column = c.GetObject();
                        var name = column.GetKey("name")?.GetString();
                        var type = column.GetKey("type")?.GetString();
                        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(type))
                            throw new ConfigurationException($"actorstreams.firehose.schemas.{database}.{table}: every column needs a name and a type.");
                        return new ParquetColumn(name, type);
                    }).ToList();
                }
            }
        }
        var file = firehose.GetString("schema-file", "");
        if (!string.IsNullOrEmpty(file))
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(file));
                foreach (var database in doc.RootElement.EnumerateObject())
                {
                    foreach (var table in database.Value.EnumerateObject())
                    {
                        schemas[database.Name + "." + table.Name] = table.Value.EnumerateArray()
                            .Select(c => new ParquetColumn(c.GetProperty("name").GetString() ?? "", c.GetProperty("type").GetString() ?? ""))
                            .ToList();
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
            {
                throw new ConfigurationException(
                    $"actorstreams.firehose.schema-file '{file}' cannot be read as {{\"DATABASE\": {{\"TABLE\": [{{\"name\": ..., \"type\": ...}}]}}}}: {e.Message}");
            }
        }
        return schemas;
    }
}
