using ActorStreams.Dsl;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Aggregation;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Aggregation;

/// <summary>
/// The Aggregate and Deaggregate flows around the sink and the sources: a C# producer's user records come back once
/// each, in order per partition key, each aggregate kept in one shard and under the record limit.
/// </summary>
public sealed class KinesisAggregationSpec(ITestOutputHelper output) : ActorStreamsSpec(output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static List<PutRecordsEntry> Keyed(int count, int keys) =>
        Enumerable.Range(0, count).Select(i => Entry($"key-{i % keys}", $"key-{i % keys}:{i / keys}")).ToList();

    [Fact]
    public async Task Aggregate_then_sink_then_Deaggregate_must_give_every_user_record_once_in_order_per_key()
    {
        var stream = UniqueName("agg");
        var shards = (await Client.CreateStreamAsync(stream, 4)).Shards;
        var sent = Keyed(5_000, keys: 50);

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            await Source.From(sent)
                .Via(KinesisAggregation.Aggregate(hashRanges: 4))
                .RunWith(KinesisSink.Create(Sys, stream), Materializer)
                .WaitAsync(Timeout);

            var (control, read) = KinesisSource.Stream(Sys, stream, StartingPosition.TrimHorizon)
                .Via(KinesisAggregation.Deaggregate())
                .Take(sent.Count)
                .ToMaterialized(Sink.Seq<UserRecord>(), Keep.Both)
                .Run(Materializer);
            var users = await read.WaitAsync(Timeout);
            await control.Completion.WaitAsync(Timeout);

            Assert.Equal(sent.Select(e => Text(e.Data)).Order(), users.Select(u => Text(u.Data)).Order());
            foreach (var key in users.GroupBy(u => u.PartitionKey))
                Assert.Equal(sent.Where(e => e.PartitionKey == key.Key).Select(e => Text(e.Data)), key.Select(u => Text(u.Data)));
            Assert.All(users, u => Assert.True(u.Aggregated));
        }, Materializer);

        // Fewer Kinesis records than user records, and every user record in the shard its own key hashes to.
        var stored = await ReadStreamAsync(stream);
        Assert.InRange(stored.Count, 4, sent.Count / 10);
        foreach (var record in stored)
        {
            var range = shards.Single(s => s.ShardId == record.ShardId).HashKeyRange;
            Assert.All(KplAggregate.Deaggregate(record), u => Assert.True(range.Contains(HashKey.OfPartitionKey(u.PartitionKey))));
        }
    }

    [Fact]
    public async Task Aggregate_must_keep_every_aggregate_under_the_record_limit()
    {
        const int limit = 64 * 1024;
        var sent = Enumerable.Range(0, 200).Select(i => new PutRecordsEntry(new byte[1000 + i * 7], $"key-{i % 13}")).ToList();

        IReadOnlyList<PutRecordsEntry> aggregates = [];
        await this.AssertAllStagesStoppedAsync(async () =>
            aggregates = await Source.From(sent).Via(KinesisAggregation.Aggregate(hashRanges: 3, TimeSpan.FromMinutes(1), limit))
                .RunWith(Sink.Seq<PutRecordsEntry>(), Materializer).WaitAsync(Timeout), Materializer);

        Assert.All(aggregates, a => Assert.InRange(a.Data.Length + System.Text.Encoding.UTF8.GetByteCount(a.PartitionKey), 1, limit));
        var users = aggregates.SelectMany(a => KplAggregate.Deaggregate(new StreamRecord(default, "1", default, a.Data, a.PartitionKey))).ToList();
        Assert.Equal(sent.Count, users.Count);
        Assert.Equal(sent.Select(e => e.Data.Length).Order(), users.Select(u => u.Data.Length).Order());
        // Packed, not one per record: groups of a record's worth per range (two here), each leaving at most one
        // partly filled aggregate per range.
        Assert.InRange(aggregates.Count, sent.Sum(e => e.Data.Length) / limit + 1, sent.Sum(e => e.Data.Length) / limit + 1 + 2 * 3);
        Assert.All(aggregates, a => Assert.NotNull(a.ExplicitHashKey));
    }

    [Fact]
    public async Task Aggregate_must_pass_a_user_record_too_large_for_an_aggregate_on_alone_in_its_range()
    {
        const int limit = 4096;
        var big = new PutRecordsEntry(new byte[limit - 10], "k");
        var small = Entry("k", "small");

        var output = await Source.From([small, big, small]).Via(KinesisAggregation.Aggregate(maxRecordBytes: limit))
            .RunWith(Sink.Seq<PutRecordsEntry>(), Materializer).WaitAsync(Timeout);

        Assert.Equal(3, output.Count);
        Assert.True(KplAggregate.HasMagicBytes(output[0].Data.Span));
        Assert.Equal(big.Data.Length, output[1].Data.Length);
        Assert.False(KplAggregate.HasMagicBytes(output[1].Data.Span));
        Assert.True(KplAggregate.HasMagicBytes(output[2].Data.Span));
        Assert.All(output, o => Assert.Equal("0", o.ExplicitHashKey));
    }

    [Fact]
    public async Task Deaggregate_must_pass_plain_records_through_and_DeaggregateEvents_must_unpack_subscription_events()
    {
        var plain = new StreamRecord(new StreamShardId(0), "7", default, Bytes("plain"), "p");
        var aggregated = new StreamRecord(new StreamShardId(0), "8", default, KplAggregate.Encode([Entry("a", "x"), Entry("b", "y")]), "a");

        var users = await Source.From([plain, aggregated]).Via(KinesisAggregation.Deaggregate())
            .RunWith(Sink.Seq<UserRecord>(), Materializer).WaitAsync(Timeout);
        Assert.Equal(["plain", "x", "y"], users.Select(u => Text(u.Data)));
        Assert.Equal([("7", 0L), ("8", 0L), ("8", 1L)], users.Select(u => (u.SequenceNumber, u.SubSequenceNumber)));

        var fromEvents = await Source.Single(new SubscribeToShardEvent([plain, aggregated], "8", 0, []))
            .Via(KinesisAggregation.DeaggregateEvents()).RunWith(Sink.Seq<UserRecord>(), Materializer).WaitAsync(Timeout);
        Assert.Equal(users, fromEvents);
    }
}
