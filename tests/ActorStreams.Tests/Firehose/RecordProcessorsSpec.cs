using System.IO.Compression;
using System.Text;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Aggregation;
using Xunit;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// Firehose's built-in processors record by record: what each makes of good input, and that bad input is that record's
/// failure (with the processor's error code and error output type) while the other records go on.
/// </summary>
public sealed class RecordProcessorsSpec
{
    private static BufferedRecord Record(byte[] data) => new(1_000, data);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] data) => Encoding.UTF8.GetString(data);

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    private static string Envelope(string type, params string[] messages) =>
        $$"""{"messageType":"{{type}}","owner":"123456789012","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{{string.Join(",", messages.Select((m, i) => $$"""{"id":"{{i}}","timestamp":{{i + 1}},"message":"{{m}}"}"""))}}]}""";

    private static (List<string> Output, List<FailedRecord> Failed) Run(ProcessingConfiguration p, params byte[][] records)
    {
        var failed = new List<FailedRecord>();
        var output = RecordProcessors.BeforeTransformation(records.Select(Record).ToList(), p, failed);
        RecordProcessors.AppendDelimiter(output, p);
        return (output.Select(r => Text(r.Data)).ToList(), failed);
    }

    private static readonly ProcessingConfiguration CloudWatchLogs = new()
    {
        Enabled = true, DecompressionFormat = "GZIP", CloudWatchLogDataMessageExtraction = true, AppendDelimiterToRecord = true,
    };

    [Fact]
    public void CloudWatch_Logs_data_messages_must_become_their_log_messages_one_per_line_and_control_messages_must_be_dropped()
    {
        var (output, failed) = Run(CloudWatchLogs,
            Gzip(Utf8(Envelope("DATA_MESSAGE", "line 1", "line 2"))),
            Gzip(Utf8(Envelope("CONTROL_MESSAGE", "CWL CONTROL MESSAGE: Checking health of destination Firehose."))),
            Gzip(Utf8(Envelope("DATA_MESSAGE", "line 3"))));

        Assert.Empty(failed);
        Assert.Equal(["line 1\n", "line 2\n", "line 3\n"], output);
    }

    [Fact]
    public void A_truncated_or_plain_record_must_fail_decompression_and_a_non_json_one_must_fail_CloudWatch_processing()
    {
        var whole = Gzip(Utf8(Envelope("DATA_MESSAGE", "kept")));
        var truncated = Gzip(Utf8(Envelope("DATA_MESSAGE", string.Concat(Enumerable.Repeat("lost ", 200)))))[..^9];
        var notJson = Gzip(Utf8("this is not JSON"));
        var noEnvelope = Gzip(Utf8("""{"hello":"world"}"""));

        var (output, failed) = Run(CloudWatchLogs, truncated, Utf8("plain"), whole, notJson, noEnvelope, []);

        Assert.Equal(["kept\n"], output);
        Assert.Equal([truncated, Utf8("plain"), []], failed.Where(f => f.ErrorOutputType == ObjectNaming.DecompressionFailed).Select(f => f.Record.Data));
        Assert.All(failed.Take(2), f => Assert.Equal(RecordProcessors.DecompressionErrorCode, f.ErrorCode));
        var cloudWatch = failed.Where(f => f.ErrorOutputType == ObjectNaming.ProcessingFailed).ToList();
        Assert.Equal([notJson, noEnvelope], cloudWatch.Select(f => f.Record.Data));
        Assert.All(cloudWatch, f => Assert.Equal(RecordProcessors.CloudWatchLogsErrorCode, f.ErrorCode));
    }

    [Fact]
    public void Every_cut_of_a_GZIP_record_must_fail_decompression()
    {
        var whole = Gzip(Utf8(string.Concat(Enumerable.Range(0, 300).Select(i => $"event {i};"))));
        var p = new ProcessingConfiguration { Enabled = true, DecompressionFormat = "GZIP" };
        for (var cut = 0; cut < whole.Length; cut++)
        {
            var (output, failed) = Run(p, whole[..cut]);
            Assert.Empty(output);
            Assert.Equal(RecordProcessors.DecompressionErrorCode, Assert.Single(failed).ErrorCode);
        }
        Assert.Single(Run(p, whole).Output);
    }

    [Fact]
    public void JSON_de_aggregation_must_split_consecutive_objects_and_refuse_anything_else()
    {
        var p = new ProcessingConfiguration { Enabled = true, DeAggregationSubRecordType = "JSON", AppendDelimiterToRecord = true };

        var (output, failed) = Run(p, Utf8("""{"a":1}{"a":{"b":[2]}}"""), Utf8("""[{"a":3}]"""), Utf8("{\"a\":4}\n{\"a\":5}\n"), Utf8("""{"a":6"""));

        Assert.Equal(["{\"a\":1}\n", "{\"a\":{\"b\":[2]}}\n", "{\"a\":4}\n", "{\"a\":5}\n"], output);
        Assert.Equal(2, failed.Count);
        Assert.All(failed, f => Assert.Equal(RecordProcessors.DeAggregationErrorCode, f.ErrorCode));
    }

    [Fact]
    public void Delimited_de_aggregation_must_split_at_the_delimiter_and_the_appended_delimiter_must_be_the_one_configured()
    {
        var p = new ProcessingConfiguration
        {
            Enabled = true, DeAggregationSubRecordType = "DELIMITED", DeAggregationDelimiter = Convert.ToBase64String(Utf8("####")),
            AppendDelimiterToRecord = true, RecordDelimiter = Convert.ToBase64String(Utf8("|")),
        };

        var (output, failed) = Run(p, Utf8("a####b########c####"));

        Assert.Empty(failed);
        Assert.Equal(["a|", "b|", "c|"], output);
    }

    [Fact]
    public void More_than_500_records_out_of_one_must_fail_de_aggregation()
    {
        var p = new ProcessingConfiguration { Enabled = true, DeAggregationSubRecordType = "JSON" };
        var (output, failed) = Run(p, Utf8(string.Concat(Enumerable.Repeat("{}", 501))), Utf8(string.Concat(Enumerable.Repeat("{}", 500))));
        Assert.Equal(500, output.Count);
        Assert.Single(failed);
    }

    [Fact]
    public void KPL_de_aggregation_must_unpack_aggregates_pass_plain_records_and_fail_a_corrupt_aggregate()
    {
        var p = new ProcessingConfiguration { Enabled = true, DeAggregationSubRecordType = "KPL", AppendDelimiterToRecord = true };
        var aggregate = KplAggregate.Encode([new PutRecordsEntry(Utf8("one"), "a"), new PutRecordsEntry(Utf8("two"), "b")]);
        var corrupt = (byte[])aggregate.Clone();
        corrupt[^1] ^= 0xFF;

        var (output, failed) = Run(p, aggregate, Utf8("plain"), corrupt);

        Assert.Equal(["one\n", "two\n", "plain\n"], output);
        var failure = Assert.Single(failed);
        Assert.Equal(corrupt, failure.Record.Data);
        Assert.Equal(RecordProcessors.DeAggregationErrorCode, failure.ErrorCode);
        Assert.Equal(ObjectNaming.ProcessingFailed, failure.ErrorOutputType);
    }

    [Fact]
    public void A_Kinesis_source_must_unpack_KPL_aggregates_by_itself_and_pass_anything_else_through()
    {
        var aggregate = KplAggregate.Encode([new PutRecordsEntry(Utf8("one"), "a"), new PutRecordsEntry(Utf8("two"), "b")]);
        var corrupt = (byte[])aggregate.Clone();
        corrupt[^1] ^= 0xFF;

        Assert.Equal(["one", "two"], RecordProcessors.UserRecordsOf(aggregate).Select(Text));
        Assert.Equal([corrupt], RecordProcessors.UserRecordsOf(corrupt));
        Assert.Equal(["plain"], RecordProcessors.UserRecordsOf(Utf8("plain")).Select(Text));
    }
}
