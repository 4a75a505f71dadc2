using System.Numerics;
using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>PutRecord and PutRecords: validation, sequence numbers and result order.</summary>
public abstract class PutRecordsSpec(ITestOutputHelper output, SpecJournal journal) : ActorStreamsSpec(output, journal)
{
    [JournalFact]
    public async Task Put_records_must_take_1_to_500_entries()
    {
        var stream = UniqueName("count");
        await Client.CreateStreamAsync(stream, 2);

        await Assert.ThrowsAsync<ValidationException>(() =>
            Client.PutRecordsAsync(stream, Enumerable.Range(0, 501).Select(i => Entry($"k{i}", "x")).ToList()));
        await Assert.ThrowsAsync<ValidationException>(() => Client.PutRecordsAsync(stream, []));
        Assert.Empty(await ReadStreamAsync(stream));

        var full = await Client.PutRecordsAsync(stream, Enumerable.Range(0, 500).Select(i => Entry($"k{i}", "x")).ToList());
        Assert.Equal(0, full.FailedRecordCount);
        Assert.Equal(500, full.Records.Count);
        Assert.All(full.Records, r => Assert.True(r.Succeeded));
    }

    [JournalFact]
    public async Task Put_must_reject_a_record_over_1_MiB_and_a_partition_key_over_256_characters()
    {
        var stream = UniqueName("size");
        await Client.CreateStreamAsync(stream);
        const int MiB = 1024 * 1024;

        // Data plus partition key count: 1 MiB of data with a 1-character key is one byte too many.
        await Assert.ThrowsAsync<ValidationException>(() => Client.PutRecordAsync(stream, new byte[MiB], "k"));
        await Assert.ThrowsAsync<ValidationException>(() => Client.PutRecordsAsync(stream, [new PutRecordsEntry(new byte[MiB], "k")]));
        await Assert.ThrowsAsync<ValidationException>(() => Client.PutRecordAsync(stream, Bytes("x"), new string('p', 257)));
        await Assert.ThrowsAsync<ValidationException>(() => Client.PutRecordsAsync(stream, [Entry(new string('p', 257), "x")]));
        await Assert.ThrowsAsync<ValidationException>(() => Client.PutRecordAsync(stream, Bytes("x"), ""));
        Assert.Empty(await ReadAllAsync(stream, Shard0));

        var largest = await Client.PutRecordAsync(stream, new byte[MiB - 1], "k");
        Clock.Advance(TimeSpan.FromSeconds(1)); // that record used the shard's whole second of write bytes
        var longestKey = await Client.PutRecordAsync(stream, Bytes("x"), new string('p', 256));
        var records = await ReadAllAsync(stream, Shard0);
        Assert.Equal([largest.SequenceNumber, longestKey.SequenceNumber], records.Select(r => r.SequenceNumber));
        Assert.Equal(MiB - 1, records[0].Data.Length);
        Assert.Equal(new string('p', 256), records[1].PartitionKey);
    }

