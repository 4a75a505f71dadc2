using ActorStreams.Kinesis;

namespace ActorStreams.Dsl;

/// <summary>
/// A record read by a consumer application (<see cref="KinesisSource.Committable"/>), with the shard and sequence
/// number it came from. Commit it once processed: the application's checkpoint for the shard then moves past it
/// (and past every earlier record of the shard), and a member that takes the shard over resumes after it.
/// </summary>
public sealed class CommittableRecord : ICommittable
{
    private readonly ConsumerApplicationMember _member;

    internal CommittableRecord(StreamRecord record, SequenceNumber position, ConsumerApplicationMember member, ConsumerApplicationMember.ShardRun run)
        : this(record, position, position.Next, member, run)
    {
    }

    private CommittableRecord(StreamRecord record, SequenceNumber position, SequenceNumber checkpoint, ConsumerApplicationMember member,
        ConsumerApplicationMember.ShardRun run)
    {
        Record = record;
        Position = position;
        CheckpointPosition = checkpoint;
        _member = member;
        Run = run;
    }

    /// <summary>The record.</summary>
    public StreamRecord Record { get; }

    /// <summary>The shard the record came from.</summary>
    public StreamShardId ShardId => Record.ShardId;

    /// <summary>The record's sequence number in its shard.</summary>
    public string SequenceNumber => Record.SequenceNumber;

    /// <summary>The consumer application that read the record.</summary>
    public string ApplicationName => _member.ApplicationName;

    internal SequenceNumber Position { get; }

    /// <summary>Where the shard resumes once this is committed: after the record, or at it (<see cref="ResumingAtItself"/>).</summary>
    internal SequenceNumber CheckpointPosition { get; }

    /// <summary>
    /// The same record, but committing it resumes the shard at the record instead of after it: what a user record of
    /// an aggregate commits before the aggregate's last one (the aggregate is delivered again).
    /// </summary>
    internal CommittableRecord ResumingAtItself() => new(Record, Position, Position, _member, Run);

    internal ConsumerApplicationMember Member => _member;

    internal ConsumerApplicationMember.ShardRun Run { get; }

    /// <summary>
    /// Commits this record and every earlier one of its shard. Committing each record costs a journal write: commit
    /// in batches with <see cref="Committer.Sink"/>, or commit the last record of a batch you processed.
    /// </summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) => _member.CommitAsync([this], cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"{ShardId}/{SequenceNumber} of application {ApplicationName}";
}
