using System.Collections.Immutable;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal;

// Consumer lag: a node's report of what it knows first-hand (ConsumerLagTracker), asked of every cluster member by
// ActorStreamsClient.GetConsumerLagAsync, and a StreamShard's answer to how far behind its tip a position is (a
// consumer application's checkpoint). Both cross nodes, so both have wire formats in ActorStreamsMessageSerializer.

/// <summary>Asks a node's <see cref="ConsumerLagReporter"/> for its <see cref="ConsumerLagReport"/> on one incarnation of a stream.</summary>
internal sealed record GetConsumerLagReport(string StreamName, long Epoch) : IActorStreamsMessage;

/// <summary>One node's view: its fan-out subscriptions, the iterator ages of its polling reads, its consumer application entities.</summary>
internal sealed record ConsumerLagReport(
    ImmutableArray<FanOutLagEntry> Subscriptions,
    ImmutableArray<IteratorAgeEntry> IteratorAges,
    ImmutableArray<string> Applications) : IActorStreamsReply
{
    public bool Equals(ConsumerLagReport? other) =>
        other is not null && Subscriptions.SequenceEqual(other.Subscriptions) && IteratorAges.SequenceEqual(other.IteratorAges)
        && Applications.SequenceEqual(other.Applications);

    public override int GetHashCode() => HashCode.Combine(Subscriptions.Length, IteratorAges.Length, Applications.Length);
}

/// <summary>The last event an enhanced fan-out subscription of <paramref name="ConsumerArn"/> to a shard sent.</summary>
internal sealed record FanOutLagEntry(string ConsumerArn, int ShardIndex, long MillisBehindLatest, long ObservedAtMs, string? Continuation, bool Active);

/// <summary>The largest MillisBehindLatest of a shard's polling reads within the window, the last one, and when that was.</summary>
internal sealed record IteratorAgeEntry(int ShardIndex, long MaxMillisBehindLatest, long LastMillisBehindLatest, long LastReadAtMs);

/// <summary>
/// How far behind the shard's tip <paramref name="Position"/> (the next record a consumer will process) is; answered with
/// <see cref="PositionLagResult"/>.
/// </summary>
internal sealed record GetPositionLag(string EntityId, SequenceNumber Position) : IStreamShardCommand, IResendableCommand;

/// <summary>
/// <paramref name="MillisBehindLatest"/>: now minus the arrival time of the first record at or after the position, 0 when
/// there is none; <paramref name="Exact"/> false when that record is older than the hot tail and its arrival time comes
/// from the sparse time index (the start of the time-index interval of the position's event), so the lag is an upper bound.
/// </summary>
internal sealed record PositionLagResult(long MillisBehindLatest, bool Exact) : IActorStreamsReply;
