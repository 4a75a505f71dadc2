using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// Firehose's built-in processors through the server, into the directory object store: KPL aggregates made by
/// <c>aws-kinesis-agg</c> (put to a Kinesis stream read by a delivery stream, and put directly with RecordDeAggregation),
/// CloudWatch Logs subscription payloads through Decompression and CloudWatchLogProcessing, and the corrupt records of
/// each in the error output with their error codes while the rest is delivered.
/// </summary>
public sealed class FirehoseProcessorsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private Task<Dictionary<string, byte[]>> WaitForObjectsAsync(string bucket, Func<Dictionary<string, byte[]>, bool> done) =>
        DirectoryStore.WaitForObjectsAsync(Path.Combine(server.DataDir, "objects", bucket), bucket, done, Timeout);

    private static object Processor(string type, params (string Name, string Value)[] parameters) =>
        new { Type = type, Parameters = parameters.Select(p => new { ParameterName = p.Name, ParameterValue = p.Value }).ToArray() };

    private static object S3(string bucket, params object[] processors) => new
    {
        RoleARN = "arn:aws:iam::000000000000:role/firehose",
        BucketARN = $"arn:aws:s3:::{bucket}",
        Prefix = "data/",
        ErrorOutputPrefix = "errors/!{firehose:error-output-type}/",
        BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 0 },
        ProcessingConfiguration = new { Enabled = true, Processors = processors },
    };

    private async Task PutBatchAsync(string name, IEnumerable<byte[]> records)
    {
        var reply = await server.OkAsync("Firehose_20150804.PutRecordBatch",
            new { DeliveryStreamName = name, Records = records.Select(r => new { Data = Convert.ToBase64String(r) }).ToArray() });
        Assert.Equal(0, reply.GetProperty("FailedPutCount").GetInt32());
    }

    private static List<string> Lines(Dictionary<string, byte[]> objects, string prefix) =>
        objects.Where(o => o.Key.StartsWith(prefix)).OrderBy(o => o.Key)
            .SelectMany(o => Encoding.UTF8.GetString(o.Value).Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();

    private static List<JsonElement> Errors(Dictionary<string, byte[]> objects, string type) =>
        objects.Where(o => o.Key.StartsWith($"errors/{type}/"))
            .SelectMany(o => Encoding.UTF8.GetString(o.Value).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static async Task<string> NodeAsync(params string[] args)
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["kpl-aggregation.mjs", .. args], Timeout);
        Assert.True(code == 0, $"node kpl-aggregation.mjs {string.Join(' ', args)} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        return stdout;
    }

    [JavaScriptSdkFact]
    public async Task A_delivery_stream_reading_a_Kinesis_stream_de_aggregates_aws_kinesis_agg_records_by_itself_one_line_each_in_order_per_key()
    {
        const int count = 2_000;
        var stream = await server.CreateStreamAsync("kplfh", shards: 2);
        await NodeAsync("put", server.BaseAddress.ToString().TrimEnd('/'), stream, $"{count}", "10");
        var name = NewName("kplsrc");
        var bucket = NewName("kplsrc");

        await server.OkAsync("Firehose_20150804.CreateDeliveryStream", new
        {
            DeliveryStreamName = name,
            DeliveryStreamType = "KinesisStreamAsSource",
            KinesisStreamSourceConfiguration = new
            {
                KinesisStreamARN = $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}",
                RoleARN = "arn:aws:iam::000000000000:role/firehose",
            },
            ExtendedS3DestinationConfiguration = S3(bucket, Processor("AppendDelimiterToRecord")),
        });

        var objects = await WaitForObjectsAsync(bucket, o => Lines(o, "data/").Count >= count);
        var lines = Lines(objects, "data/");
        var numbers = lines.Select(l => int.Parse(l["record ".Length..])).ToList();
        Assert.Equal(Enumerable.Range(0, count), numbers.Order());
        // Objects of one delivery stream are named in delivery order; the records of a key arrive in the order written.
        foreach (var key in numbers.GroupBy(n => n % 10))
            Assert.Equal(key.Order(), key);
    }

    [JavaScriptSdkFact]
    public async Task RecordDeAggregation_KPL_with_AppendDelimiterToRecord_delivers_every_user_record_and_sends_a_corrupt_aggregate_to_the_error_output()
    {
        var name = NewName("kpldp");
        var bucket = NewName("kpldp");
        await server.OkAsync("Firehose_20150804.CreateDeliveryStream", new
        {
            DeliveryStreamName = name,
            ExtendedS3DestinationConfiguration = S3(bucket, Processor("RecordDeAggregation", ("SubRecordType", "KPL")), Processor("AppendDelimiterToRecord")),
        });
        var described = (await server.OkAsync("Firehose_20150804.DescribeDeliveryStream", new { DeliveryStreamName = name }))
            .GetProperty("DeliveryStreamDescription").GetProperty("Destinations")[0].GetProperty("ExtendedS3DestinationDescription")
            .GetProperty("ProcessingConfiguration").GetProperty("Processors");
        Assert.Equal(["RecordDeAggregation", "AppendDelimiterToRecord"], described.EnumerateArray().Select(p => p.GetProperty("Type").GetString()));

        var input = Path.Combine(server.DataDir, $"{name}-in.json");
        var output = Path.Combine(server.DataDir, $"{name}-out.json");
        var userRecords = Enumerable.Range(0, 300).Select(i => new { partitionKey = $"key-{i % 4}", data = Convert.ToBase64String(Encoding.UTF8.GetBytes($"user {i}")) });
        await File.WriteAllTextAsync(input, JsonSerializer.Serialize(userRecords));
        await NodeAsync("encode", input, output);
        var aggregates = JsonDocument.Parse(await File.ReadAllTextAsync(output)).RootElement.EnumerateArray()
            .Select(e => Convert.FromBase64String(e.GetProperty("data").GetString()!)).ToList();
        var corrupt = (byte[])aggregates[0].Clone();
        corrupt[^3] ^= 0x5A;

        await PutBatchAsync(name, [.. aggregates, corrupt, Encoding.UTF8.GetBytes("not aggregated")]);

        var objects = await WaitForObjectsAsync(bucket, o => Lines(o, "data/").Count >= 301 && Errors(o, "processing-failed").Count == 1);
        Assert.Equal([.. Enumerable.Range(0, 300).Select(i => $"user {i}"), "not aggregated"], Lines(objects, "data/"));
        var error = Assert.Single(Errors(objects, "processing-failed"));
        Assert.Equal("RecordDeAggregation.InvalidInput", error.GetProperty("errorCode").GetString());
        Assert.Equal(corrupt, error.GetProperty("rawData").GetBytesFromBase64());
    }

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    private static string Envelope(string type, params string[] messages) => JsonSerializer.Serialize(new
    {
        messageType = type,
        owner = "123456789012",
        logGroup = "g",
        logStream = "s",
        subscriptionFilters = new[] { "f" },
        logEvents = messages.Select((m, i) => new { id = $"{i + 1}", timestamp = i + 1, message = m }).ToArray(),
    });

    [Fact]
    public async Task CloudWatch_Logs_payloads_through_Decompression_and_CloudWatchLogProcessing_land_as_their_messages_one_per_line()
    {
        var name = NewName("cwl");
        var bucket = NewName("cwl");
        await server.OkAsync("Firehose_20150804.CreateDeliveryStream", new
        {
            DeliveryStreamName = name,
            ExtendedS3DestinationConfiguration = S3(bucket,
                Processor("Decompression", ("CompressionFormat", "GZIP")),
                Processor("CloudWatchLogProcessing", ("DataMessageExtraction", "true")),
                Processor("AppendDelimiterToRecord")),
        });
        var truncated = Gzip(Envelope("DATA_MESSAGE", string.Concat(Enumerable.Repeat("lost ", 100))))[..^6];
        var notJson = Gzip("<html>not an envelope</html>");

        await PutBatchAsync(name,
        [
            Gzip(Envelope("DATA_MESSAGE", "line")),
            Gzip(Envelope("CONTROL_MESSAGE", "CWL CONTROL MESSAGE: Checking health of destination Firehose.")),
            truncated,
            notJson,
            Gzip(Envelope("DATA_MESSAGE", "second line", "third line")),
        ]);

        var objects = await WaitForObjectsAsync(bucket, o =>
            Lines(o, "data/").Count >= 3 && Errors(o, "decompression-failed").Count == 1 && Errors(o, "processing-failed").Count == 1);
        Assert.Equal(["line", "second line", "third line"], Lines(objects, "data/"));
        var decompression = Assert.Single(Errors(objects, "decompression-failed"));
        Assert.Equal("Decompression.InvalidInput", decompression.GetProperty("errorCode").GetString());
        Assert.Equal(truncated, decompression.GetProperty("rawData").GetBytesFromBase64());
        var processing = Assert.Single(Errors(objects, "processing-failed"));
        Assert.Equal("CloudWatchLogProcessing.InvalidInput", processing.GetProperty("errorCode").GetString());
        Assert.Equal(notJson, processing.GetProperty("rawData").GetBytesFromBase64());
    }

    [Fact]
    public async Task Processors_with_bad_parameters_are_refused()
    {
        async Task RefusedAsync(params object[] processors)
        {
            var reply = await server.CallAsync("Firehose_20150804.CreateDeliveryStream",
                new { DeliveryStreamName = NewName("bad"), ExtendedS3DestinationConfiguration = S3(NewName("bad"), processors) });
            reply.AssertError(System.Net.HttpStatusCode.BadRequest, "InvalidArgumentException");
        }

        await RefusedAsync(Processor("Decompression", ("CompressionFormat", "ZIP")));
        await RefusedAsync(Processor("CloudWatchLogProcessing", ("DataMessageExtraction", "true")));
        await RefusedAsync(Processor("RecordDeAggregation", ("SubRecordType", "XML")));
        await RefusedAsync(Processor("RecordDeAggregation", ("SubRecordType", "DELIMITED")));
        await RefusedAsync(Processor("AppendDelimiterToRecord", ("Delimiter", "not base64!")));
    }
}