    [JournalFact]
    public async Task Put_records_must_reject_a_request_over_the_request_size_cap()
    {
        var stream = UniqueName("request");
        await Client.CreateStreamAsync(stream, 4);
        var nearlyOneMiB = new byte[1024 * 1024 - 64];

        // 11 records of almost 1 MiB each: over the 10 MiB request cap.
        var ex = await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Client.PutRecordsAsync(stream, Enumerable.Range(0, 11).Select(i => new PutRecordsEntry(nearlyOneMiB, $"k{i}")).ToList()));
        Assert.Contains("10485760", ex.Message);
        Assert.Empty(await ReadStreamAsync(stream));
    }

    [JournalFact]
    public async Task Sequence_numbers_must_be_unique_and_increase_across_put_records_calls()
    {
        var stream = UniqueName("seq");
        await Client.CreateStreamAsync(stream);
        var calls = new List<PutRecordsResult>();
        for (var call = 0; call < 20; call++)
            calls.Add(await Client.PutRecordsAsync(stream, Enumerable.Range(0, 10).Select(i => Entry($"k{i}", $"{call}-{i}")).ToList()));
        for (var call = 0; call < 10; call++)
            calls.Add(new PutRecordsResult(0, [ToEntry(await Client.PutRecordAsync(stream, Bytes($"single-{call}"), "single"))]));

        var all = calls.SelectMany(c => c.Records).Select(r => r.SequenceNumber!).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, s => Assert.Matches("^(0|[1-9][0-9]{0,128})$", s));
        for (var i = 1; i < calls.Count; i++)
            Assert.True(calls[i - 1].Records.Max(r => Numeric(r.SequenceNumber!)) < calls[i].Records.Min(r => Numeric(r.SequenceNumber!)),
                $"call {i} got a sequence number not above call {i - 1}'s");

        // What was read back is what was acknowledged, in sequence-number order.
        var read = await ReadAllAsync(stream, Shard0);
        Assert.Equal(all.OrderBy(Numeric), read.Select(r => r.SequenceNumber));
    }

    [JournalFact]
    public async Task Concurrent_put_record_calls_must_get_unique_sequence_numbers_in_each_callers_order()
    {
        var stream = UniqueName("concurrent");
        await Client.CreateStreamAsync(stream);
        const int Callers = 12, PerCaller = 25;

        var perCaller = await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var numbers = new List<BigInteger>();
            for (var i = 0; i < PerCaller; i++)
                numbers.Add(Numeric((await Client.PutRecordAsync(stream, Bytes($"{caller}:{i}"), $"caller-{caller}")).SequenceNumber));
            return numbers;
        })));

        var all = perCaller.SelectMany(n => n).ToList();
        Assert.Equal(Callers * PerCaller, all.Distinct().Count());
        foreach (var numbers in perCaller)
            Assert.Equal(numbers.OrderBy(n => n), numbers); // each caller's writes are ordered as it made them

        var read = await ReadAllAsync(stream, Shard0);
        Assert.Equal(Callers * PerCaller, read.Count);
        foreach (var group in read.GroupBy(r => r.PartitionKey))
            Assert.Equal(Enumerable.Range(0, PerCaller).Select(i => $"{group.Key[7..]}:{i}"), group.Select(r => Text(r.Data)));
    }

    [JournalFact]
    public async Task Concurrent_put_records_calls_must_never_share_a_sequence_number()
    {
        var stream = UniqueName("batches");
        await Client.CreateStreamAsync(stream, 2);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(call =>
            Client.PutRecordsAsync(stream, Enumerable.Range(0, 50).Select(i => Entry($"k{i % 7}", $"{call}-{i}")).ToList())));

        Assert.All(results, r => Assert.Equal(0, r.FailedRecordCount));
        var keys = results.SelectMany(r => r.Records).Select(r => (r.ShardId, r.SequenceNumber)).ToList();
        Assert.Equal(16 * 50, keys.Distinct().Count());
        Assert.Equal(16 * 50, (await ReadStreamAsync(stream)).Count);
    }

    [JournalFact]
    public async Task Put_records_results_must_be_in_input_order()
    {
        var stream = UniqueName("order");
        var shards = (await Client.CreateStreamAsync(stream, 4)).Shards;
        var entries = Enumerable.Range(0, 60).Select(i => Entry($"key-{i % 13}", $"payload-{i}")).ToList();

        var result = await Client.PutRecordsAsync(stream, entries);

        Assert.Equal(0, result.FailedRecordCount);
        Assert.Equal(entries.Count, result.Records.Count);
        var stored = (await ReadStreamAsync(stream)).ToDictionary(r => (r.ShardId, r.SequenceNumber));
        for (var i = 0; i < entries.Count; i++)
        {
            var r = result.Records[i];
            Assert.Null(r.ErrorCode);
            Assert.Equal(shards.Single(s => s.HashKeyRange.Contains(HashKey.OfPartitionKey(entries[i].PartitionKey))).ShardId, r.ShardId);
            var record = stored[(r.ShardId!.Value, r.SequenceNumber!)];
            Assert.Equal($"payload-{i}", Text(record.Data));
            Assert.Equal(entries[i].PartitionKey, record.PartitionKey);
        }
    }

    [JournalFact]
    public async Task Put_record_with_sequence_number_for_ordering_must_store_the_record_after_that_one()
    {
        var stream = UniqueName("ordering");
        await Client.CreateStreamAsync(stream);

        var first = await Client.PutRecordAsync(stream, Bytes("first"), "k");
        var second = await Client.PutRecordAsync(stream, Bytes("second"), "k", sequenceNumberForOrdering: first.SequenceNumber);
        var third = await Client.PutRecordAsync(stream, Bytes("third"), "k", sequenceNumberForOrdering: second.SequenceNumber);

        Assert.True(Numeric(first.SequenceNumber) < Numeric(second.SequenceNumber));
        Assert.True(Numeric(second.SequenceNumber) < Numeric(third.SequenceNumber));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.PutRecordAsync(stream, Bytes("x"), "k", sequenceNumberForOrdering: "123"));
        Assert.Equal(["first", "second", "third"], (await ReadAllAsync(stream, Shard0)).Select(r => Text(r.Data)));
    }

    private static PutRecordsResultEntry ToEntry(PutRecordResult put) => new(put.SequenceNumber, put.ShardId, null, null);
}

public sealed class PutRecordsSqliteSpec(ITestOutputHelper output) : PutRecordsSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class PutRecordsPostgreSqlSpec(ITestOutputHelper output) : PutRecordsSpec(output, SpecJournal.PostgreSql);
