using System.Collections.Immutable;
using System.Text;
using ActorStreams.TestSupport;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// The in-memory journal, told to refuse every write while <see cref="Refuse"/> is set (as a full disk or a stopped
/// database refuses them). Only <see cref="JournalFaultSpec"/> configures it.
/// </summary>
public sealed class RefusingJournal : MemoryJournal
{
    private static int _refused;

    public static volatile bool Refuse;

    public static int Refused => Volatile.Read(ref _refused);

    public static void Reset()
    {
        Refuse = false;
        Interlocked.Exchange(ref _refused, 0);
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        if (!Refuse) return base.WriteMessagesAsync(messages, cancellationToken);
        Interlocked.Increment(ref _refused);
        return Task.FromException<IImmutableList<Exception>>(new IOException("No space left on device (RefusingJournal)"));
    }
}

/// <summary>
/// A journal that refuses writes: appends fail at once with InternalFailure (per entry in PutRecords), nothing refused
/// is acknowledged, the node holds a journal fault until a probe write on the runtime clock succeeds, then writes go
/// through again and the shard holds exactly what was acknowledged.
/// </summary>
public sealed class JournalFaultSpec(ITestOutputHelper output) : ActorStreamsSpec(output, SpecJournal.Sqlite, Config)
{
    private const string Config = """
        actorstreams.journal.provider = custom
        akka.persistence.journal.plugin = "actorstreams-spec.refusing-journal"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        actorstreams-spec.refusing-journal {
          class = "ActorStreams.Tests.RefusingJournal, ActorStreams.Tests"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;

    [Fact]
    public async Task A_journal_that_refuses_writes_must_fail_appends_at_once_and_recover_when_a_probe_write_succeeds()
    {
        RefusingJournal.Reset();
        var journal = ActorStreamsExtension.Get(Sys).Journal;
        var stream = UniqueName("refused");
        await Client.CreateStreamAsync(stream);
        await Client.PutRecordAsync(stream, Bytes("before"), "k");
        Assert.Null(journal.Fault);

        RefusingJournal.Refuse = true;
        // The write that meets the refusal is answered, not left to the ask timeout, and not acknowledged.
        var met = await Client.PutRecordsAsync(stream, [Entry("k", "refused-1"), Entry("k", "refused-2")]);
        Assert.Equal(2, met.FailedRecordCount);
        Assert.All(met.Records, r => Assert.Equal(InternalFailureException.Code, r.ErrorCode));
        Assert.NotNull(journal.Fault);
        // Later appends are refused before they reach the journal.
        var refusedBefore = RefusingJournal.Refused;
        var later = await Assert.ThrowsAsync<InternalFailureException>(() => Client.PutRecordAsync(stream, Bytes("refused-3"), "k"));
        Assert.Contains("journal refuses writes", later.Message);
        var entries = await Client.PutRecordsAsync(stream, [Entry("k", "refused-4")]);
        Assert.Contains("journal refuses writes", Assert.Single(entries.Records).ErrorMessage);

        // The probe tries on the runtime clock, and fails while the journal refuses. The clock moves on each attempt:
        // the probe's timer may be scheduled only after the first move.
        await Eventually.EventuallyAsync(() =>
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            return RefusingJournal.Refused > refusedBefore;
        }, "a refused probe write", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        Assert.NotNull(journal.Fault);

        RefusingJournal.Refuse = false;
        await Eventually.EventuallyAsync(() =>
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            return journal.Fault is null;
        }, "the fault to end", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        await Client.PutRecordAsync(stream, Bytes("after"), "k");

        var stored = (await ReadStreamAsync(stream)).Select(r => Encoding.UTF8.GetString(r.Data.Span)).ToList();
        Assert.Equal(["before", "after"], stored);
    }
}
