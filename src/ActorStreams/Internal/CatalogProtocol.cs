using System.Collections.Immutable;
using ActorStreams.Serialization;
using ActorStreams.Streams;

namespace ActorStreams.Internal;

// The stream catalog: one persistent entity that owns every stream's record (name, epoch, status, shard map,
// retention, tags), so name uniqueness, ListStreams and the account shard limit are decided in one place.

internal interface ICatalogCommand : IActorStreamsMessage;

/// <summary>One Kinesis shard in the catalog's shard map.</summary>
internal sealed record ShardEntry(int Index, HashKeyRange HashKeyRange, int? ParentIndex, int? AdjacentParentIndex, long? EndingEventNo)
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
    ImmutableArray<ConsumerEntry> Consumers) : IActorStreamsReply
{
    public bool Equals(StreamEntry? other) =>
        other is not null && Name == other.Name && Epoch == other.Epoch && Status == other.Status && Mode == other.Mode
        && RetentionHours == other.RetentionHours && CreatedAtMs == other.CreatedAtMs
        && Shards.SequenceEqual(other.Shards) && Tags.SequenceEqual(other.Tags) && Consumers.SequenceEqual(other.Consumers);

    public override int GetHashCode() => HashCode.Combine(Name, Epoch, Status);

    public int OpenShardCount => Shards.Count(s => s.IsOpen);
}

/// <summary>An enhanced fan-out consumer registered on a stream, kept in registration order.</summary>
internal sealed record ConsumerEntry(string Name, long CreatedAtMs) : IActorStreamsReply;

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

internal sealed record CatalogSnapshot(long LastEpoch, ImmutableArray<StreamEntry> Streams) : IActorStreamsSerializable
{
    public bool Equals(CatalogSnapshot? other) => other is not null && LastEpoch == other.LastEpoch && Streams.SequenceEqual(other.Streams);
    public override int GetHashCode() => HashCode.Combine(LastEpoch, Streams.Length);
}

// ---- commands ----

internal sealed record CreateStreamCommand(string Name, int ShardCount, StreamMode Mode) : ICatalogCommand;

internal sealed record DeleteStreamCommand(string Name) : ICatalogCommand;

internal sealed record GetStream(string Name) : ICatalogCommand, IResendableCommand;

internal sealed record ListStreamsCommand(int Limit, string? ExclusiveStartStreamName) : ICatalogCommand, IResendableCommand;

internal sealed record ChangeRetention(string Name, int RetentionHours, bool Increase) : ICatalogCommand;

internal sealed record AddTags(string Name, ImmutableSortedDictionary<string, string> Tags) : ICatalogCommand;

internal sealed record RemoveTags(string Name, ImmutableArray<string> Keys) : ICatalogCommand;

internal sealed record RegisterConsumer(string StreamName, string ConsumerName) : ICatalogCommand;

/// <summary>With <paramref name="CreatedAtSeconds"/> (from a consumer ARN) only that registration of the name is deregistered.</summary>
internal sealed record DeregisterConsumer(string StreamName, string ConsumerName, long? CreatedAtSeconds) : ICatalogCommand;

// ---- replies ----

internal sealed record StreamListing(ImmutableArray<StreamEntry> Streams, bool HasMore) : IActorStreamsReply
{
    public bool Equals(StreamListing? other) => other is not null && HasMore == other.HasMore && Streams.SequenceEqual(other.Streams);
    public override int GetHashCode() => HashCode.Combine(Streams.Length, HasMore);
}
