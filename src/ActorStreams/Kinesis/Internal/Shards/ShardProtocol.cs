using System.Collections.Immutable;
using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal.Shards;

// Everything a StreamShard entity persists, receives and answers. Events and snapshots go through
// ActorStreamsSerializer (binary); commands and replies cross nodes through ActorStreamsMessageSerializer.

/// <summary>A message addressed to one StreamShard entity through the sharding region.</summary>
internal interface IStreamShardCommand : IActorStreamsMessage
{
    string EntityId { get; }
}

/// <summary>
/// A command the client sends again when no answer came within <c>actorstreams.resend-after</c>: Akka.Cluster.Sharding
/// drops messages that reach a node while it hands the entity's shard over, so the entity must be safe to receive it
/// twice (a read, or an append with its request id).
/// </summary>
internal interface IResendableCommand;

/// <summary>One record as it is stored: partition key and data. The arrival time is the event's.</summary>
internal readonly record struct StoredRecord(string PartitionKey, ReadOnlyMemory<byte> Data)
{
    public int Size => Data.Length + System.Text.Encoding.UTF8.GetByteCount(PartitionKey);
}

internal sealed record ShardInitialized(
    string StreamName, long Epoch, int ShardIndex, UInt128 HashStart, UInt128 HashEnd, int RetentionHours, long CreatedAtMs)
    : IActorStreamsSerializable;

/// <summary>One group commit: every record accepted for the shard in one write, all with the same arrival time.</summary>
internal sealed record RecordsAppended(long TimestampMs, StoredRecord[] Records) : IActorStreamsSerializable
{
    public bool Equals(RecordsAppended? other) =>
        other is not null && TimestampMs == other.TimestampMs && Records.AsSpan().SequenceEqual(other.Records, RecordComparer.Instance);

    public override int GetHashCode() => HashCode.Combine(TimestampMs, Records.Length);

    private sealed class RecordComparer : IEqualityComparer<StoredRecord>
    {
        public static readonly RecordComparer Instance = new();
        public bool Equals(StoredRecord x, StoredRecord y) => x.PartitionKey == y.PartitionKey && x.Data.Span.SequenceEqual(y.Data.Span);
        public int GetHashCode(StoredRecord obj) => obj.PartitionKey.GetHashCode();
    }
}

internal sealed record ShardRetentionChanged(int RetentionHours) : IActorStreamsSerializable;

internal sealed record ShardRetired(long RetiredAtMs) : IActorStreamsSerializable;

/// <summary>
/// A child of a closed shard: its index, parents and hash-key range. A closed shard keeps its children so that
/// readers at its end learn where to go on (ChildShards) and writers that raced with the close are re-routed.
/// </summary>
internal readonly record struct ChildShardEntry(int Index, int ParentIndex, int? AdjacentParentIndex, HashKeyRange HashKeyRange)
{
    public bool Covers(UInt128 hashKey) => HashKeyRange.Contains(hashKey);
}

/// <summary>
/// The shard was closed by resharding: every record is at or below event <see cref="EndingEventNo"/>, no append
/// is accepted after it, and <see cref="Children"/> continue its hash-key range.
/// </summary>
internal sealed record ShardClosed(long EndingEventNo, long ClosedAtMs, ImmutableArray<ChildShardEntry> Children) : IActorStreamsSerializable
{
    public bool Equals(ShardClosed? other) =>
        other is not null && EndingEventNo == other.EndingEventNo && ClosedAtMs == other.ClosedAtMs && Children.SequenceEqual(other.Children);

    public override int GetHashCode() => HashCode.Combine(EndingEventNo, ClosedAtMs, Children.Length);
}

/// <summary>Shard metadata only: record payloads stay in the journal, so recovery does not grow with retained data.</summary>
internal sealed record StreamShardSnapshot(
    ShardInitialized Init,
    int RetentionHours,
    long TrimHorizonEventNo,
    bool Retired,
    long LastTimestampMs,
    long LastRecordEventNo,
    ImmutableArray<long> IndexEventNos,
    ImmutableArray<long> IndexTimestampsMs,
    ShardClosed? Closed = null,
    string? KeyId = null) : IActorStreamsSerializable
{
    public bool Equals(StreamShardSnapshot? other) =>
        other is not null && Init == other.Init && RetentionHours == other.RetentionHours && TrimHorizonEventNo == other.TrimHorizonEventNo
        && Retired == other.Retired && LastTimestampMs == other.LastTimestampMs && LastRecordEventNo == other.LastRecordEventNo
        && IndexEventNos.SequenceEqual(other.IndexEventNos) && IndexTimestampsMs.SequenceEqual(other.IndexTimestampsMs)
        && Equals(Closed, other.Closed) && KeyId == other.KeyId;

    public override int GetHashCode() => HashCode.Combine(Init, TrimHorizonEventNo, IndexEventNos.Length);
}

// ---- commands ----

