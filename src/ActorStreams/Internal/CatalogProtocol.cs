using System.Collections.Immutable;
using ActorStreams.Serialization;
using ActorStreams.Streams;

namespace ActorStreams.Internal;

// The stream catalog: one persistent entity that owns every stream's record (name, epoch, status, shard map,
// retention, tags), so name uniqueness, ListStreams and the account shard limit are decided in one place.

internal interface ICatalogCommand;

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
    ImmutableArray<ConsumerEntry> Consumers)
{
    public bool Equals(StreamEntry? other) =>
        other is not null && Name == other.Name && Epoch == other.Epoch && Status == other.Status && Mode == other.Mode
        && RetentionHours == other.RetentionHours && CreatedAtMs == other.CreatedAtMs
        && Shards.SequenceEqual(other.Shards) && Tags.SequenceEqual(other.Tags) && Consumers.SequenceEqual(other.Consumers);

    public override int GetHashCode() => HashCode.Combine(Name, Epoch, Status);

    public int OpenShardCount => Shards.Count(s => s.IsOpen);
}

/// <summary>An enhanced fan-out consumer registered on a stream, kept in registration order, with its own tags.</summary>
internal sealed record ConsumerEntry(string Name, long CreatedAtMs)
{
    public static readonly ImmutableSortedDictionary<string, string> NoTags = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, string> Tags { get; init; } = NoTags;

    /// <summary>Whether a consumer ARN's creation time (whole epoch seconds) names this registration.</summary>
    public bool IsRegistration(long? createdAtSeconds) =>
        createdAtSeconds is null || DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs).ToUnixTimeSeconds() == createdAtSeconds;

    public bool Equals(ConsumerEntry? other) =>
        other is not null && Name == other.Name && CreatedAtMs == other.CreatedAtMs && Tags.SequenceEqual(other.Tags);

    public override int GetHashCode() => HashCode.Combine(Name, CreatedAtMs);
}

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

internal sealed record CatalogSnapshot(long LastEpoch, ImmutableArray<StreamEntry> Streams) : IActorStreamsSerializable
{
    public bool Equals(CatalogSnapshot? other) => other is not null && LastEpoch == other.LastEpoch && Streams.SequenceEqual(other.Streams);
    public override int GetHashCode() => HashCode.Combine(LastEpoch, Streams.Length);
}

// ---- commands ----

internal sealed record CreateStreamCommand(string Name, int ShardCount, StreamMode Mode) : ICatalogCommand;

internal sealed record DeleteStreamCommand(string Name) : ICatalogCommand;

internal sealed record GetStream(string Name) : ICatalogCommand;

internal sealed record ListStreamsCommand(int Limit, string? ExclusiveStartStreamName) : ICatalogCommand;

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

// ---- replies ----

internal sealed record StreamListing(ImmutableArray<StreamEntry> Streams, bool HasMore);
