using System.Collections.Immutable;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal.Catalog;

// The stream catalog: one persistent entity that owns every stream's record (name, epoch, status, shard map,
// retention, tags), so name uniqueness, ListStreams and the account shard limit are decided in one place.

internal interface ICatalogCommand : IActorStreamsMessage;

/// <summary>
/// One Kinesis shard in the catalog's shard map. <paramref name="CreatedAtMs"/> is when it opened (unset: with its
/// stream); <paramref name="ClosedAtMs"/> when it was closed by resharding (unset while open). ListShards' time
/// filters read them.
/// </summary>
internal sealed record ShardEntry(int Index, HashKeyRange HashKeyRange, int? ParentIndex, int? AdjacentParentIndex, long? EndingEventNo,
    long? CreatedAtMs = null, long? ClosedAtMs = null)
{
    public bool IsOpen => EndingEventNo is null;
}

internal sealed record StreamEntry(
    string Name,
    long Epoch,
    StreamStatus Status,
    StreamMode Mode,
    int RetentionHours,
    long CreatedAtMs,
    ImmutableArray<ShardEntry> Shards,
    ImmutableSortedDictionary<string, string> Tags,
    ImmutableArray<ConsumerEntry> Consumers,
    ImmutableArray<ReshardOp> PendingReshard = default,
    ImmutableArray<long> ScalingTimesMs = default,
    ImmutableArray<long> ModeChangeTimesMs = default) : IActorStreamsReply
{
    /// <summary>When UpdateStreamMode calls changed the mode, to enforce the rolling 24-hour limit.</summary>
    public ImmutableArray<long> ModeChangeTimesMs { get; init; } = ModeChangeTimesMs.IsDefault ? [] : ModeChangeTimesMs;

    /// <summary>The resharding steps still to run, the first one under way; empty when no resharding runs.</summary>
    public ImmutableArray<ReshardOp> PendingReshard { get; init; } = PendingReshard.IsDefault ? [] : PendingReshard;

    /// <summary>When UpdateShardCount calls started, to enforce the rolling 24-hour limit (older ones are dropped).</summary>
    public ImmutableArray<long> ScalingTimesMs { get; init; } = ScalingTimesMs.IsDefault ? [] : ScalingTimesMs;

    public bool Equals(StreamEntry? other) =>
        other is not null && Name == other.Name && Epoch == other.Epoch && Status == other.Status && Mode == other.Mode
        && RetentionHours == other.RetentionHours && CreatedAtMs == other.CreatedAtMs
        && Shards.SequenceEqual(other.Shards) && Tags.SequenceEqual(other.Tags) && Consumers.SequenceEqual(other.Consumers)
        && PendingReshard.SequenceEqual(other.PendingReshard) && ScalingTimesMs.SequenceEqual(other.ScalingTimesMs)
        && ModeChangeTimesMs.SequenceEqual(other.ModeChangeTimesMs) && EncryptionKeyId == other.EncryptionKeyId
        && ShardLevelMetrics == other.ShardLevelMetrics && WarmThroughputMiBps == other.WarmThroughputMiBps
        && MaxRecordSizeKiB == other.MaxRecordSizeKiB && RecordDistribution == other.RecordDistribution && ResourcePolicy == other.ResourcePolicy;

    public override int GetHashCode() => HashCode.Combine(Name, Epoch, Status);

    /// <summary>The KMS key id new records are encrypted under (StartStreamEncryption); null when encryption is off.</summary>
    public string? EncryptionKeyId { get; init; }

    /// <summary>The shard-level metrics enhanced monitoring exports for this stream (EnableEnhancedMonitoring).</summary>
    public ShardLevelMetrics ShardLevelMetrics { get; init; }

    /// <summary>The warm throughput asked for (UpdateStreamWarmThroughput); null when none was. ON_DEMAND streams only.</summary>
    public int? WarmThroughputMiBps { get; init; }

    /// <summary>The largest record (data plus partition key) the stream takes, in KiB (UpdateMaxRecordSize); null: the default 1,024.</summary>
    public int? MaxRecordSizeKiB { get; init; }

    /// <summary>The stream's resource policy document (PutResourcePolicy), as put; null when it has none.</summary>
    public string? ResourcePolicy { get; init; }

    /// <summary>How records are placed on shards (UpdateStreamRecordDistributionStrategy); only an ON_DEMAND stream applies AUTO.</summary>
    public RecordDistributionStrategy RecordDistribution { get; init; }

    /// <summary>Whether writes are spread over the open shards regardless of their keys: AUTO on an ON_DEMAND stream.</summary>
    public bool DistributesAutomatically => RecordDistribution == RecordDistributionStrategy.Auto && Mode == StreamMode.OnDemand;

    /// <summary>The largest record the stream takes, in bytes.</summary>
    public int MaxRecordSizeBytes => MaxRecordSizeKiB is { } kib ? kib * 1024 : KinesisLimits.DefaultMaxRecordSizeBytes;

    /// <summary>
    /// The open shards the warm throughput needs: one per MiB/s (a shard takes 1 MiB/s of writes). An ON_DEMAND stream
    /// is split up to it and never merged below it.
    /// </summary>
    public int WarmShardCount => WarmThroughputMiBps is { } mibps ? (int)Math.Ceiling(mibps * 1024.0 * 1024.0 / KinesisLimits.ShardWriteBytesPerSecond) : 0;

    public int OpenShardCount => Shards.Count(s => s.IsOpen);

    public int NextShardIndex => Shards.Length == 0 ? 0 : Shards.Max(s => s.Index) + 1;
}

