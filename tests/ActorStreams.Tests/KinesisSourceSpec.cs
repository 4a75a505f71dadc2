using ActorStreams.Dsl;
using ActorStreams.Kinesis;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// KinesisSource.Shard and .Stream: history first, then live records as they are written, until stopped. Throttling
/// stays on and the clock stands still, so a source that polled would run out of its 5 reads per second and stall.
/// </summary>
public abstract class KinesisSourceSpec(ITestOutputHelper output, SpecJournal journal) : ActorStreamsSpec(output, journal)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private (ISourceControl Control, TestSubscriber.Probe<StreamRecord> Probe) Run(Source<StreamRecord, ISourceControl> source) =>
        source.ToMaterialized(this.SinkProbe<StreamRecord>(), Keep.Both).Run(Materializer);

    private static async Task<List<StreamRecord>> NextAsync(TestSubscriber.Probe<StreamRecord> probe, int count)
    {
        var records = new List<StreamRecord>();
        await foreach (var record in probe.ExpectNextNAsync(count, Timeout)) records.Add(record);
        return records;
    }

    private async Task<List<string>> PutAsync(string stream, IEnumerable<PutRecordsEntry> entries)
    {
        var list = entries.ToList();
        var result = await Client.PutRecordsAsync(stream, list);
        Assert.Equal(0, result.FailedRecordCount);
        return list.Select(e => Text(e.Data)).ToList();
    }

    [JournalFact]
    public async Task Shard_source_must_emit_history_in_order_then_live_records_and_complete_when_stopped()
    {
        var stream = UniqueName("shardsrc");
        await Client.CreateStreamAsync(stream);
        var history = await PutAsync(stream, Enumerable.Range(0, 5).Select(i => Entry($"k{i % 2}", $"old-{i}")));
        history.AddRange(await PutAsync(stream, Enumerable.Range(5, 3).Select(i => Entry($"k{i % 2}", $"old-{i}"))));

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var (control, probe) = Run(KinesisSource.Shard(Sys, stream, new StreamShardId(0), StartingPosition.TrimHorizon));
            probe.Request(100);
            var old = await NextAsync(probe, history.Count);
            Assert.Equal(history, old.Select(r => Text(r.Data)));
            Assert.Equal(old.Select(r => Numeric(r.SequenceNumber)).Order(), old.Select(r => Numeric(r.SequenceNumber)));

            var live = await PutAsync(stream, Enumerable.Range(0, 4).Select(i => Entry($"k{i % 2}", $"live-{i}")));
            var fresh = await NextAsync(probe, live.Count);
            Assert.Equal(live, fresh.Select(r => Text(r.Data)));
            Assert.True(Numeric(fresh[0].SequenceNumber) > Numeric(old[^1].SequenceNumber));

            var later = await PutAsync(stream, [Entry("k0", "later")]);
            Assert.Equal(later, (await NextAsync(probe, 1)).Select(r => Text(r.Data)));

            control.Stop();
            await probe.ExpectCompleteAsync();
            await control.Completion.WaitAsync(Timeout);
            Assert.True(control.Completion.IsCompletedSuccessfully);
        }, Materializer);
    }

    [JournalFact]
    public async Task Shard_source_must_start_at_a_sequence_number_or_a_timestamp()
    {
        var stream = UniqueName("startsrc");
        await Client.CreateStreamAsync(stream);
        var batchA = await Client.PutRecordsAsync(stream, Enumerable.Range(0, 4).Select(i => Entry("k", $"a{i}")).ToList());
        Clock.Advance(TimeSpan.FromSeconds(10));
        var timeOfB = Clock.GetUtcNow();
        await PutAsync(stream, Enumerable.Range(0, 3).Select(i => Entry("k", $"b{i}")));

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var (atTime, atTimeProbe) = Run(KinesisSource.Shard(Sys, stream, new StreamShardId(0), StartingPosition.AtTimestamp(timeOfB)));
            atTimeProbe.Request(10);
            Assert.Equal(["b0", "b1", "b2"], (await NextAsync(atTimeProbe, 3)).Select(r => Text(r.Data)));
            await atTimeProbe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
            atTime.Stop();
            await atTimeProbe.ExpectCompleteAsync();

            var (after, afterProbe) = Run(KinesisSource.Shard(Sys, stream, new StreamShardId(0),
                StartingPosition.AfterSequenceNumber(batchA.Records[2].SequenceNumber!)));
            afterProbe.Request(10);
            Assert.Equal(["a3", "b0", "b1", "b2"], (await NextAsync(afterProbe, 4)).Select(r => Text(r.Data)));
            after.Stop();
            await afterProbe.ExpectCompleteAsync();
            await Task.WhenAll(atTime.Completion, after.Completion).WaitAsync(Timeout);
        }, Materializer);
    }

    [JournalFact]
    public async Task Stream_source_must_receive_every_record_of_every_shard_in_per_key_order()
    {
        var stream = UniqueName("streamsrc");
        await Client.CreateStreamAsync(stream, 4);
        var counters = new Dictionary<string, int>();
        PutRecordsEntry Next(int i)
        {
            var key = $"key-{i % 24}";
            counters[key] = counters.GetValueOrDefault(key) + 1;
            return Entry(key, $"{key}:{counters[key]}");
        }
        var sent = await PutAsync(stream, Enumerable.Range(0, 200).Select(Next));

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var (control, probe) = Run(KinesisSource.Stream(Sys, stream, StartingPosition.TrimHorizon));
            probe.Request(1000);
            var received = await NextAsync(probe, 200);

            sent.AddRange(await PutAsync(stream, Enumerable.Range(200, 100).Select(Next)));
            received.AddRange(await NextAsync(probe, 100));
            await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

            Assert.Equal(sent.Order(), received.Select(r => Text(r.Data)).Order());
            Assert.Equal(4, received.Select(r => r.ShardId).Distinct().Count());
            foreach (var key in received.GroupBy(r => r.PartitionKey))
            {
                var numbers = key.Select(r => int.Parse(Text(r.Data).Split(':')[1])).ToList();
                Assert.Equal(Enumerable.Range(1, numbers.Count), numbers);
            }

            control.Stop();
            await probe.ExpectCompleteAsync();
            await control.Completion.WaitAsync(Timeout);
        }, Materializer);
    }

    [JournalFact]
    public async Task Shard_source_must_deliver_what_a_sink_writes_while_it_runs()
    {
        var stream = UniqueName("pipe");
        await Client.CreateStreamAsync(stream);
        var records = Enumerable.Range(0, 1500).Select(i => Entry($"k{i % 5}", $"{i}")).ToList();

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            // From the trim horizon of an empty shard: everything the sink writes later is ahead of the source.
            var (control, probe) = Run(KinesisSource.Shard(Sys, stream, new StreamShardId(0), StartingPosition.TrimHorizon));
            probe.Request(records.Count);
            var written = Source.From(records).RunWith(KinesisSink.Create(Sys, stream), Materializer);
            var received = new List<StreamRecord>();
            var collecting = Task.Run(async () => received.AddRange(await NextAsync(probe, records.Count)));

            // Writes are throttled at 1,000 records per second and many reads wake the source: let the clock run.
            await WithClockRunningAsync(Task.WhenAll(written, collecting).ContinueWith(_ => true), TimeSpan.FromMilliseconds(50), Timeout);
            await written;
            await collecting;

            Assert.Equal(records.Select(r => Text(r.Data)), received.Select(r => Text(r.Data)));
            control.Stop();
            await probe.ExpectCompleteAsync();
        }, Materializer);
    }

    [JournalFact]
    public async Task Shard_source_must_fail_when_its_stream_is_deleted()
    {
        var stream = UniqueName("deleted");
        await Client.CreateStreamAsync(stream);
        await PutAsync(stream, [Entry("k", "before")]);

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var (control, probe) = Run(KinesisSource.Shard(Sys, stream, new StreamShardId(0), StartingPosition.TrimHorizon));
            probe.Request(10);
            Assert.Equal("before", Text((await probe.ExpectNextAsync(Timeout)).Data));

            await Client.DeleteStreamAsync(stream);
            Assert.IsType<ResourceNotFoundException>(await probe.ExpectErrorAsync());
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => control.Completion.WaitAsync(Timeout));
        }, Materializer);
    }

    [JournalFact]
    public async Task Sources_must_fail_when_the_stream_does_not_exist()
    {
        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var (control, probe) = Run(KinesisSource.Stream(Sys, UniqueName("missing"), StartingPosition.TrimHorizon));
            probe.Request(1);
            Assert.IsType<ResourceNotFoundException>(await probe.ExpectErrorAsync());
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => control.Completion.WaitAsync(Timeout));
        }, Materializer);
        Assert.Throws<ValidationException>(() => KinesisSource.Shard(Sys, "", new StreamShardId(0), StartingPosition.Latest));
    }
}

public sealed class KinesisSourceSqliteSpec(ITestOutputHelper output) : KinesisSourceSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class KinesisSourcePostgreSqlSpec(ITestOutputHelper output) : KinesisSourceSpec(output, SpecJournal.PostgreSql);
