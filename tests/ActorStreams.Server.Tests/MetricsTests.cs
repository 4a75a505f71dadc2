using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ActorStreams.Diagnostics;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Shards;

namespace ActorStreams.Server.Tests;

/// <summary>
/// GET /metrics: the OpenTelemetry metrics in the Prometheus text format, per stream and shard and per Firehose
/// delivery stream. The meter is process-wide, so each test looks only at the series of its own streams.
/// </summary>
public sealed class MetricsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Shard0 = "shardId-000000000000";

    [Fact]
    public async Task The_scrape_endpoint_serves_records_bytes_throttling_iterator_age_journal_latency_and_membership()
    {
        var stream = await server.CreateStreamAsync("metrics");
        var records = new[] { "one", "two", "three" }.Select(d => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(d)), PartitionKey = "pk" }).ToArray();
        await server.OkAsync("PutRecords", new { StreamName = stream, Records = records });
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = Shard0, ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var read = await server.OkAsync("GetRecords", new { ShardIterator = iterator });
        Assert.Equal(3, read.GetProperty("Records").GetArrayLength());
        // GetShardIterator allows 5 calls per second per shard: the rest of 10 quick calls is throttled.
        var throttled = 0;
        for (var i = 0; i < 10; i++)
        {
            var reply = await server.CallAsync("GetShardIterator", new { StreamName = stream, ShardId = Shard0, ShardIteratorType = "LATEST" });
            if (reply.ErrorType == "ProvisionedThroughputExceededException") throttled++;
        }
        Assert.True(throttled > 0, "no GetShardIterator call was throttled");

        var shard = $"stream=\"{stream}\"";
        var text = await server.ScrapeMetricsAsync(t => t.Contains(shard));

        const long bytes = 3 + 3 + 5 + 3 * 2; // data plus the partition key "pk" of each record
        Assert.Equal(3, Value(text, "actorstreams_incoming_records_total", shard));
        Assert.Equal(bytes, Value(text, "actorstreams_incoming_bytes_total", shard));
        Assert.Equal(3, Value(text, "actorstreams_outgoing_records_total", shard));
        Assert.Equal(bytes, Value(text, "actorstreams_outgoing_bytes_total", shard));
        Assert.Equal(throttled, Value(text, "actorstreams_throttled_requests_total", shard, "operation=\"GetShardIterator\""));
        // The histograms are the node's, without stream tags: the series of a histogram could never be taken back.
        Assert.True(NodeValue(text, "actorstreams_journal_write_duration_seconds_count") >= 1);
        Assert.True(NodeValue(text, "actorstreams_iterator_age_milliseconds_count") >= 1);
        Assert.Contains(text.Split('\n'), l => l.StartsWith("actorstreams_cluster_members{", StringComparison.Ordinal) && l.Contains("status=\"up\""));
        Assert.Contains(text.Split('\n'), l => l.StartsWith("actorstreams_cluster_unreachable_members", StringComparison.Ordinal));
        Assert.Contains($"shard=\"{Shard0}\"", text);

        // One recorder feeds both: the console's counters agree with the scrape.
        var console = JsonDocument.Parse(await server.Http.GetStringAsync($"/console/api/metrics?stream={stream}")).RootElement;
        var totals = Assert.Single(console.GetProperty("Shards").EnumerateArray()).GetProperty("Totals");
        Assert.Equal(3, totals.GetProperty("IncomingRecords").GetInt64());
        Assert.Equal(bytes, totals.GetProperty("IncomingBytes").GetInt64());
        Assert.Equal(3, totals.GetProperty("OutgoingRecords").GetInt64());
        Assert.Equal(bytes, totals.GetProperty("OutgoingBytes").GetInt64());
        Assert.Equal(throttled, totals.GetProperty("ReadThrottled").GetInt64());
    }

    [Fact]
    public async Task The_scrape_endpoint_serves_Firehose_deliveries_failures_error_output_backlog_and_data_freshness()
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var (delivering, failing, waiting) = ($"metrics-ok-{id}", $"metrics-fail-{id}", $"metrics-wait-{id}");
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await FirehoseOkAsync("CreateDeliveryStream", new
        {
            DeliveryStreamName = delivering,
            ExtendedS3DestinationConfiguration = new { RoleARN = "arn:aws:iam::123456789012:role/firehose", BucketARN = $"arn:aws:s3:::ok-{id}", BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 0 } },
        });
        // Nothing listens on the endpoint's port, and a retry duration of 0 gives up after the first attempt.
        await FirehoseOkAsync("CreateDeliveryStream", new
        {
            DeliveryStreamName = failing,
            HttpEndpointDestinationConfiguration = new
            {
                EndpointConfiguration = new { Url = $"http://127.0.0.1:{closedPort}/ingest" },
                BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 0 },
                RetryOptions = new { DurationInSeconds = 0 },
                S3Configuration = new { RoleARN = "arn:aws:iam::123456789012:role/firehose", BucketARN = $"arn:aws:s3:::errors-{id}" },
            },
        });
        // 900 s: its records wait for the whole test.
        await FirehoseOkAsync("CreateDeliveryStream", new
        {
            DeliveryStreamName = waiting,
            ExtendedS3DestinationConfiguration = new { RoleARN = "arn:aws:iam::123456789012:role/firehose", BucketARN = $"arn:aws:s3:::wait-{id}", BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 900 } },
        });
        string[] data = ["alpha", "beta", "gamma"];
        const long dataBytes = 5 + 4 + 5;
        foreach (var name in new[] { delivering, failing, waiting })
        {
            var put = await FirehoseOkAsync("PutRecordBatch", new
            {
                DeliveryStreamName = name,
                Records = data.Select(d => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(d)) }).ToArray(),
            });
            Assert.Equal(0, put.GetProperty("FailedPutCount").GetInt32());
        }
        await WaitForStatisticsAsync(delivering, s => s.GetProperty("DeliveredRecords").GetInt64() == 3);
        await WaitForStatisticsAsync(failing, s => s.GetProperty("ErrorOutput").GetArrayLength() == 1);

        string Of(string name) => $"delivery_stream=\"{name}\"";
        var text = await server.ScrapeMetricsAsync(t => t.Contains(Of(delivering)) && t.Contains(Of(failing)) && t.Contains(Of(waiting)));
        Assert.Equal(3, Value(text, "actorstreams_firehose_delivered_records_total", Of(delivering), "destination=\"S3\""));
        Assert.Equal(dataBytes, Value(text, "actorstreams_firehose_delivered_bytes_total", Of(delivering), "destination=\"S3\""));
        Assert.Equal(0, Value(text, "actorstreams_firehose_backlog_records", Of(delivering)));
        Assert.Equal(0, Value(text, "actorstreams_firehose_data_freshness_seconds", Of(delivering)));
        Assert.Equal(1, Value(text, "actorstreams_firehose_delivery_failures_total", Of(failing), "destination=\"HttpEndpoint\"",
            "error_code=\"HttpEndpoint.ConnectionFailed\""));
        Assert.Equal(3, Value(text, "actorstreams_firehose_error_output_records_total", Of(failing), "error_output_type=\"http-endpoint-failed\""));
        Assert.Equal(3, Value(text, "actorstreams_firehose_backlog_records", Of(waiting), "destination=\"S3\""));
        Assert.Equal(dataBytes, Value(text, "actorstreams_firehose_backlog_bytes", Of(waiting)));
        Assert.InRange(Value(text, "actorstreams_firehose_data_freshness_seconds", Of(waiting)), 0, 600);

        // The same counts in DescribeDeliveryStream's DeliveryStatistics, with the last error.
        var failed = await StatisticsAsync(failing);
        Assert.Equal("HttpEndpoint", failed.GetProperty("Destination").GetString());
        Assert.Equal(1, failed.GetProperty("FailedDeliveryAttempts").GetInt64());
        var output = Assert.Single(failed.GetProperty("ErrorOutput").EnumerateArray());
        Assert.Equal(("http-endpoint-failed", 1L, 3L),
            (output.GetProperty("ErrorOutputType").GetString(), output.GetProperty("Buffers").GetInt64(), output.GetProperty("Records").GetInt64()));
        var error = Assert.Single(failed.GetProperty("RecentErrors").EnumerateArray());
        Assert.Equal("HttpEndpoint.ConnectionFailed", error.GetProperty("ErrorCode").GetString());
        Assert.Contains($"127.0.0.1:{closedPort}", error.GetProperty("Message").GetString());
        var backlog = await StatisticsAsync(waiting);
        Assert.Equal((3L, dataBytes), (backlog.GetProperty("BacklogRecords").GetInt64(), backlog.GetProperty("BacklogBytes").GetInt64()));
        Assert.True(backlog.GetProperty("DataFreshnessSeconds").GetDouble() >= 0);
    }

    [Fact]
    public async Task The_scrape_must_hold_no_series_of_deleted_streams()
    {
        var streams = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var stream = await server.CreateStreamAsync("metrics-deleted", shards: 2);
            streams.Add(stream);
            var records = Enumerable.Range(0, 10).Select(n => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes($"r{n}")), PartitionKey = $"pk{n}" }).ToArray();
            await server.OkAsync("PutRecords", new { StreamName = stream, Records = records });
            var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = Shard0, ShardIteratorType = "TRIM_HORIZON" }))
                .GetProperty("ShardIterator").GetString();
            await server.OkAsync("GetRecords", new { ShardIterator = iterator });
        }
        await server.ScrapeMetricsAsync(t => streams.All(s => t.Contains($"stream=\"{s}\"")));

        foreach (var stream in streams) await server.OkAsync("DeleteStream", new { StreamName = stream });

        // Deletion forgets the shards' counters at once; the scrape follows at its next collection.
        var text = await server.ScrapeMetricsAsync(t => !streams.Any(s => t.Contains(s)));
        Assert.All(streams, s => Assert.DoesNotContain(s, text));
    }

    [Fact]
    public async Task Series_past_the_SDK_cardinality_limit_must_keep_their_labels()
    {
        // The OpenTelemetry SDK keeps a point for every tag set a cumulative instrument ever reported and folds those
        // past 2,000 into one otel_metric_overflow series. A node that creates and deletes streams sees tag sets come
        // and go: 2,500 here, 100 alive at a time, on an observable instrument of the meter as the shards' counters are.
        var id = Guid.NewGuid().ToString("N")[..8];
        var family = $"actorstreams_test_churn_{id}_total";
        var generation = 0;
        using var meter = new Meter(ActorStreamsMetrics.MeterName);
        meter.CreateObservableCounter($"actorstreams.test.churn_{id}",
            () => Enumerable.Range(generation * 100, 100).Select(n => new Measurement<long>(n, new KeyValuePair<string, object?>("stream", $"churn-{id}-{n}"))),
            "{record}", "Tag sets that come and go.");

        for (generation = 0; generation < 25; generation++)
        {
            var text = await server.Http.GetStringAsync("/metrics");
            var lines = text.Split('\n').Where(l => l.StartsWith(family + "{", StringComparison.Ordinal)).ToList();
            Assert.Equal(100, lines.Count);
            var first = generation * 100;
            Assert.All(Enumerable.Range(first, 100), n => Assert.Contains(lines, l => l.Contains($"stream=\"churn-{id}-{n}\"") && l.EndsWith($" {n}", StringComparison.Ordinal)));
            Assert.DoesNotContain("otel_metric_overflow", text);
        }
    }

    [Fact]
    public async Task The_scrape_must_serve_OpenMetrics_and_gzip_with_every_family_before_the_end_marker()
    {
        var stream = await server.CreateStreamAsync("metrics-om");
        await server.OkAsync("PutRecord", new { StreamName = stream, Data = Convert.ToBase64String("x"u8.ToArray()), PartitionKey = "pk" });
        await server.ScrapeMetricsAsync(t => t.Contains($"stream=\"{stream}\""));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.ParseAdd("application/openmetrics-text; version=1.0.0");
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var response = await server.Http.SendAsync(request);
        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.StartsWith("application/openmetrics-text", response.Content.Headers.ContentType?.MediaType);
        await using var gzip = new System.IO.Compression.GZipStream(await response.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress);
        var text = await new StreamReader(gzip).ReadToEndAsync();

        Assert.EndsWith("\n# EOF\n", text);
        Assert.Equal(1, text.Split('\n').Count(l => l == "# EOF"));
        Assert.Contains("# TYPE actorstreams_incoming_records counter\n", text);
        Assert.Contains("# TYPE actorstreams_incoming_bytes counter\n# UNIT actorstreams_incoming_bytes bytes\n", text);
        Assert.Contains("# TYPE actorstreams_journal_write_duration_seconds histogram\n", text);
        Assert.Contains(text.Split('\n'), l => l.StartsWith("actorstreams_incoming_records_total{", StringComparison.Ordinal) && l.Contains($"stream=\"{stream}\"") && l.EndsWith(" 1", StringComparison.Ordinal));
    }

    /// <summary>The value of a series of the node (no stream labels), with or without scope labels.</summary>
    private static double NodeValue(string text, string metric)
    {
        var line = Assert.Single(text.Split('\n'), l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal));
        var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ');
        return double.Parse(line.Contains('}') ? value[0] : value[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task<JsonElement> FirehoseOkAsync(string operation, object body) => server.OkAsync(AwsJsonRequest.Firehose + operation, body);

    private async Task<JsonElement> StatisticsAsync(string name) =>
        (await FirehoseOkAsync("DescribeDeliveryStream", new { DeliveryStreamName = name }))
            .GetProperty("DeliveryStreamDescription").GetProperty("DeliveryStatistics");

    private Task WaitForStatisticsAsync(string name, Func<JsonElement, bool> done) =>
        Eventually.EventuallyAsync(async () =>
        {
            var statistics = await StatisticsAsync(name);
            Assert.True(done(statistics), $"{name}'s statistics did not get there: {statistics}");
        }, TimeSpan.FromSeconds(30));

    private static double Value(string text, string metric, params string[] labels) => PrometheusScrape.Value(text, metric, labels);
}
