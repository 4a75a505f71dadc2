using System.Collections.Immutable;
using System.Globalization;
using ActorStreams.Serialization;
using Akka.Cluster.Sharding;

namespace ActorStreams.Kinesis.Internal.ConsumerApplications;

// Every command, reply, event and snapshot of a consumer application, in one file: the commands and replies cross
// nodes (a member on one node, the application entity on another) and are to be bound to the cross-node message
// serializer; the events and the snapshot are written by ConsumerApplicationSerializer.

/// <summary>A command for one consumer application entity (routed by <see cref="EntityId"/>).</summary>
internal interface IConsumerApplicationCommand : IActorStreamsMessage
{
    string EntityId { get; }
}

/// <summary>An event or snapshot of a consumer application entity (written by ConsumerApplicationSerializer).</summary>
internal interface IConsumerApplicationSerializable;

/// <summary>
/// A member of the application reports the shards it reads (<see cref="Held"/>) and renews its leases for
/// <see cref="LeaseDurationMs"/>; <see cref="Leaving"/> releases them all at once. The reply is a <see cref="LeaseAssignment"/>.
/// </summary>
internal sealed record ConsumerHeartbeat(string EntityId, string MemberId, ImmutableArray<int> Held, long LeaseDurationMs,
    bool InitialLatest, bool Leaving) : IConsumerApplicationCommand;

/// <summary>Shards newly leased to the member, and shards it must stop reading (leased to another or finished).</summary>
internal sealed record LeaseAssignment(ImmutableArray<ShardGrant> Granted, ImmutableArray<int> Revoked) : IActorStreamsReply;

/// <summary>A lease: read the shard from <see cref="Position"/> (the checkpoint), or from its start or tip when there is none.</summary>
internal sealed record ShardGrant(int ShardIndex, SequenceNumber? Position, bool FromLatest, long UserRecordsDone = 0);

/// <summary>Moves checkpoints forward (never back); the reply is <see cref="CheckpointsCommitted"/>.</summary>
internal sealed record CommitCheckpoints(string EntityId, string MemberId, ImmutableArray<CheckpointUpdate> Updates) : IConsumerApplicationCommand;

internal sealed record CheckpointsCommitted(string EntityId) : IActorStreamsReply;

/// <summary>The state of an application: its checkpoints and current leases (tests and diagnostics).</summary>
internal sealed record GetConsumerApplication(string EntityId) : IConsumerApplicationCommand;

internal sealed record ConsumerApplicationState(ImmutableSortedDictionary<int, CheckpointUpdate> Checkpoints,
    ImmutableSortedDictionary<int, string> Leases, ImmutableArray<string> Members) : IActorStreamsReply;

/// <summary>
/// A shard's checkpoint: the position to resume reading at (the record after the last one processed), or
/// <see cref="ShardEnd"/> once every record of a closed shard was processed, which lets its children be leased.
/// </summary>
/// <param name="ShardIndex">The shard.</param>
/// <param name="Position">Where reading resumes.</param>
/// <param name="ShardEnd">Every record of the closed shard was processed.</param>
/// <param name="UserRecordsDone">
/// How many user records of the KPL aggregate at <paramref name="Position"/> were processed (a checkpoint inside an
/// aggregate, <see cref="Dsl.KinesisAggregation.DeaggregateCommittable"/>): the shard resumes at the aggregate and skips them.
/// </param>
internal sealed record CheckpointUpdate(int ShardIndex, SequenceNumber Position, bool ShardEnd, long UserRecordsDone = 0);

/// <summary>Journaled once, when the application first meets its stream: where reading begins.</summary>
internal sealed record ApplicationStarted(bool InitialLatest, ImmutableArray<int> LatestShards, ImmutableArray<int> SkippedShards)
    : IConsumerApplicationSerializable
{
    public bool Equals(ApplicationStarted? other) =>
        other is not null && InitialLatest == other.InitialLatest && LatestShards.SequenceEqual(other.LatestShards)
        && SkippedShards.SequenceEqual(other.SkippedShards);

    public override int GetHashCode() => HashCode.Combine(InitialLatest, LatestShards.Length, SkippedShards.Length);
}

/// <summary>One commit: the checkpoints it moved.</summary>
internal sealed record CheckpointsAdvanced(ImmutableArray<CheckpointUpdate> Updates) : IConsumerApplicationSerializable
{
    public bool Equals(CheckpointsAdvanced? other) => other is not null && Updates.SequenceEqual(other.Updates);

    public override int GetHashCode() => Updates.Length;
}

internal sealed record ConsumerApplicationSnapshot(ApplicationStarted? Started, ImmutableArray<CheckpointUpdate> Checkpoints)
    : IConsumerApplicationSerializable
{
    public bool Equals(ConsumerApplicationSnapshot? other) =>
        other is not null && Equals(Started, other.Started) && Checkpoints.SequenceEqual(other.Checkpoints);

    public override int GetHashCode() => Checkpoints.Length;
}

/// <summary>Names of consumer application entities: one per stream incarnation (epoch) and application name.</summary>
internal static class ConsumerApplicationEntity
{
    public const string TypeName = "actorstreams-consumer-application";

    public static string EntityId(string streamName, long epoch, string applicationName) =>
        string.Create(CultureInfo.InvariantCulture, $"{streamName}/{epoch}/{applicationName}");

    public static string PersistenceId(string entityId) => "consumerapp-" + entityId;

    public static (string Stream, long Epoch, string Application) Parse(string entityId)
    {
        var parts = entityId.Split('/');
        return (parts[0], long.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture), parts[2]);
    }
}

internal sealed class ConsumerApplicationMessageExtractor : HashCodeMessageExtractor
{
    public ConsumerApplicationMessageExtractor(int maxNumberOfShards) : base(maxNumberOfShards) { }

    public override string? EntityId(object message) => (message as IConsumerApplicationCommand)?.EntityId;
}