/// <summary>An enhanced fan-out consumer registered on a stream, kept in registration order, with its own tags.</summary>
internal sealed record ConsumerEntry(string Name, long CreatedAtMs) : IActorStreamsReply
{
    public static readonly ImmutableSortedDictionary<string, string> NoTags = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, string> Tags { get; init; } = NoTags;

    /// <summary>
    /// ACTIVE in the catalog's own state; a reply shows CREATING or DELETING while a state delay runs
    /// (<c>actorstreams.state-delays</c>).
    /// </summary>
    public ConsumerStatus Status { get; init; } = ConsumerStatus.Active;

    /// <summary>The consumer's resource policy document (PutResourcePolicy on its ARN), as put; null when it has none.</summary>
    public string? ResourcePolicy { get; init; }

    /// <summary>Whether a consumer ARN's creation time (whole epoch seconds) names this registration.</summary>
    public bool IsRegistration(long? createdAtSeconds) =>
        createdAtSeconds is null || DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs).ToUnixTimeSeconds() == createdAtSeconds;

    public bool Equals(ConsumerEntry? other) =>
        other is not null && Name == other.Name && CreatedAtMs == other.CreatedAtMs && Status == other.Status && Tags.SequenceEqual(other.Tags)
        && ResourcePolicy == other.ResourcePolicy;

    public override int GetHashCode() => HashCode.Combine(Name, CreatedAtMs);
}

internal enum ReshardOpKind : byte
{
    Split = 1,
    Merge = 2,
}

/// <summary>
/// One step of a resharding, named by hash key so that a plan of many steps stays valid whatever indexes the
/// shards it creates get. Split: the open shard holding <see cref="Key"/> splits, its second child starting at
/// <see cref="Key"/>. Merge: the open shard ending at <see cref="Key"/> - 1 merges with the open shard starting at
/// <see cref="Key"/>; the lower one is the child's ParentShardId unless <see cref="UpperIsParent"/>.
/// </summary>
internal readonly record struct ReshardOp(ReshardOpKind Kind, UInt128 Key, bool UpperIsParent = false);


// ---- events ----

