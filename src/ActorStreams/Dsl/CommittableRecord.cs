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
        : this(record, position, position.Next, 0, 0, member, run)
    {
    }

    private CommittableRecord(StreamRecord record, SequenceNumber position, SequenceNumber checkpoint, long checkpointUserRecords,
        long skipUserRecords, ConsumerApplicationMember member, ConsumerApplicationMember.ShardRun run)
    {
        Record = record;
        Position = position;
        CheckpointPosition = checkpoint;
        CheckpointUserRecords = checkpointUserRecords;
        SkipUserRecords = skipUserRecords;
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

    /// <summary>Where the shard resumes once this is committed: after the record, or inside it (<see cref="ResumingInside"/>).</summary>
    internal SequenceNumber CheckpointPosition { get; }

    /// <summary>With <see cref="CheckpointPosition"/> at the record: how many of its user records the checkpoint covers.</summary>
    internal long CheckpointUserRecords { get; }

    /// <summary>The user records of this record a checkpoint inside it said were processed: a de-aggregating reader skips them.</summary>
    internal long SkipUserRecords { get; }

    /// <summary>
    /// The same record, but committing it resumes the shard at the record, past its first <paramref name="userRecordsDone"/>
    /// user records: what a user record of an aggregate commits before the aggregate's last one.
    /// </summary>
    internal CommittableRecord ResumingInside(long userRecordsDone) => new(Record, Position, Position, userRecordsDone, SkipUserRecords, _member, Run);

    /// <summary>The same record, read where a checkpoint inside it resumed: its first <paramref name="count"/> user records were processed.</summary>
    internal CommittableRecord SkippingUserRecords(long count) => new(Record, Position, CheckpointPosition, CheckpointUserRecords, count, _member, Run);

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
