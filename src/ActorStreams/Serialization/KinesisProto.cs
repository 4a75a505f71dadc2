using System.Collections.Immutable;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Kinesis.Internal.Shards;
using Google.Protobuf.Collections;
using P = ActorStreams.Serialization.Proto;

namespace ActorStreams.Serialization;

/// <summary>
/// The pieces the Kinesis events, snapshots and cluster messages share, mapped between the domain records and the
/// messages of <c>Proto/kinesis_events.proto</c>. Optional fields are set only when the domain value is present, so
/// absence survives the round trip.
/// </summary>
internal static class KinesisProto
{
    public static P.HashKey HashKey(UInt128 value) => new() { High = (ulong)(value >> 64), Low = (ulong)value };

    public static UInt128 HashKey(P.HashKey? value) => value is null ? UInt128.Zero : new UInt128(value.High, value.Low);

    public static P.HashKeyRange Range(HashKeyRange range) =>
        new() { StartingHashKey = HashKey(range.StartingHashKey), EndingHashKey = HashKey(range.EndingHashKey) };

    public static HashKeyRange Range(P.HashKeyRange? range) => range is null ? default : new(HashKey(range.StartingHashKey), HashKey(range.EndingHashKey));

    public static P.SequenceNumber Sequence(SequenceNumber s) => new() { EventNo = s.EventNo, Index = s.Index };

    public static SequenceNumber Sequence(P.SequenceNumber? s) => s is null ? default : new(s.EventNo, s.Index);

    public static P.StreamMode Mode(StreamMode mode) => (P.StreamMode)(int)mode;

    public static StreamMode Mode(P.StreamMode mode) => (StreamMode)(int)mode;

    public static P.RecordDistributionStrategy Distribution(RecordDistributionStrategy strategy) => (P.RecordDistributionStrategy)(int)strategy;

    public static RecordDistributionStrategy Distribution(P.RecordDistributionStrategy strategy) => (RecordDistributionStrategy)(int)strategy;

    public static void AddTags(MapField<string, string> target, ImmutableSortedDictionary<string, string> tags)
    {
        foreach (var (key, value) in tags) target.Add(key, value);
    }

