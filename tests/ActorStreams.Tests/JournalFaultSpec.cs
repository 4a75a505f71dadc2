using System.Collections.Immutable;
using System.Text;
using ActorStreams.Kinesis;
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

    /// <summary>Refuse only the writes of the persistence ids that start with this (one stream's shards, say).</summary>
    public static volatile string? RefusePrefix;

    public static int Refused => Volatile.Read(ref _refused);

    public static void Reset()
    {
        Refuse = false;
        RefusePrefix = null;
        Interlocked.Exchange(ref _refused, 0);
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        var refuse = Refuse || (RefusePrefix is { } prefix && writes.Any(w => w.PersistenceId.StartsWith(prefix, StringComparison.Ordinal)));
        if (!refuse) return base.WriteMessagesAsync(writes, cancellationToken);
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

    [Fact]
    public async Task A_stream_whose_shards_could_not_be_created_must_be_retried_on_the_runtime_clock_and_turn_ACTIVE()
    {
        RefusingJournal.Reset();
        var journal = ActorStreamsExtension.Get(Sys).Journal;
        var stream = UniqueName("slow-shards");
        // The catalog stores the stream; its shards cannot store their first event (a journal under load, say).
        RefusingJournal.RefusePrefix = "streamshard-" + stream + "/";
        var failed = await Assert.ThrowsAsync<InternalFailureException>(() => Client.CreateStreamAsync(stream, 2));
        Assert.Contains("Creating the shards", failed.Message);
        Assert.Equal(StreamStatus.Creating, (await Client.DescribeStreamSummaryAsync(stream)).StreamStatus);

        // Still refused: the retries on the runtime clock keep failing, and the stream stays CREATING.
        var refusedBefore = RefusingJournal.Refused;
        await Eventually.EventuallyAsync(() =>
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            return RefusingJournal.Refused > refusedBefore;
        }, "a retried shard creation", TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        Assert.Equal(StreamStatus.Creating, (await Client.DescribeStreamSummaryAsync(stream)).StreamStatus);

        // The journal takes the shards' writes again: the next retry creates them, without a restart.
        RefusingJournal.RefusePrefix = null;
        await Eventually.EventuallyAsync(async () =>
        {
            Clock.Advance(TimeSpan.FromSeconds(5));
            return journal.Fault is null && (await Client.DescribeStreamSummaryAsync(stream)).StreamStatus == StreamStatus.Active;
        }, "the stream to turn ACTIVE", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        await Client.PutRecordAsync(stream, Bytes("created"), "k");
        Assert.Equal(["created"], (await ReadStreamAsync(stream)).Select(r => Encoding.UTF8.GetString(r.Data.Span)).ToList());
    }

    [Fact]
    public void Shard_work_retries_must_back_off_from_1_s_to_at_most_30_s()
    {
        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], Enumerable.Range(1, 8)
            .Select(n => (int)ActorStreams.Kinesis.Internal.Catalog.StreamCatalogActor.ShardWorkRetryDelay(n).TotalSeconds));
    }
}
