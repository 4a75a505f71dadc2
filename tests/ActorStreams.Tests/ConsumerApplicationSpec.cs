using System.Collections.Concurrent;
using ActorStreams.Dsl;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Settings;
using ActorStreams.TestSupport;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Consumer applications (KinesisSource.Committable with Committer.Sink): leases shared between members that join,
/// leave and die, children leased only after their parents' SHARD_END checkpoints, and checkpoints that survive a
/// restart. Throttling is off and the clock moves only when a test advances it, so every lease renewal and expiry
/// happens when the test says (leases last 10 s, renewals every 2 s of the runtime clock).
/// </summary>
public abstract class ConsumerApplicationSpec(ITestOutputHelper output, SpecJournal journal)
    : ActorStreamsSpec(output, journal, """
        actorstreams.throttling.enabled = off
        actorstreams.consumer-application.lease-duration = 10s
        actorstreams.consumer-application.renew-interval = 2s
        """)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Renew = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly CommitterSettings Commits = new(maxBatch: 20, maxInterval: TimeSpan.FromMilliseconds(20), parallelism: 1);

    /// <summary>One running member: what it saw, in order, and a switch that stops its commits.</summary>
    private sealed class Member(ActorMaterializer materializer)
    {
        public ConcurrentQueue<CommittableRecord> Seen { get; } = new();
        public volatile bool Commits = true;
        public ISourceControl Control { get; set; } = null!;
        public ActorMaterializer Materializer { get; } = materializer;
        /// <summary>Fails the member's stream: it stops without leaving, like a crashed process.</summary>
        public SharedKillSwitch Crash { get; } = KillSwitches.Shared("crash");
        public List<int> Counters => Seen.Where(r => !IsMarker(r)).Select(Counter).ToList();
    }

    private Member Start(string stream, string application, ActorSystem? system = null)
    {
        system ??= Sys;
        var member = new Member(system == Sys ? Materializer : system.Materializer());
        member.Control = KinesisSource.Committable(system, stream, application)
            .Via(member.Crash.Flow<CommittableRecord>())
            .Select(r =>
            {
                member.Seen.Enqueue(r);
                return r;
            })
            .Where(_ => member.Commits)
            .Select(r => (ICommittable)r)
            .ToMaterialized(Committer.Sink(Commits), Keep.Left)
            .Run(member.Materializer);
        return member;
    }

    private async Task<List<string>> PutAsync(string stream, int from, int count, int keys)
    {
        var entries = Enumerable.Range(from, count).Select(i => Entry($"key-{i % keys}", $"key-{i % keys}:{i}")).ToList();
        Assert.Equal(0, (await Client.PutRecordsAsync(stream, entries)).FailedRecordCount);
        return entries.Select(e => Text(e.Data)).ToList();
    }

    /// <summary>
    /// Proves that nothing more is coming instead of waiting a while: one marker record goes to every open shard, and
    /// once the members have seen every marker, each shard was read past everything written before it (a shard is read
    /// in order), so a duplicate or a stray record would already be in <see cref="Member.Seen"/>.
    /// </summary>
    private Task SettleAsync(string stream, params Member[] members) => SettleAsync(stream, Client, members);

    /// <inheritdoc cref="SettleAsync(string, Member[])"/>
    private async Task SettleAsync(string stream, ActorStreamsClient client, params Member[] members)
    {
        var open = (await client.ListShardsAsync(stream)).Where(s => s.IsOpen).ToList();
        var markers = open.Select(s => Entry("marker", $"{MarkerPrefix}{s.ShardId}", s.HashKeyRange.StartingHashKey.ToString())).ToList();
        Assert.Equal(0, (await client.PutRecordsAsync(stream, markers)).FailedRecordCount);
        var expected = markers.Select(m => Text(m.Data)).ToHashSet();
        await UntilAsync(() => expected.IsSubsetOf(members.SelectMany(m => m.Seen).Where(IsMarker).Select(r => Text(r.Record.Data))),
            "every shard's marker");
    }

    private const string MarkerPrefix = "marker:";

    private static bool IsMarker(CommittableRecord r) => Text(r.Record.Data).StartsWith(MarkerPrefix, StringComparison.Ordinal);

    private Task<ConsumerApplicationState> StateAsync(string stream, string application, ActorStreamsClient? client = null) =>
        (client ?? Client).Extension.ConsumerApplications.GetAsync(stream, application, CancellationToken.None);

    /// <summary>Advances the clock one renewal at a time until <paramref name="condition"/> holds.</summary>
    private async Task RenewUntilAsync(Func<Task<bool>> condition, string what, int maxRenewals = 20)
    {
        for (var i = 0; i <= maxRenewals; i++)
        {
            if (await Eventually.HoldsWithinAsync(condition, TimeSpan.FromSeconds(3), PollInterval)) return;
            Clock.Advance(Renew);
        }
        Assert.Fail($"Not reached after {maxRenewals} renewals: {what}");
    }

    private static Task UntilAsync(Func<bool> condition, string what) => Eventually.EventuallyAsync(condition, what, Timeout, PollInterval);

    [JournalFact]
    public async Task Members_must_share_shards_rebalance_when_one_joins_and_take_over_after_one_dies()
    {
        var stream = UniqueName("kcl");
        await Client.CreateStreamAsync(stream, 4);
        const string app = "billing";
        await PutAsync(stream, 0, 40, 8);

        var a = Start(stream, app);
        await UntilAsync(() => a.Seen.Count == 40, "the only member reads every shard");
        await UntilAsync(() => AllCommittedAsync(stream, app, a), "the first member's commits");
        var state = await StateAsync(stream, app);
        Assert.Equal(4, state.Leases.Count);
        Assert.Single(state.Leases.Values.Distinct());

        // A second member joins: the first gives up half of its shards, which the second takes.
        var b = Start(stream, app);
        await RenewUntilAsync(async () =>
        {
            var s = await StateAsync(stream, app);
            return s.Members.Length == 2 && s.Leases.Count == 4 && s.Leases.Values.GroupBy(m => m).All(g => g.Count() == 2);
        }, "two shards each");
        await PutAsync(stream, 40, 40, 8);
        await UntilAsync(() => a.Seen.Count + b.Seen.Count == 80, "both members read the new records");
        Assert.True(b.Seen.Count > 0);
        Assert.Equal(Enumerable.Range(0, 80), a.Counters.Concat(b.Counters).Order());
        await UntilAsync(() => AllCommittedAsync(stream, app, a, b), "both members' commits");

        // The first member stops committing, reads some more, and dies.
        a.Commits = false;
        var seenByA = a.Seen.Count;
        var seenByB = b.Seen.Count;
        await PutAsync(stream, 80, 40, 8);
        await UntilAsync(() => a.Seen.Count + b.Seen.Count == 120, "both members read the third batch");
        var uncommitted = a.Seen.Skip(seenByA).Select(Counter).ToHashSet();
        Assert.NotEmpty(uncommitted);
        await UntilAsync(() => AllCommittedAsync(stream, app, b), "the survivor's commits");
        // The member fails without stopping its source: it leaves nothing behind but leases that expire.
        a.Crash.Abort(new InvalidOperationException("member crashed"));
        await Assert.ThrowsAnyAsync<Exception>(() => a.Control.Completion.WaitAsync(Timeout));
        // Anything the failed member sent its application before completing is ahead of this query in the entity's mailbox.
        Assert.Equal(2, (await StateAsync(stream, app)).Leases.Values.Distinct().Count());

        // After the lease expires the survivor takes every shard and resumes after the dead member's checkpoints:
        // exactly the records it had not committed come again.
        await RenewUntilAsync(async () =>
        {
            var s = await StateAsync(stream, app);
            return s.Members.Length == 1 && s.Leases.Count == 4;
        }, "the survivor holds every shard");
        await UntilAsync(() => b.Seen.Skip(seenByB).Select(Counter).ToHashSet().IsSupersetOf(uncommitted), "redelivery of uncommitted records");
        var afterDeath = b.Seen.Skip(seenByB).Select(Counter).ToList();
        Assert.Equal(afterDeath.Count, afterDeath.Distinct().Count());
        Assert.Equal(Enumerable.Range(80, 40), afterDeath.Order());
        AssertPerKeyOrder(b.Seen.Skip(seenByB));
        AssertPerKeyOrder(b.Seen.Take(seenByB));
        AssertPerKeyOrder(a.Seen);
        await UntilAsync(() => AllCommittedAsync(stream, app, b), "the survivor's commits after the takeover");

        // A member that stops leaves at once: a new one gets every shard without waiting for an expiry.
        b.Control.Stop();
        await b.Control.Completion.WaitAsync(Timeout);
        await UntilAsync(async () => (await StateAsync(stream, app)).Members.Length == 0, "the stopped member left");
        var c = Start(stream, app);
        await UntilAsync(async () => (await StateAsync(stream, app)).Leases.Count == 4, "the new member holds every shard");
        await PutAsync(stream, 120, 8, 8);
        await UntilAsync(() => c.Seen.Count >= 8, "the new member reads the new records");
        await SettleAsync(stream, c);
        Assert.Equal(Enumerable.Range(120, 8), c.Counters.Order());
        c.Control.Stop();
        await c.Control.Completion.WaitAsync(Timeout);
    }

    [JournalFact]
    public async Task Children_must_be_leased_only_after_their_parents_were_read_to_the_end_across_a_split_and_a_merge()
    {
        var stream = UniqueName("kclres");
        await Client.CreateStreamAsync(stream, 2);
        const string app = "lineage";
        var a = Start(stream, app);
        await PutAsync(stream, 0, 30, 6);
        await UntilAsync(() => a.Seen.Count == 30, "the parents' records");

        var shard0 = (await Client.ListShardsAsync(stream)).Single(s => s.ShardId.Index == 0).HashKeyRange;
        await Client.SplitShardAsync(stream, new StreamShardId(0).ToString(),
            (shard0.StartingHashKey + (shard0.EndingHashKey - shard0.StartingHashKey) / 2).ToString());
        await PutAsync(stream, 30, 30, 6);
        // Children are leased once the parents' SHARD_END checkpoints are in, at the latest at the next renewal.
        await RenewUntilAsync(() => Task.FromResult(a.Seen.Count == 60), "records written after the split");
        await Client.MergeShardsAsync(stream, new StreamShardId(2).ToString(), new StreamShardId(3).ToString());
        await PutAsync(stream, 60, 30, 6);
        // Children are leased once the parents' SHARD_END checkpoints are in, at the latest at the next renewal.
        await RenewUntilAsync(() => Task.FromResult(a.Seen.Count == 90), "records written after the merge");
        await SettleAsync(stream, a);

        var seen = a.Seen.Where(r => !IsMarker(r)).ToList();
        Assert.Equal(Enumerable.Range(0, 90), seen.Select(Counter).Order());
        AssertPerKeyOrder(seen);
        int First(int shard) => seen.FindIndex(r => r.ShardId.Index == shard);
        int Last(int shard) => seen.FindLastIndex(r => r.ShardId.Index == shard);
        Assert.True(First(4) >= 0 && First(2) >= 0 && First(3) >= 0);
        Assert.True(First(2) > Last(0) && First(3) > Last(0), "a split's children come after their parent");
        Assert.True(First(4) > Last(2) && First(4) > Last(3), "a merge's child comes after both parents");

        await UntilAsync(async () =>
        {
            var s = await StateAsync(stream, app);
            return new[] { 0, 2, 3 }.All(i => s.Checkpoints.TryGetValue(i, out var c) && c.ShardEnd);
        }, "SHARD_END checkpoints of the closed shards");
        var state = await StateAsync(stream, app);
        Assert.Equal([1, 4], state.Leases.Keys);
        a.Control.Stop();
        await a.Control.Completion.WaitAsync(Timeout);
    }

    [JournalFact]
    public async Task A_restarted_application_must_resume_after_its_last_checkpoint()
    {
        var stream = UniqueName("kclrst");
        await Client.CreateStreamAsync(stream, 2);
        const string app = "resume";
        await PutAsync(stream, 0, 30, 5);
        var a = Start(stream, app);
        await UntilAsync(() => a.Seen.Count == 30, "the first run reads everything");
        await UntilAsync(() => AllCommittedAsync(stream, app, a), "the first run's commits");
        a.Control.Stop();
        await a.Control.Completion.WaitAsync(Timeout);
        await PutAsync(stream, 30, 10, 5);

        await Sys.Terminate();
        var system = StartAnotherSystem("actorstreams-restarted");
        try
        {
            var b = Start(stream, app, system);
            // The recovered application grants no lease for one lease duration (a member of before may still read).
            await RenewUntilAsync(() => Task.FromResult(b.Seen.Count >= 10), "the restarted application reads the new records");
            await SettleAsync(stream, ActorStreamsExtension.Get(system).Client, b);
            Assert.Equal(Enumerable.Range(30, 10), b.Counters.Order());
            AssertPerKeyOrder(b.Seen);
            b.Control.Stop();
            await b.Control.Completion.WaitAsync(Timeout);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [JournalFact]
    public async Task An_application_starting_at_LATEST_must_skip_history_and_keep_what_is_written_once_it_started()
    {
        var stream = UniqueName("kcllat");
        await Client.CreateStreamAsync(stream, 2);
        await PutAsync(stream, 0, 10, 4);
        var member = new Member(Materializer);
        member.Control = KinesisSource.Committable(Sys, stream, "tail",
                ConsumerApplicationSettings.Create(Sys).WithInitialPosition(ShardIteratorType.Latest))
            .Select(r =>
            {
                member.Seen.Enqueue(r);
                return (ICommittable)r;
            })
            .ToMaterialized(Committer.Sink(Commits), Keep.Left)
            .Run(member.Materializer);
        // LATEST is pinned as a checkpoint as soon as a shard is leased.
        await UntilAsync(async () => (await StateAsync(stream, "tail")).Checkpoints.Count == 2, "the pinned start");
        await PutAsync(stream, 10, 6, 4);
        await UntilAsync(() => member.Seen.Count >= 6, "the new records");
        await SettleAsync(stream, member);
        Assert.Equal(Enumerable.Range(10, 6), member.Counters.Order());
        member.Control.Stop();
        await member.Control.Completion.WaitAsync(Timeout);
    }

    [JournalFact]
    public async Task Checkpoints_must_only_move_forward_and_stay_at_SHARD_END()
    {
        var stream = UniqueName("kclfwd");
        await Client.CreateStreamAsync(stream);
        var created = await Client.Extension.Router.GetEntryAsync(stream, CancellationToken.None);
        var entityId = ConsumerApplicationEntity.EntityId(stream, created.Epoch, "fwd");
        Task Commit(long eventNo, bool end) => Client.Extension.ConsumerApplications.CommitCheckpointsAsync(
            new CommitCheckpoints(entityId, "member", [new CheckpointUpdate(0, new SequenceNumber(eventNo, 0), end)]), CancellationToken.None);

        await Commit(5, false);
        await Commit(3, false); // a late commit from a member that lost the lease
        Assert.Equal(new SequenceNumber(5, 0), (await StateAsync(stream, "fwd")).Checkpoints[0].Position);
        await Commit(7, true);
        await Commit(9, false);
        var checkpoint = (await StateAsync(stream, "fwd")).Checkpoints[0];
        Assert.True(checkpoint.ShardEnd);
        Assert.Equal(new SequenceNumber(7, 0), checkpoint.Position);
    }

    [JournalFact]
    public async Task Committable_source_must_reject_bad_arguments_and_fail_for_a_missing_stream()
    {
        Assert.Throws<ValidationException>(() => KinesisSource.Committable(Sys, "s", "bad/name"));
        Assert.Throws<ValidationException>(() => KinesisSource.Committable(Sys, "s", ""));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConsumerApplicationSettings(ShardIteratorType.TrimHorizon, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConsumerApplicationSettings(ShardIteratorType.AtTimestamp, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CommitterSettings(0, TimeSpan.FromSeconds(1), 1));
        var missing = Start(UniqueName("missing"), "app");
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => missing.Control.Completion.WaitAsync(Timeout));
    }

    /// <summary>Whether every record the members saw is covered by its shard's checkpoint.</summary>
    private async Task<bool> AllCommittedAsync(string stream, string application, params Member[] members)
    {
        var state = await StateAsync(stream, application);
        foreach (var shard in members.SelectMany(m => m.Seen).GroupBy(r => r.ShardId.Index))
        {
            var last = shard.Max(r => SequenceNumber.Parse(r.SequenceNumber, "SequenceNumber"));
            if (!state.Checkpoints.TryGetValue(shard.Key, out var c) || (!c.ShardEnd && c.Position <= last)) return false;
        }
        return true;
    }

    private static void AssertPerKeyOrder(IEnumerable<CommittableRecord> records)
    {
        foreach (var key in records.Where(r => !IsMarker(r)).GroupBy(r => r.Record.PartitionKey))
        {
            var counters = key.Select(Counter).ToList();
            Assert.True(counters.Order().SequenceEqual(counters), $"{key.Key} out of order: [{string.Join(",", counters)}]");
        }
    }

    private static Task UntilAsync(Func<Task<bool>> condition, string what) => Eventually.EventuallyAsync(condition, what, Timeout, PollInterval);

    private static int Counter(CommittableRecord r) => int.Parse(Text(r.Record.Data).Split(':')[1]);
}

public sealed class ConsumerApplicationSqliteSpec(ITestOutputHelper output) : ConsumerApplicationSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class ConsumerApplicationPostgreSqlSpec(ITestOutputHelper output) : ConsumerApplicationSpec(output, SpecJournal.PostgreSql);