/// <summary><see cref="KeyId"/>: the stream is encrypted, so the new shard encrypts from its first record.</summary>
internal sealed record InitializeShard(string EntityId, ShardInitialized Init, string? KeyId = null) : IStreamShardCommand;

/// <summary>
/// Records to append. The shard accepts a prefix (all of them unless throttled) into a single event. A repeat of a
/// <see cref="RequestId"/> the shard has answered (or is writing) gets that answer instead of a second write.
/// <see cref="Unthrottled"/>: the stream is ON_DEMAND, so the shard's write limit does not apply (its load is still measured).
/// </summary>
internal sealed record AppendRecords(string EntityId, StoredRecord[] Records, long Bytes, Guid RequestId = default, bool Unthrottled = false)
    : IStreamShardCommand, IResendableCommand;

/// <summary><see cref="SharedCapacity"/> false: an enhanced fan-out read, which has its own capacity and does not count against GetRecords'.</summary>
internal sealed record ReadRecords(
    string EntityId, SequenceNumber From, long MinTimestampMs, int Limit, long MaxBytes, TimeSpan Wait, bool SharedCapacity = true)
    : IStreamShardCommand, IResendableCommand;

/// <summary>Where an iterator starts. <see cref="CountCall"/>: a GetShardIterator call, subject to its per-shard rate limit.</summary>
internal sealed record ResolveIterator(string EntityId, ShardIteratorType Type, SequenceNumber? Sequence, long TimestampMs, bool CountCall)
    : IStreamShardCommand, IResendableCommand;

internal sealed record ChargeReadBytes(string EntityId, long Bytes) : IStreamShardCommand;

internal sealed record SetShardRetention(string EntityId, int RetentionHours) : IStreamShardCommand;

internal sealed record RetireShard(string EntityId) : IStreamShardCommand;

/// <summary>Starts the entity if it is passivated and runs its retention check: how closed shards that nobody reads still expire.</summary>
internal sealed record WakeShard(string EntityId) : IStreamShardCommand;

/// <summary>The shard's write load over the ON_DEMAND load window.</summary>
internal sealed record GetShardLoad(string EntityId) : IStreamShardCommand;

/// <summary>Load as a share of one shard's write capacity (the larger of records and bytes), measured since <see cref="MeasuredSinceMs"/>.</summary>
internal sealed record ShardLoadResult(string EntityId, double CapacityShare, long MeasuredSinceMs) : IActorStreamsReply;

/// <summary>Closes the shard for resharding (idempotent: a closed shard answers with the end it already has).</summary>
internal sealed record CloseShard(string EntityId, ImmutableArray<ChildShardEntry> Children) : IStreamShardCommand;

// ---- replies ----

/// <summary>An error to raise at the caller as the typed exception of <see cref="Code"/>.</summary>
internal sealed record ErrorReply(string Code, string Message) : IActorStreamsReply
{
    public ActorStreamsException ToException() => ActorStreamsException.FromCode(Code, Message);

    public static ErrorReply From(ActorStreamsException e) => new(e.ErrorCode, e.Message);
}

internal sealed record ShardAck(string EntityId) : IActorStreamsReply;

/// <summary>
/// <see cref="Accepted"/> leading records were stored as event <see cref="EventNo"/> from index <see cref="FirstIndex"/>;
/// the rest was throttled and may be retried after <see cref="RetryAfter"/>.
/// </summary>
internal sealed record AppendRecordsResult(long EventNo, int FirstIndex, int Accepted, TimeSpan RetryAfter, long TimestampMs = 0) : IActorStreamsReply;

/// <summary>A record as a reader gets it, with its position.</summary>
internal readonly record struct ReadRecord(SequenceNumber Position, long TimestampMs, StoredRecord Record);

/// <summary>A page of records; <see cref="EndOfShard"/> (the children) once the reader has reached the end of a closed shard.</summary>
internal sealed record ReadRecordsResult(ReadRecord[] Records, SequenceNumber Next, long MillisBehindLatest, ShardClosed? EndOfShard = null) : IActorStreamsReply;

/// <summary>
/// The range asked for is older than the in-memory tail: read events [From, ToEventNoExclusive) from the journal.
/// <see cref="Closed"/> is set when the shard is closed, so the reader knows where its end is.
/// </summary>
internal sealed record ReadFromJournal(string PersistenceId, SequenceNumber From, long ToEventNoExclusive, long LatestTimestampMs,
    ShardClosed? Closed = null) : IActorStreamsReply;

/// <summary>The shard was closed by resharding before these records were stored: none of them was written; route them to the children.</summary>
internal sealed record AppendRefusedClosed(int ShardIndex, ShardClosed Closed) : IActorStreamsReply;

internal sealed record ShardClosedResult(long EndingEventNo) : IActorStreamsReply;

internal sealed record ReadThrottled(TimeSpan RetryAfter, string Message) : IActorStreamsReply;

internal sealed record IteratorResolved(SequenceNumber Position, long MinTimestampMs) : IActorStreamsReply;