internal sealed record StreamCreated(string Name, long Epoch, int ShardCount, StreamMode Mode, int RetentionHours, long CreatedAtMs)
    : IActorStreamsEvent;

internal sealed record StreamActivated(string Name) : IActorStreamsEvent;

internal sealed record StreamDeletionStarted(string Name) : IActorStreamsEvent;

internal sealed record StreamDeleted(string Name) : IActorStreamsEvent;

internal sealed record StreamRetentionChanged(string Name, int RetentionHours) : IActorStreamsEvent;

internal sealed record StreamTagsAdded(string Name, ImmutableSortedDictionary<string, string> Tags) : IActorStreamsEvent
{
    public bool Equals(StreamTagsAdded? other) => other is not null && Name == other.Name && Tags.SequenceEqual(other.Tags);
    public override int GetHashCode() => Name.GetHashCode();
}

internal sealed record StreamTagsRemoved(string Name, ImmutableArray<string> Keys) : IActorStreamsEvent
{
    public bool Equals(StreamTagsRemoved? other) => other is not null && Name == other.Name && Keys.SequenceEqual(other.Keys);
    public override int GetHashCode() => Name.GetHashCode();
}

internal sealed record ConsumerRegistered(string StreamName, string ConsumerName, long CreatedAtMs) : IActorStreamsEvent;

internal sealed record ConsumerDeregistered(string StreamName, string ConsumerName) : IActorStreamsEvent;

internal sealed record ConsumerTagsAdded(string StreamName, string ConsumerName, ImmutableSortedDictionary<string, string> Tags) : IActorStreamsEvent
{
    public bool Equals(ConsumerTagsAdded? other) =>
        other is not null && StreamName == other.StreamName && ConsumerName == other.ConsumerName && Tags.SequenceEqual(other.Tags);
    public override int GetHashCode() => HashCode.Combine(StreamName, ConsumerName);
}

internal sealed record ConsumerTagsRemoved(string StreamName, string ConsumerName, ImmutableArray<string> Keys) : IActorStreamsEvent
{
    public bool Equals(ConsumerTagsRemoved? other) =>
        other is not null && StreamName == other.StreamName && ConsumerName == other.ConsumerName && Keys.SequenceEqual(other.Keys);
    public override int GetHashCode() => HashCode.Combine(StreamName, ConsumerName);
}

/// <summary>A resharding was accepted: the stream is UPDATING until every op has run. <see cref="ScaledAtMs"/>: an UpdateShardCount call.</summary>
internal sealed record ReshardStarted(string Name, ImmutableArray<ReshardOp> Ops, long? ScaledAtMs) : IActorStreamsEvent
{
    public bool Equals(ReshardStarted? other) => other is not null && Name == other.Name && Ops.SequenceEqual(other.Ops) && ScaledAtMs == other.ScaledAtMs;
    public override int GetHashCode() => HashCode.Combine(Name, Ops.Length);
}

/// <summary>
/// The first pending op ran: its children are initialized and its parents closed at these ending events
/// (<see cref="AdjacentParentEndingEventNo"/> for a merge). The shard map switches to the children, which open (and
/// their parents close) at <see cref="CompletedAtMs"/>.
/// </summary>
internal sealed record ReshardStepCompleted(string Name, long ParentEndingEventNo, long? AdjacentParentEndingEventNo, long CompletedAtMs)
    : IActorStreamsEvent;

/// <summary>UpdateStreamMode switched the stream between PROVISIONED and ON_DEMAND at <see cref="AtMs"/>.</summary>
internal sealed record StreamModeChanged(string Name, StreamMode Mode, long AtMs) : IActorStreamsEvent;

/// <summary>A closed shard whose data retention has expired leaves the shard map.</summary>
internal sealed record ClosedShardRemoved(string Name, int ShardIndex) : IActorStreamsEvent;