    public static ImmutableSortedDictionary<string, string> Tags(MapField<string, string> tags)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags) builder[key] = value;
        return builder.ToImmutable();
    }

    public static P.ShardInitialized Init(ShardInitialized e) => new()
    {
        StreamName = e.StreamName, Epoch = e.Epoch, ShardIndex = e.ShardIndex, HashStart = HashKey(e.HashStart), HashEnd = HashKey(e.HashEnd),
        RetentionHours = e.RetentionHours, CreatedAtMs = e.CreatedAtMs,
    };

    public static ShardInitialized Init(P.ShardInitialized p) =>
        new(p.StreamName, p.Epoch, p.ShardIndex, HashKey(p.HashStart), HashKey(p.HashEnd), p.RetentionHours, p.CreatedAtMs);

    public static P.ChildShard Child(ChildShardEntry c)
    {
        var p = new P.ChildShard { Index = c.Index, ParentIndex = c.ParentIndex, HashKeyRange = Range(c.HashKeyRange) };
        if (c.AdjacentParentIndex is { } adjacent) p.AdjacentParentIndex = adjacent;
        return p;
    }

    public static ChildShardEntry Child(P.ChildShard p) =>
        new(p.Index, p.ParentIndex, p.HasAdjacentParentIndex ? p.AdjacentParentIndex : null, Range(p.HashKeyRange));

    public static ImmutableArray<ChildShardEntry> Children(RepeatedField<P.ChildShard> children) => [.. children.Select(Child)];

    public static P.ShardClosed Closed(ShardClosed e) =>
        new() { EndingEventNo = e.EndingEventNo, ClosedAtMs = e.ClosedAtMs, Children = { e.Children.Select(Child) } };

    public static ShardClosed Closed(P.ShardClosed p) => new(p.EndingEventNo, p.ClosedAtMs, Children(p.Children));

    public static P.ShardClosed? OptionalClosed(ShardClosed? e) => e is null ? null : Closed(e);

    public static ShardClosed? OptionalClosed(P.ShardClosed? p) => p is null ? null : Closed(p);

    public static P.ReshardOp Op(ReshardOp op) => new() { Kind = (P.ReshardOpKind)(int)op.Kind, Key = HashKey(op.Key), UpperIsParent = op.UpperIsParent };

    public static ReshardOp Op(P.ReshardOp p) => new((ReshardOpKind)(int)p.Kind, HashKey(p.Key), p.UpperIsParent);

    public static P.ConsumerEntry Consumer(ConsumerEntry c)
    {
        var p = new P.ConsumerEntry
        {
            Name = c.Name, CreatedAtMs = c.CreatedAtMs,
            State = c.Status switch
            {
                ConsumerStatus.Creating => P.ConsumerState.Creating,
                ConsumerStatus.Deleting => P.ConsumerState.Deleting,
                _ => P.ConsumerState.Active,
            },
        };
        AddTags(p.Tags, c.Tags);
        if (c.ResourcePolicy is not null) p.ResourcePolicy = c.ResourcePolicy;
        return p;
    }

    public static ConsumerEntry Consumer(P.ConsumerEntry p) => new(p.Name, p.CreatedAtMs)
    {
        Tags = Tags(p.Tags),
        ResourcePolicy = p.HasResourcePolicy ? p.ResourcePolicy : null,
        Status = p.State switch
        {
            P.ConsumerState.Creating => ConsumerStatus.Creating,
            P.ConsumerState.Deleting => ConsumerStatus.Deleting,
            _ => ConsumerStatus.Active,
        },
    };

    public static P.ShardEntry Shard(ShardEntry s)
    {
        var p = new P.ShardEntry { Index = s.Index, HashKeyRange = Range(s.HashKeyRange) };
        if (s.ParentIndex is { } parent) p.ParentIndex = parent;
        if (s.AdjacentParentIndex is { } adjacent) p.AdjacentParentIndex = adjacent;
        if (s.EndingEventNo is { } ending) p.EndingEventNo = ending;
        if (s.CreatedAtMs is { } created) p.CreatedAtMs = created;
        if (s.ClosedAtMs is { } closed) p.ClosedAtMs = closed;
        return p;
    }

    public static ShardEntry Shard(P.ShardEntry p) => new(p.Index, Range(p.HashKeyRange),
        p.HasParentIndex ? p.ParentIndex : null, p.HasAdjacentParentIndex ? p.AdjacentParentIndex : null, p.HasEndingEventNo ? p.EndingEventNo : null,
        p.HasCreatedAtMs ? p.CreatedAtMs : null, p.HasClosedAtMs ? p.ClosedAtMs : null);

    public static P.StreamEntry Stream(StreamEntry s)
    {
        var p = new P.StreamEntry
        {
            Name = s.Name, Epoch = s.Epoch, Status = (P.StreamStatus)(int)s.Status, Mode = Mode(s.Mode), RetentionHours = s.RetentionHours,
            CreatedAtMs = s.CreatedAtMs,
            Shards = { s.Shards.Select(Shard) },
            Consumers = { s.Consumers.Select(Consumer) },
            PendingReshard = { s.PendingReshard.Select(Op) },
            ScalingTimesMs = { s.ScalingTimesMs },
            ModeChangeTimesMs = { s.ModeChangeTimesMs },
        };
        AddTags(p.Tags, s.Tags);
        if (s.EncryptionKeyId is not null) p.EncryptionKeyId = s.EncryptionKeyId;
        p.ShardLevelMetrics = (int)s.ShardLevelMetrics;
        if (s.WarmThroughputMiBps is { } warm) p.WarmThroughputMibps = warm;
        if (s.MaxRecordSizeKiB is { } kib) p.MaxRecordSizeKib = kib;
        p.RecordDistribution = Distribution(s.RecordDistribution);
        if (s.ResourcePolicy is not null) p.ResourcePolicy = s.ResourcePolicy;
        return p;
    }

    public static StreamEntry Stream(P.StreamEntry p) =>
        new(p.Name, p.Epoch, (StreamStatus)(int)p.Status, Mode(p.Mode), p.RetentionHours, p.CreatedAtMs, [.. p.Shards.Select(Shard)], Tags(p.Tags),
            [.. p.Consumers.Select(Consumer)], [.. p.PendingReshard.Select(Op)], [.. p.ScalingTimesMs], [.. p.ModeChangeTimesMs])
        {
            EncryptionKeyId = p.HasEncryptionKeyId ? p.EncryptionKeyId : null,
            ShardLevelMetrics = (ShardLevelMetrics)p.ShardLevelMetrics & ShardLevelMetrics.All,
            WarmThroughputMiBps = p.HasWarmThroughputMibps ? p.WarmThroughputMibps : null,
            MaxRecordSizeKiB = p.HasMaxRecordSizeKib ? p.MaxRecordSizeKib : null,
            RecordDistribution = Distribution(p.RecordDistribution),
            ResourcePolicy = p.HasResourcePolicy ? p.ResourcePolicy : null,
        };

    public static P.AccountCommitment Commitment(AccountCommitment c)
    {
        var p = new P.AccountCommitment();
        if (c.StartedAtMs is { } started) p.StartedAtMs = started;
        if (c.EndedAtMs is { } ended) p.EndedAtMs = ended;
        return p;
    }

    public static AccountCommitment Commitment(P.AccountCommitment? p) =>
        p is null ? AccountCommitment.None : new(p.HasStartedAtMs ? p.StartedAtMs : null, p.HasEndedAtMs ? p.EndedAtMs : null);

    public static P.CheckpointUpdate Checkpoint(CheckpointUpdate u) =>
        new() { ShardIndex = u.ShardIndex, Position = Sequence(u.Position), ShardEnd = u.ShardEnd, UserRecordsDone = u.UserRecordsDone };

    public static CheckpointUpdate Checkpoint(P.CheckpointUpdate p) => new(p.ShardIndex, Sequence(p.Position), p.ShardEnd, p.UserRecordsDone);

    public static ImmutableArray<CheckpointUpdate> Checkpoints(RepeatedField<P.CheckpointUpdate> updates) => [.. updates.Select(Checkpoint)];
}
