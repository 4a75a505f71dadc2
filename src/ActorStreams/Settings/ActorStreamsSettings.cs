using ActorStreams.Kinesis;
using Akka.Actor;
using Akka.Configuration;

namespace ActorStreams.Settings;

/// <summary>
/// Everything the runtime reads from the <c>actorstreams</c> HOCON section. Immutable; change a copy with
/// <c>with { ... }</c> before the extension starts, or through HOCON.
/// </summary>
public sealed record ActorStreamsSettings
{
    /// <summary>Creates validated settings.</summary>
    public ActorStreamsSettings(string region, string accountId, string queryJournalPlugin, int numberOfShards, string shardingRole,
        bool selfJoin, StreamShardSettings streamShard, ThrottlingSettings throttling, int maxShards,
        long maxPutRecordsRequestBytes, TimeSpan askTimeout, string iteratorSecret, int sinkMaxBatchRecords,
        long sinkMaxBatchBytes, int sinkParallelism, int sourceReadBatchRecords)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        ArgumentException.ThrowIfNullOrWhiteSpace(queryJournalPlugin);
        ArgumentOutOfRangeException.ThrowIfLessThan(numberOfShards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxShards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPutRecordsRequestBytes, KinesisLimits.DefaultMaxRecordSizeBytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(askTimeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(iteratorSecret);
        ArgumentOutOfRangeException.ThrowIfLessThan(sinkMaxBatchRecords, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sinkMaxBatchBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sinkParallelism, 1);
        if (sourceReadBatchRecords is < 1 or > KinesisLimits.MaxGetRecordsLimit)
            throw new ArgumentOutOfRangeException(nameof(sourceReadBatchRecords), sourceReadBatchRecords, $"must be 1 to {KinesisLimits.MaxGetRecordsLimit}");
        Region = region;
        AccountId = accountId;
        QueryJournalPlugin = queryJournalPlugin;
        NumberOfShards = numberOfShards;
        ShardingRole = shardingRole;
        SelfJoin = selfJoin;
        StreamShard = streamShard;
        Throttling = throttling;
        MaxShards = maxShards;
        MaxPutRecordsRequestBytes = maxPutRecordsRequestBytes;
        AskTimeout = askTimeout;
        IteratorSecret = iteratorSecret;
        SinkMaxBatchRecords = sinkMaxBatchRecords;
        SinkMaxBatchBytes = sinkMaxBatchBytes;
        SinkParallelism = sinkParallelism;
        SourceReadBatchRecords = sourceReadBatchRecords;
    }

    /// <summary>AWS region written into ARNs.</summary>
    public string Region { get; init; }
    /// <summary>Account id written into ARNs.</summary>
    public string AccountId { get; init; }
    /// <summary>Plugin id of the read journal used for reads behind the in-memory tail.</summary>
    public string QueryJournalPlugin { get; init; }
    /// <summary>Akka.Cluster.Sharding shards per region.</summary>
    public int NumberOfShards { get; init; }
    /// <summary>Cluster role that hosts the entities; empty for every node.</summary>
    public string ShardingRole { get; init; }
    /// <summary>Join the node to itself when no seed nodes are configured.</summary>
    public bool SelfJoin { get; init; }
    /// <summary>
    /// Restart the StreamShard and catalog entities of a shard as soon as it moves to another node (rebalance, node
    /// loss), rather than on the next request (<c>actorstreams.sharding.remember-entities</c>, default on).
    /// </summary>
    public bool RememberEntities { get; init; } = true;

    /// <summary>
    /// How long the client waits for the answer to an append, a read or a catalog lookup before it sends it again
    /// (<c>actorstreams.resend-after</c>, default 3 s); the whole wait is still bounded by <see cref="AskTimeout"/>.
    /// </summary>
    public TimeSpan ResendAfter
    {
        get => _resendAfter;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _resendAfter = value;
        }
    }

