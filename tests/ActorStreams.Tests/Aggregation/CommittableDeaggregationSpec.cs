using System.Collections.Concurrent;
using ActorStreams.Dsl;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Aggregation;
using ActorStreams.TestSupport;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Aggregation;

/// <summary>
/// A consumer application reading aggregated records through DeaggregateCommittable: a member stopped after committing
/// a user record inside an aggregate is followed by one that resumes right after that user record (sequence number
/// plus sub-sequence number), and after committing an aggregate's last user record by one that resumes after the aggregate.
/// </summary>
public sealed class CommittableDeaggregationSpec(ITestOutputHelper output) : ActorStreamsSpec(output, SpecJournal.Sqlite, """
    actorstreams.throttling.enabled = off
    actorstreams.consumer-application.lease-duration = 10s
    actorstreams.consumer-application.renew-interval = 2s
    """)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// A member that commits each user record it gets, one by one, until it committed <paramref name="lastToCommit"/>
    /// (then <c>Committed</c> completes); it goes on reading without committing.
    /// </summary>
    private (ISourceControl Control, ConcurrentQueue<string> Seen, Task Committed) Start(string stream, string application, string lastToCommit,
        ActorSystem? system = null)
    {
        system ??= Sys;
        var seen = new ConcurrentQueue<string>();
        var committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var control = KinesisSource.Committable(system, stream, application)
            .Via(KinesisAggregation.DeaggregateCommittable())
            .SelectAsync(1, async u =>
            {
                var text = Text(u.Record.Data);
                seen.Enqueue(text);
                if (!committed.Task.IsCompleted)
                {
                    await u.CommitAsync();
                    if (text == lastToCommit) committed.TrySetResult();
                }
                return u;
            })
            .ToMaterialized(Sink.Ignore<CommittableUserRecord>(), Keep.Left)
            .Run(system == Sys ? Materializer : system.Materializer());
        return (control, seen, committed.Task);
    }

    private async Task PutAggregatesAsync(string stream, params string[][] aggregates)
    {
        foreach (var users in aggregates)
        {
            var data = KplAggregate.Encode(users.Select(u => Entry($"key-{u}", u)).ToList());
            Assert.Equal(0, (await Client.PutRecordsAsync(stream, [new PutRecordsEntry(data, "aggregate")])).FailedRecordCount);
        }
    }

    private async Task<List<string>> RunUntilAsync(string stream, string application, string lastToCommit, int expected, ActorSystem? system = null)
    {
        var (control, seen, committed) = Start(stream, application, lastToCommit, system);
        // A new member is leased the shard at once, or after the previous member's lease is released at its renewal.
        for (var i = 0; seen.Count < expected; i++)
        {
            Assert.True(i < 20, $"the member saw {string.Join(", ", seen)}");
            if (!await Eventually.HoldsWithinAsync(() => Task.FromResult(seen.Count >= expected), TimeSpan.FromSeconds(3), PollInterval))
                Clock.Advance(TimeSpan.FromSeconds(2));
        }
        await committed.WaitAsync(Timeout);
        control.Stop();
        await control.Completion.WaitAsync(Timeout);
        return [.. seen];
    }

    [Fact]
    public async Task A_member_stopped_inside_an_aggregate_must_be_followed_by_one_that_resumes_after_its_last_committed_user_record()
    {
        var stream = UniqueName("aggkcl");
        await Client.CreateStreamAsync(stream);
        const string app = "deagg";
        await PutAggregatesAsync(stream, ["a0", "a1", "a2"], ["b0", "b1", "b2"], ["c0", "c1"]);

        // Commits up to b1, inside the second aggregate.
        var first = await RunUntilAsync(stream, app, "b1", 8);
        Assert.Equal(["a0", "a1", "a2", "b0", "b1", "b2", "c0", "c1"], first);

        var checkpoint = (await Client.Extension.ConsumerApplications.GetAsync(stream, app, CancellationToken.None)).Checkpoints[0];
        Assert.Equal(2, checkpoint.UserRecordsDone);

        // Resumes inside the second aggregate, after b1, and commits up to b2, its last user record.
        var second = await RunUntilAsync(stream, app, "b2", 3);
        Assert.Equal(["b2", "c0", "c1"], second);

        // Resumes after the second aggregate.
        var third = await RunUntilAsync(stream, app, "c1", 2);
        Assert.Equal(["c0", "c1"], third);
    }

    [Fact]
    public async Task An_application_killed_inside_an_aggregate_must_resume_after_its_last_checkpointed_user_record_from_the_journal()
    {
        var stream = UniqueName("aggkill");
        await Client.CreateStreamAsync(stream);
        const string app = "deagg-kill";
        await PutAggregatesAsync(stream, ["a0", "a1", "a2", "a3"], ["b0", "b1"]);

        var (_, seen, committed) = Start(stream, app, "a2");
        await committed.WaitAsync(Timeout);
        await Eventually.EventuallyAsync(() => seen.Count == 6, "the first run reads everything", Timeout, PollInterval);
        // Killed: the system goes without the source leaving the application.
        await Sys.Terminate();

        var system = StartAnotherSystem("actorstreams-restarted");
        try
        {
            // The recovered application grants no lease for one lease duration (the killed member may still read).
            var resumed = await RunUntilAsync(stream, app, "b1", 3, system);
            Assert.Equal(["a3", "b0", "b1"], resumed);
        }
        finally
        {
            await system.Terminate();
        }
    }
}