internal sealed record CatalogSnapshot(long LastEpoch, ImmutableArray<StreamEntry> Streams) : IActorStreamsSerializable
{
    /// <summary>The account's minimum throughput billing commitment (UpdateAccountSettings).</summary>
    public AccountCommitment Commitment { get; init; } = AccountCommitment.None;

    public bool Equals(CatalogSnapshot? other) =>
        other is not null && LastEpoch == other.LastEpoch && Streams.SequenceEqual(other.Streams) && Commitment == other.Commitment;
    public override int GetHashCode() => HashCode.Combine(LastEpoch, Streams.Length);
}

// ---- commands ----

internal sealed record CreateStreamCommand(string Name, int ShardCount, StreamMode Mode, int? WarmThroughputMiBps = null, int? MaxRecordSizeKiB = null,
    RecordDistributionStrategy? RecordDistribution = null) : ICatalogCommand;

internal sealed record DeleteStreamCommand(string Name) : ICatalogCommand;

internal sealed record GetStream(string Name) : ICatalogCommand, IResendableCommand;

internal sealed record ListStreamsCommand(int Limit, string? ExclusiveStartStreamName) : ICatalogCommand, IResendableCommand;

internal sealed record ChangeRetention(string Name, int RetentionHours, bool Increase) : ICatalogCommand;

internal sealed record AddTags(string Name, ImmutableSortedDictionary<string, string> Tags) : ICatalogCommand;

internal sealed record RemoveTags(string Name, ImmutableArray<string> Keys) : ICatalogCommand;

internal sealed record RegisterConsumer(string StreamName, string ConsumerName) : ICatalogCommand;

/// <summary>With <paramref name="CreatedAtSeconds"/> (from a consumer ARN) only that registration of the name is deregistered.</summary>
internal sealed record DeregisterConsumer(string StreamName, string ConsumerName, long? CreatedAtSeconds) : ICatalogCommand;

/// <summary>Tags one registration of a consumer (<paramref name="CreatedAtSeconds"/> from its ARN).</summary>
internal sealed record AddConsumerTags(string StreamName, string ConsumerName, long CreatedAtSeconds, ImmutableSortedDictionary<string, string> Tags)
    : ICatalogCommand;

internal sealed record RemoveConsumerTags(string StreamName, string ConsumerName, long CreatedAtSeconds, ImmutableArray<string> Keys) : ICatalogCommand;

internal sealed record SplitShardCommand(string Name, int ShardIndex, UInt128 NewStartingHashKey) : ICatalogCommand;

internal sealed record MergeShardsCommand(string Name, int ShardIndex, int AdjacentShardIndex) : ICatalogCommand;

internal sealed record UpdateShardCountCommand(string Name, int TargetShardCount) : ICatalogCommand;

internal sealed record UpdateStreamModeCommand(string Name, StreamMode Mode, int? WarmThroughputMiBps = null) : ICatalogCommand;

/// <summary>Sent to the catalog through its sharding region on a schedule: keeps it from idle passivation, starts it after a restart.</summary>
internal sealed record CatalogHeartbeat : ICatalogCommand
{
    public static readonly CatalogHeartbeat Instance = new();
}

/// <summary>From a closed StreamShard whose every record has expired: drop it from the map and retire it.</summary>
internal sealed record ClosedShardExpired(string StreamName, long Epoch, int ShardIndex) : ICatalogCommand;

// ---- replies ----

/// <summary>A resharding finished (the stream is ACTIVE again); <see cref="PreviousOpenShardCount"/> is the count before it.</summary>
internal sealed record ReshardDone(StreamEntry Entry, int PreviousOpenShardCount) : IActorStreamsReply;

internal sealed record StreamListing(ImmutableArray<StreamEntry> Streams, bool HasMore) : IActorStreamsReply
{
    public bool Equals(StreamListing? other) => other is not null && HasMore == other.HasMore && Streams.SequenceEqual(other.Streams);
    public override int GetHashCode() => HashCode.Combine(Streams.Length, HasMore);
}
