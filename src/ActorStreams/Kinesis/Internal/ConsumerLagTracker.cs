using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using ActorStreams.Diagnostics;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Kinesis.Internal.Subscriptions;

namespace ActorStreams.Kinesis.Internal;

/// <summary>
/// What this node knows about the consumers of its streams, where it is known first-hand: the MillisBehindLatest of the
/// last event each enhanced fan-out subscription running here sent (per consumer and shard), the largest
/// MillisBehindLatest the polling reads made here saw per shard over the last <see cref="WindowSeconds"/> seconds
/// (GetRecords callers are anonymous in Kinesis too: their lag is the shard's iterator age), and the consumer
/// application entities that run here. <see cref="ActorStreamsClient.GetConsumerLagAsync"/> gathers every node's report.
/// Nothing is persisted: a restarted node starts empty, and subscriptions report again with their next event.
/// </summary>
internal sealed class ConsumerLagTracker
{
    /// <summary>How long the largest iterator age of a shard's polling reads is remembered.</summary>
    public const int WindowSeconds = 60;

    /// <summary>An ended subscription is still reported (as inactive) for this long after its last event.</summary>
    public static readonly TimeSpan EndedSubscriptionExpiry = TimeSpan.FromMinutes(10);

    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<(string EntityId, string ConsumerArn), SubscriptionLag> _subscriptions = new();
    private readonly ConcurrentDictionary<string, PollLag> _polls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _applications = new(StringComparer.Ordinal);

    public ConsumerLagTracker(TimeProvider clock) => _clock = clock;

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>An enhanced fan-out subscription sent an event (records or a heartbeat) with this lag.</summary>
    public void SubscriptionEvent(string entityId, string consumerArn, string subscriptionId, long millisBehindLatest, string? continuation)
    {
        var lag = new SubscriptionLag(subscriptionId, millisBehindLatest, NowMs, continuation, Active: true);
        _subscriptions[(entityId, consumerArn)] = lag;
    }

    /// <summary>The subscription ended: its last lag stays visible, marked inactive, until it expires.</summary>
    public void SubscriptionEnded(string entityId, string consumerArn, string subscriptionId)
    {
        var key = (entityId, consumerArn);
        // A newer subscription of the same consumer and shard may have taken over already: leave its entry alone.
        if (_subscriptions.TryGetValue(key, out var lag) && lag.SubscriptionId == subscriptionId)
            _subscriptions.TryUpdate(key, lag with { Active = false }, lag);
    }

    /// <summary>A polling read (GetRecords, a shard source, a consumer application member) of shard entity <paramref name="entityId"/>.</summary>
    public void PolledRead(string entityId, long millisBehindLatest) =>
        _polls.GetOrAdd(entityId, static _ => new PollLag()).Observe(NowMs, millisBehindLatest);

    public void ApplicationStarted(string applicationEntityId) => _applications[applicationEntityId] = 0;

    public void ApplicationStopped(string applicationEntityId) => _applications.TryRemove(applicationEntityId, out _);

    /// <summary>Forgets a deleted StreamShard: its subscriptions' lag and its iterator ages.</summary>
    public void ForgetShard(string entityId)
    {
        _polls.TryRemove(entityId, out _);
        foreach (var key in _subscriptions.Keys)
            if (key.EntityId == entityId) _subscriptions.TryRemove(key, out _);
    }

    /// <summary>Forgets everything of every incarnation of a deleted stream.</summary>
    public void ForgetStream(string streamName)
    {
        var prefix = streamName + "/";
        foreach (var key in _polls.Keys)
            if (key.StartsWith(prefix, StringComparison.Ordinal)) _polls.TryRemove(key, out _);
        foreach (var key in _subscriptions.Keys)
            if (key.EntityId.StartsWith(prefix, StringComparison.Ordinal)) _subscriptions.TryRemove(key, out _);
    }

    /// <summary>Forgets the subscriptions of a deregistered consumer.</summary>
    public void ForgetConsumer(string streamName, string consumerName)
    {
        var prefix = streamName + "/";
        foreach (var key in _subscriptions.Keys)
        {
            if (key.EntityId.StartsWith(prefix, StringComparison.Ordinal) && ConsumerLagMetrics.ConsumerName(key.ConsumerArn) == consumerName)
                _subscriptions.TryRemove(key, out _);
        }
    }

    /// <summary>How many subscriptions, polled shards and applications this node keeps (what a test of forgetting asserts on).</summary>
    public int EntryCount => _subscriptions.Count + _polls.Count + _applications.Count;

