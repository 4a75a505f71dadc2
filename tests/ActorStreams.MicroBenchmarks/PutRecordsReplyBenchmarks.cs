using System.Buffers;
using System.Text.Json;
using ActorStreams.Kinesis;
using ActorStreams.Server.Protocol;
using BenchmarkDotNet.Attributes;

namespace ActorStreams.MicroBenchmarks;

/// <summary>
/// Writing the PutRecords reply of 500 successful entries spread over 4 shards: the server's
/// <c>KinesisOperations.WritePutRecordsResult</c> (raw quoted sequence numbers, shard ids encoded once per shard)
/// against the plain <see cref="Utf8JsonWriter.WriteString(string, string)"/> per property it replaced.
/// </summary>
[MemoryDiagnoser]
public class PutRecordsReplyBenchmarks
{
    /// <summary>Entries in the reply (the PutRecords maximum).</summary>
    public const int Entries = 500;

    /// <summary>Shards the entries are spread over, round robin.</summary>
    public const int Shards = 4;

    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private Utf8JsonWriter _writer = null!;
    private PutRecordsResult _result = null!;

    /// <summary>Builds the result as <c>ActorStreamsClient.PutRecordsAsync</c> does and checks both writers agree.</summary>
    [GlobalSetup]
    public void Setup()
    {
        // One group-commit event per shard, the records at consecutive indexes in it.
        var entries = new PutRecordsResultEntry[Entries];
        for (var i = 0; i < Entries; i++)
        {
            var shard = i % Shards;
            entries[i] = new PutRecordsResultEntry(new SequenceNumber(48_211 + shard, i / Shards).Format(new StreamShardId(shard), 1_765_000_000_000), new StreamShardId(shard), null, null);
        }
        _result = new PutRecordsResult(0, entries);
        _writer = new Utf8JsonWriter(_buffer, KinesisOperations.WriterOptions);

        var current = Render(KinesisOperations.WritePutRecordsResult);
        var baseline = Render(WritePlain);
        if (!current.AsSpan().SequenceEqual(baseline))
            throw new InvalidOperationException("The two PutRecords reply writers disagree; the comparison would be meaningless.");
    }

    /// <summary>The reply as the server wrote it before: property names as strings, values through WriteString.</summary>
    [Benchmark(Baseline = true)]
    public int PlainWriteString()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        WritePlain(_writer, _result);
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    /// <summary>The server's current reply writer.</summary>
    [Benchmark]
    public int WritePutRecordsResult()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        KinesisOperations.WritePutRecordsResult(_writer, _result);
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    private byte[] Render(Action<Utf8JsonWriter, PutRecordsResult> write)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        write(_writer, _result);
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    private static void WritePlain(Utf8JsonWriter w, PutRecordsResult result)
    {
        w.WriteStartObject();
        w.WriteNumber("FailedRecordCount", result.FailedRecordCount);
        w.WriteStartArray("Records");
        foreach (var r in result.Records)
        {
            w.WriteStartObject();
            if (r.Succeeded)
            {
                w.WriteString("SequenceNumber", r.SequenceNumber);
                w.WriteString("ShardId", r.ShardId?.ToString());
            }
            else
            {
                w.WriteString("ErrorCode", r.ErrorCode);
                w.WriteString("ErrorMessage", r.ErrorMessage);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
