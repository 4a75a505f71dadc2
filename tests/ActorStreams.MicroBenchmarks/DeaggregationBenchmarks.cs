using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Aggregation;
using BenchmarkDotNet.Attributes;

namespace ActorStreams.MicroBenchmarks;

/// <summary>
/// What a consumer pays to unpack KPL aggregates: <see cref="KplAggregate.Deaggregate"/> of one Kinesis record holding
/// 500 user records of 100 bytes (MD5 check, protobuf walk, a <see cref="UserRecord"/> each) against the same 500 user
/// records read as plain Kinesis records, each passed through <see cref="KplAggregate.Deaggregate"/> as one (the
/// baseline: what a read-back without aggregation hands out). Both produce 500 user records, so the ratio is the cost
/// per user record.
/// </summary>
[MemoryDiagnoser]
public class DeaggregationBenchmarks
{
    private const int UserRecords = 500;
    private const int RecordBytes = 100;

    private StreamRecord[] _plain = [];
    private StreamRecord _aggregate = null!;

    /// <summary>Builds the plain records and the aggregate of the same user records.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var entries = Enumerable.Range(0, UserRecords).Select(i =>
        {
            var data = new byte[RecordBytes];
            random.NextBytes(data);
            return new PutRecordsEntry(data, $"user-{i % 50}");
        }).ToArray();
        var at = DateTimeOffset.UnixEpoch;
        _plain = entries.Select((e, i) => new StreamRecord(new StreamShardId(0), i.ToString("D56"), at, e.Data, e.PartitionKey)).ToArray();
        _aggregate = new StreamRecord(new StreamShardId(0), "1".PadLeft(56, '0'), at, KplAggregate.Encode(entries), entries[0].PartitionKey);
        if (KplAggregate.Deaggregate(_aggregate).Count != UserRecords) throw new InvalidOperationException("the aggregate did not decode");
    }

    /// <summary>500 plain records, each one user record.</summary>
    [Benchmark(Baseline = true)]
    public int PlainRecords()
    {
        var n = 0;
        foreach (var record in _plain) n += KplAggregate.Deaggregate(record).Count;
        return n;
    }

    /// <summary>One aggregate of 500 user records.</summary>
    [Benchmark]
    public int Aggregate() => KplAggregate.Deaggregate(_aggregate).Count;
}