    /// <summary>This node's report for one incarnation of a stream.</summary>
    public ConsumerLagReport Report(string streamName, long epoch)
    {
        var now = NowMs;
        Prune(now);
        var subscriptions = ImmutableArray.CreateBuilder<FanOutLagEntry>();
        foreach (var ((entityId, arn), lag) in _subscriptions)
        {
            if (Matches(entityId, streamName, epoch, out var shardIndex))
                subscriptions.Add(new FanOutLagEntry(arn, shardIndex, lag.MillisBehindLatest, lag.ObservedAtMs, lag.Continuation, lag.Active));
        }
        var ages = ImmutableArray.CreateBuilder<IteratorAgeEntry>();
        foreach (var (entityId, poll) in _polls)
        {
            if (Matches(entityId, streamName, epoch, out var shardIndex) && poll.Snapshot(now) is { } age)
                ages.Add(new IteratorAgeEntry(shardIndex, age.Max, age.Last, age.LastAtMs));
        }
        var applications = ImmutableArray.CreateBuilder<string>();
        foreach (var id in _applications.Keys)
        {
            var (stream, appEpoch, application) = ConsumerApplicationEntity.Parse(id);
            if (stream == streamName && appEpoch == epoch) applications.Add(application);
        }
        return new ConsumerLagReport(subscriptions.ToImmutable(), ages.ToImmutable(), applications.ToImmutable());
    }

    /// <summary>Every running subscription's lag and every shard's iterator age, for the OpenTelemetry gauges.</summary>
    public IEnumerable<(string EntityId, string ConsumerArn, long MillisBehindLatest)> ActiveSubscriptions() =>
        _subscriptions.Where(kv => kv.Value.Active).Select(kv => (kv.Key.EntityId, kv.Key.ConsumerArn, kv.Value.MillisBehindLatest)).ToList();

    /// <inheritdoc cref="ActiveSubscriptions"/>
    public IEnumerable<(string EntityId, long MaxMillisBehindLatest)> IteratorAges()
    {
        var now = NowMs;
        Prune(now);
        var result = new List<(string, long)>();
        foreach (var (entityId, poll) in _polls)
            if (poll.Snapshot(now) is { } age) result.Add((entityId, age.Max));
        return result;
    }

    /// <summary>Forgets ended subscriptions and shards without polling reads once they are older than the expiry.</summary>
    private void Prune(long now)
    {
        var expiry = (long)EndedSubscriptionExpiry.TotalMilliseconds;
        foreach (var entry in _subscriptions)
            if (!entry.Value.Active && now - entry.Value.ObservedAtMs > expiry) _subscriptions.TryRemove(entry);
        foreach (var entry in _polls)
            if (now - entry.Value.LastAtMs > expiry) _polls.TryRemove(entry);
    }

    private static bool Matches(string entityId, string streamName, long epoch, out int shardIndex)
    {
        shardIndex = -1;
        // "stream/epoch/index" (StreamShardEntity.EntityId); stream names hold no '/'.
        var parts = entityId.Split('/');
        if (parts.Length != 3 || parts[0] != streamName
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var entityEpoch) || entityEpoch != epoch)
            return false;
        return int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out shardIndex);
    }

    private sealed record SubscriptionLag(string SubscriptionId, long MillisBehindLatest, long ObservedAtMs, string? Continuation, bool Active);

    /// <summary>The largest MillisBehindLatest per second over the window, and the last one seen.</summary>
    private sealed class PollLag
    {
        private readonly object _gate = new();
        private readonly long[] _max = new long[WindowSeconds];
        private readonly long[] _second = new long[WindowSeconds];
        private long _last;

        public long LastAtMs { get; private set; }

        public void Observe(long nowMs, long millisBehindLatest)
        {
            var second = nowMs / 1000;
            var slot = (int)(second % WindowSeconds);
            lock (_gate)
            {
                if (_second[slot] != second)
                {
                    _second[slot] = second;
                    _max[slot] = millisBehindLatest;
                }
                else if (millisBehindLatest > _max[slot]) _max[slot] = millisBehindLatest;
                _last = millisBehindLatest;
                LastAtMs = nowMs;
            }
        }

        /// <summary>The window's maximum, or null when nothing was read within it.</summary>
        public (long Max, long Last, long LastAtMs)? Snapshot(long nowMs)
        {
            var now = nowMs / 1000;
            lock (_gate)
            {
                long? max = null;
                for (var i = 0; i < WindowSeconds; i++)
                {
                    if (_second[i] > now - WindowSeconds && _second[i] <= now && (max is null || _max[i] > max)) max = _max[i];
                }
                return max is { } m ? (m, _last, LastAtMs) : null;
            }
        }
    }
}
