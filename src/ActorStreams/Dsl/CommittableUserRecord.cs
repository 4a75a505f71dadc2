using ActorStreams.Kinesis.Aggregation;

namespace ActorStreams.Dsl;

/// <summary>
/// A user record read by a consumer application (<see cref="KinesisSource.Committable"/> through
/// <see cref="KinesisAggregation.DeaggregateCommittable"/>). Commit it once processed, like a
/// <see cref="CommittableRecord"/> (one by one, or batched through <see cref="Committer.Sink"/>). Checkpoints are per
/// Kinesis record: committing the last user record of an aggregate resumes the shard after the aggregate; committing
/// an earlier one resumes it at the aggregate, whose user records are then delivered again (at least once, never lost).
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

    /// <summary>What committing this commits: the carrying Kinesis record, resuming after it or at it.</summary>
    internal CommittableRecord Committable { get; }

    /// <summary>
    /// Commits this user record and everything before it in its shard; see the class for where the shard resumes.
    /// Each call costs a journal write: batch with <see cref="Committer.Sink"/>.
    /// </summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) => Committable.Member.CommitAsync([Committable], cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"{Record.ShardId}/{Record.SequenceNumber}.{Record.SubSequenceNumber} of application {ApplicationName}";
}