    private readonly TimeSpan _resendAfter = TimeSpan.FromSeconds(3);
    /// <summary>StreamShard entity settings.</summary>
    public StreamShardSettings StreamShard { get; init; }
    /// <summary>Per-shard throughput limits.</summary>
    public ThrottlingSettings Throttling { get; init; }
    /// <summary>Account-wide open shard limit.</summary>
    public int MaxShards { get; init; }
    /// <summary>PutRecords request cap in bytes.</summary>
    public long MaxPutRecordsRequestBytes { get; init; }
    /// <summary>Timeout of every request to an actor.</summary>
    public TimeSpan AskTimeout { get; init; }
    /// <summary>Key that signs shard iterators; empty (the default) uses the deployment's secret, generated once and kept in the journal.</summary>
    public string IteratorSecret { get; init; }
    /// <summary>Most records a sink sends to one shard in one request.</summary>
    public int SinkMaxBatchRecords { get; init; }
    /// <summary>Most bytes a sink sends to one shard in one request.</summary>
    public long SinkMaxBatchBytes { get; init; }
    /// <summary>Batches a sink keeps in flight (each Kinesis shard still sees one at a time, in order).</summary>
    public int SinkParallelism { get; init; }
    /// <summary>Records a source asks for per read.</summary>
    public int SourceReadBatchRecords { get; init; }
    /// <summary>UpdateShardCount calls allowed per stream in any rolling 24 hours (Kinesis: 10).</summary>
    public int MaxUpdateShardCountPerDay
    {
        get => _maxUpdateShardCountPerDay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxUpdateShardCountPerDay = value;
        }
    }

    private readonly int _maxUpdateShardCountPerDay = 10;

    /// <summary>Enhanced fan-out subscriptions (SubscribeToShard).</summary>
    public EnhancedFanOutSettings EnhancedFanOut { get; init; } =
        EnhancedFanOutSettings.Create(ActorStreamsConfig.Default.GetConfig("actorstreams.enhanced-fan-out"));

    /// <summary>UpdateStreamMode calls allowed per stream in any rolling 24 hours (Kinesis: 2).</summary>
    public int MaxStreamModeChangesPerDay
    {
        get => _maxStreamModeChangesPerDay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxStreamModeChangesPerDay = value;
        }
    }

    private readonly int _maxStreamModeChangesPerDay = 2;

    /// <summary>How ON_DEMAND streams split and merge their shards by themselves.</summary>
    public OnDemandSettings OnDemand { get; init; } = OnDemandSettings.Create(ActorStreamsConfig.Default.GetConfig("actorstreams.on-demand"));

    /// <summary>Encryption at rest: the local key provider's keys.</summary>
    public EncryptionSettings Encryption { get; init; } = EncryptionSettings.Create(ActorStreamsConfig.Default.GetConfig("actorstreams.encryption"));

    /// <summary>How long streams and consumers stay CREATING, UPDATING and DELETING (default: not at all).</summary>
    public StateDelaySettings StateDelays { get; init; } = StateDelaySettings.Create(ActorStreamsConfig.Default.GetConfig("actorstreams.state-delays"));

    /// <summary>The ARN of a stream.</summary>
    public string StreamArn(string streamName) => $"arn:aws:kinesis:{Region}:{AccountId}:stream/{streamName}";

    /// <summary>Reads the <c>actorstreams</c> section of the system's configuration.</summary>
    public static ActorStreamsSettings Create(ActorSystem system) => Create(system.Settings.Config.GetConfig("actorstreams"));

    /// <summary>Reads an <c>actorstreams</c> section, falling back to the embedded defaults.</summary>
    public static ActorStreamsSettings Create(Config section)
    {
        var c = (section ?? Config.Empty).WithFallback(ActorStreamsConfig.Default.GetConfig("actorstreams"));
        return new ActorStreamsSettings(
            c.GetString("region"),
            c.GetString("account-id"),
            c.GetString("journal.query-plugin"),
            c.GetInt("sharding.number-of-shards"),
            c.Text("sharding.role"),
            c.GetBoolean("cluster.self-join"),
            StreamShardSettings.Create(c.GetConfig("stream-shard")),
            ThrottlingSettings.Create(c.GetConfig("throttling")),
            c.GetInt("limits.max-shards"),
            c.Bytes("limits.max-put-records-request-bytes"),
            c.GetTimeSpan("ask-timeout"),
            c.GetString("iterator-secret"),
            c.GetInt("sink.max-batch-records"),
            c.Bytes("sink.max-batch-bytes"),
            c.GetInt("sink.parallelism"),
            c.GetInt("source.read-batch-records"))
        {
            RememberEntities = c.Switch("sharding.remember-entities"),
            ResendAfter = c.Duration("resend-after"),
            MaxUpdateShardCountPerDay = c.GetInt("limits.max-update-shard-count-per-day"),
            EnhancedFanOut = EnhancedFanOutSettings.Create(c.GetConfig("enhanced-fan-out")),

            OnDemand = OnDemandSettings.Create(c.GetConfig("on-demand")),
            MaxStreamModeChangesPerDay = c.GetInt("limits.max-stream-mode-changes-per-day"),
            Encryption = EncryptionSettings.Create(c.GetConfig("encryption")),
            StateDelays = StateDelaySettings.Create(c.GetConfig("state-delays")),
        };
    }
}
