using ActorStreams.Kinesis.Aggregation;

namespace ActorStreams.Dsl;

/// <summary>
/// A user record read by a consumer application (<see cref="KinesisSource.Committable"/> through
/// <see cref="KinesisAggregation.DeaggregateCommittable"/>). Commit it once processed, like a
/// <see cref="CommittableRecord"/> (one by one, or batched through <see cref="Committer.Sink"/>): the application's
/// checkpoint then holds the sequence number of its aggregate and its sub-sequence number, and a member that takes the
/// shard over resumes right after it, inside the aggregate.
/// </summary>
public sealed class CommittableUserRecord : ICommittable
{
    internal CommittableUserRecord(UserRecord record, CommittableRecord committable)
    {
        Record = record;
        Committable = committable;
    }

    /// <summary>The user record, with its own partition key, sequence number and sub-sequence number.</summary>
    public UserRecord Record { get; }

    /// <summary>The consumer application that read the record.</summary>
    public string ApplicationName => Committable.ApplicationName;

    /// <summary>What committing this commits: the carrying Kinesis record, resuming after it or inside it.</summary>
    internal CommittableRecord Committable { get; }

    /// <summary>
    /// Commits this user record and everything before it in its shard.
    /// Each call costs a journal write: batch with <see cref="Committer.Sink"/>.
    /// </summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) => Committable.Member.CommitAsync([Committable], cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"{Record.ShardId}/{Record.SequenceNumber}.{Record.SubSequenceNumber} of application {ApplicationName}";
}
