using System.Text;
using System.Text.RegularExpressions;
using ActorStreams.Firehose;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>DirectPut into the directory object store: buffering, naming, compression, prefixes, transformation, errors.</summary>
public sealed class DirectPutDeliverySpec(ITestOutputHelper output)
    : FirehoseSpec(output, config: "actorstreams.firehose.max-backlog-bytes = 2 MiB")
{
    private static ReadOnlyMemory<byte> Line(string text) => Encoding.UTF8.GetBytes(text + "\n");

    private static List<string> Lines(string content) => content.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    [Fact]
    public async Task A_buffer_must_land_as_one_object_named_as_Firehose_names_it_with_the_records_back_to_back()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, S3(bucket, intervalSeconds: 1));

        var batch = await Firehose.PutRecordBatchAsync(name, Enumerable.Range(0, 20).Select(i => Line($"record-{i}")).ToList());
        Assert.Equal(0, batch.FailedPutCount);
        Assert.All(batch.RequestResponses, e => Assert.NotNull(e.RecordId));
        Assert.Equal(20, batch.RequestResponses.Select(e => e.RecordId).Distinct().Count());
        var single = await Firehose.PutRecordAsync(name, Line("record-20"));
        Assert.False(single.Encrypted);

        // Both puts arrived within the 1 s interval: one buffer, one object.
        var objects = await WaitForObjectsAsync(bucket, o => Lines(Content(o)).Count >= 21);
        var (key, bytes) = Assert.Single(objects);
        Assert.Equal(Enumerable.Range(0, 21).Select(i => $"record-{i}"), Lines(Encoding.UTF8.GetString(bytes)));
        var arrival = Clock.GetUtcNow().UtcDateTime;
        var expected = new Regex($@"^\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{Regex.Escape(name)}-1-\d{{4}}-\d{{2}}-\d{{2}}-\d{{2}}-\d{{2}}-\d{{2}}-[0-9a-f-]{{36}}$");
        Assert.Matches(expected, key);
        Assert.StartsWith(arrival.ToString("yyyy/MM/dd/HH/"), key);
    }

    [Theory]
    [InlineData(CompressionFormat.Gzip, ".gz")]
    [InlineData(CompressionFormat.Zip, ".zip")]
    [InlineData(CompressionFormat.Snappy, ".snappy")]
    [InlineData(CompressionFormat.HadoopSnappy, ".snappy")]
    [InlineData(CompressionFormat.Uncompressed, "")]
    public async Task Objects_must_be_compressed_as_configured_and_named_with_the_compression_extension(CompressionFormat format, string extension)
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, S3(bucket, intervalSeconds: 1, compression: format));
        // Large enough for several Hadoop blocks (256 KiB each) and compressible.
        var records = Enumerable.Range(0, 300).Select(i => $"{{\"id\":{i},\"text\":\"{new string((char)('a' + i % 26), 2000)}\"}}").ToList();
        for (var i = 0; i < records.Count; i += 100)
            Assert.Equal(0, (await Firehose.PutRecordBatchAsync(name, records.Skip(i).Take(100).Select(Line).ToList())).FailedPutCount);

        var objects = await WaitForObjectsAsync(bucket, o => o.Count > 0 && Lines(Content(o, format)).Count >= records.Count);
        Assert.Equal(records, SortById(Lines(Content(objects, format))));
        Assert.All(objects.Keys, k => Assert.EndsWith(extension, k));
        if (format != CompressionFormat.Uncompressed)
            Assert.True(objects.Values.Sum(v => v.Length) < records.Sum(r => r.Length) / 4, "compressed objects are much smaller than the records");
    }

    private static List<string> SortById(List<string> lines) =>
        lines.OrderBy(l => int.Parse(Regex.Match(l, @"""id"":(\d+)").Groups[1].Value)).ToList();

    [Fact]
    public async Task The_size_hint_must_close_a_buffer_before_the_interval_and_keep_each_object_within_it()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        // 1 MiB size hint, 900 s interval: only the size can close these buffers within the test.
        await CreateAsync(name, S3(bucket, intervalSeconds: 900, sizeMiB: 1));
        var record = new string('x', 100 * 1024 - 1);
        for (var i = 0; i < 15; i++) await Firehose.PutRecordAsync(name, Line(record));

        // 15 records of 100 KiB: the 11th passes 1 MiB, so a buffer of the 10 that fit closes; 5 wait for the interval.
        var objects = await WaitForObjectsAsync(bucket, o => o.Count >= 1);
        await Task.Delay(500); // a quiet window on the delivery graph's real I/O: no second object may follow
        objects = Objects(bucket);
        var only = Assert.Single(objects);
        Assert.Equal(10 * 100 * 1024, only.Value.Length);
    }

    [Fact]
    public async Task Prefix_expressions_must_be_evaluated_at_the_oldest_arrival_time_and_suppress_the_default_time_prefix()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, S3(bucket, intervalSeconds: 0,
            prefix: "logs/year=!{timestamp:yyyy}/month=!{timestamp:MM}/!{firehose:random-string}/",
            errorPrefix: "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/"));
        await Firehose.PutRecordAsync(name, Line("hello"));

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 1);
        var key = Assert.Single(objects.Keys);
        var now = Clock.GetUtcNow().UtcDateTime;
        Assert.Matches(new Regex($@"^logs/year={now:yyyy}/month={now:MM}/[a-z0-9]{{11}}/{Regex.Escape(name)}-1-"), key);
    }

    [Fact]
    public async Task A_transformation_must_change_drop_and_fail_records_and_failed_ones_must_go_to_processing_failed()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        Firehose.RegisterTransformation("upper", (records, _) => Task.FromResult<IReadOnlyList<TransformationOutputRecord>>(records.Select(r =>
        {
            var text = Encoding.UTF8.GetString(r.Data.Span);
            return text.StartsWith("drop") ? new TransformationOutputRecord(r.RecordId, TransformationResult.Dropped, default)
                : text.StartsWith("fail") ? new TransformationOutputRecord(r.RecordId, TransformationResult.ProcessingFailed, r.Data)
                : new TransformationOutputRecord(r.RecordId, TransformationResult.Ok, Encoding.UTF8.GetBytes(text.ToUpperInvariant()));
        }).ToList()));
        var destination = S3(bucket, intervalSeconds: 1) with
        {
            Processing = new ProcessingConfiguration { Enabled = true, LambdaArn = "arn:aws:lambda:us-east-1:000000000000:function:upper" },
        };
        await CreateAsync(name, destination);
        await Firehose.PutRecordBatchAsync(name, new[] { "keep-1", "drop-1", "fail-1", "keep-2" }.Select(Line).ToList());

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 2);
        var delivered = objects.Single(o => !o.Key.StartsWith("processing-failed/"));
        Assert.Equal(["KEEP-1", "KEEP-2"], Lines(Encoding.UTF8.GetString(delivered.Value)));
        var failed = objects.Single(o => o.Key.StartsWith("processing-failed/"));
        var error = System.Text.Json.JsonDocument.Parse(Lines(Encoding.UTF8.GetString(failed.Value)).Single()).RootElement;
        Assert.Equal("Lambda.ProcessingFailed", error.GetProperty("errorCode").GetString());
        Assert.Equal("fail-1\n", Encoding.UTF8.GetString(error.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:upper", error.GetProperty("lambdaArn").GetString());
    }

    [Fact]
    public async Task A_store_that_is_down_for_a_while_must_get_every_acknowledged_record_once_it_is_back()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, S3(bucket, intervalSeconds: 0));
        // A file where the bucket's folder belongs: every write fails until it is removed.
        Directory.CreateDirectory(ObjectRoot);
        var blocker = Path.Combine(ObjectRoot, bucket);
        await File.WriteAllTextAsync(blocker, "not a folder");

        var sent = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var records = Enumerable.Range(0, 10).Select(j => $"r-{i}-{j}").ToList();
            var result = await Firehose.PutRecordBatchAsync(name, records.Select(Line).ToList());
            Assert.Equal(0, result.FailedPutCount);
            sent.AddRange(records);
        }
        await AwaitFailedDeliveryAsync(name);
        File.Delete(blocker);

        var objects = await WaitForObjectsAsync(bucket, o => Lines(Content(o)).Count >= sent.Count);
        Assert.Equal(sent.Order(StringComparer.Ordinal), Lines(Content(objects)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_full_backlog_must_refuse_puts_with_ServiceUnavailable_per_entry_instead_of_growing()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, S3(bucket, intervalSeconds: 0));
        Directory.CreateDirectory(ObjectRoot);
        var blocker = Path.Combine(ObjectRoot, bucket);
        await File.WriteAllTextAsync(blocker, "not a folder");

        // The spec's backlog is 2 MiB (below): with the store down, the 3rd batch of 100 x 10 KiB cannot all fit.
        var record = new byte[10 * 1024];
        var accepted = 0;
        PutRecordBatchResult? partial = null;
        for (var i = 0; i < 5 && partial is null; i++)
        {
            var result = await Firehose.PutRecordBatchAsync(name, Enumerable.Repeat<ReadOnlyMemory<byte>>(record, 100).ToList());
            accepted += result.RequestResponses.Count(e => e.Succeeded);
            if (result.FailedPutCount > 0) partial = result;
        }
        Assert.NotNull(partial);
        Assert.Equal(2 * 1024 * 1024 / record.Length, accepted);
        var failedEntry = partial.RequestResponses.First(e => !e.Succeeded);
        Assert.Equal(ServiceUnavailableException.Code, failedEntry.ErrorCode);
        Assert.Contains("Slow down", failedEntry.ErrorMessage);
        await Assert.ThrowsAsync<ServiceUnavailableException>(() => Firehose.PutRecordAsync(name, record));

        File.Delete(blocker);
        var objects = await WaitForObjectsAsync(bucket, o => o.Values.Sum(v => v.Length) >= accepted * record.Length);
        Assert.Equal(accepted * record.Length, objects.Values.Sum(v => v.Length));
        // Delivered: the backlog has room again.
        await AwaitAssertAsync(async () => await Firehose.PutRecordAsync(name, record), TimeSpan.FromSeconds(10));
    }
}
