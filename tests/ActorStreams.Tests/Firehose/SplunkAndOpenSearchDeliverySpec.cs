using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using ActorStreams.Firehose;
using ActorStreams.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// Splunk HEC and OpenSearch <c>_bulk</c> delivery against local servers that check the formats strictly, with
/// faults injected: every acknowledged record arrives, refused ones land in the error output.
/// </summary>
public sealed class SplunkAndOpenSearchDeliverySpec(ITestOutputHelper output)
    : FirehoseSpec(output, config: "actorstreams.firehose.http-request-timeout = 2s")
{
    private static ReadOnlyMemory<byte> Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static Task WaitAsync(Func<bool> condition, string what) =>
        Eventually.EventuallyAsync(condition, what, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));

    // ---------------- Splunk ----------------

    private sealed class FakeHec
    {
        public ConcurrentQueue<string> Violations { get; } = new();
        public ConcurrentQueue<JsonElement> Events { get; } = new();
        public ConcurrentQueue<string> RawLines { get; } = new();
        public int Unavailable;
        public volatile bool Malformed;
        private long _nextAck;
        private readonly ConcurrentDictionary<long, (int Polls, List<JsonElement> Events, List<string> Raw)> _pending = new();

        public async Task HandleAsync(HttpListenerContext context)
        {
            var request = context.Request;
            if (request.HttpMethod != "POST") Violations.Enqueue($"method {request.HttpMethod}");
            if (request.Headers["Authorization"] != "Splunk hec-token") Violations.Enqueue($"Authorization {request.Headers["Authorization"]}");
            var channel = request.Headers["X-Splunk-Request-Channel"];
            if (!Guid.TryParse(channel, out _)) Violations.Enqueue($"channel {channel}");
            var body = await LocalHttpServer.BodyAsync(request);
            var path = request.Url!.AbsolutePath;
            if (path == "/services/collector/ack")
            {
                if (request.QueryString["channel"] != channel) Violations.Enqueue("ack channel differs from the header");
                var acks = JsonDocument.Parse(body).RootElement.GetProperty("acks").EnumerateArray().Select(a => a.GetInt64()).ToList();
                var answer = new Dictionary<string, bool>();
                foreach (var id in acks)
                {
                    // The first poll of each ack answers false: the client must poll again.
                    var state = _pending.AddOrUpdate(id, _ => (1, [], []), (_, s) => (s.Polls + 1, s.Events, s.Raw));
                    var done = state.Polls > 1;
                    answer[id.ToString()] = done;
                    if (done && _pending.TryRemove(id, out var committed))
                    {
                        foreach (var e in committed.Events) Events.Enqueue(e);
                        foreach (var r in committed.Raw) RawLines.Enqueue(r);
                    }
                }
                await LocalHttpServer.AnswerAsync(context.Response, 200, JsonSerializer.Serialize(new { acks = answer }));
                return;
            }
            if (Interlocked.Decrement(ref Unavailable) >= 0)
            {
                await LocalHttpServer.AnswerAsync(context.Response, 503, "{\"text\":\"Server is busy\",\"code\":9}");
                return;
            }
            if (Malformed)
            {
                await LocalHttpServer.AnswerAsync(context.Response, 400, "{\"text\":\"Invalid data format\",\"code\":6}");
                return;
            }
            var events = new List<JsonElement>();
            var raw = new List<string>();
            if (path == "/services/collector/event")
            {
                foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var e = JsonDocument.Parse(line).RootElement.Clone();
                    if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("event", out _)) Violations.Enqueue($"not a HEC event: {line}");
                    events.Add(e);
                }
            }
            else if (path == "/services/collector/raw") raw.AddRange(body.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            else Violations.Enqueue($"path {path}");
            var ackId = Interlocked.Increment(ref _nextAck);
            _pending[ackId] = (0, events, raw);
            await LocalHttpServer.AnswerAsync(context.Response, 200, $"{{\"text\":\"Success\",\"code\":0,\"ackId\":{ackId}}}");
        }
    }

    private SplunkDestination Splunk(LocalHttpServer server, string bucket, bool events = true, int retrySeconds = 60) => new()
    {
        HecEndpoint = server.BaseUrl,
        EventEndpoint = events,
        HecToken = "hec-token",
        BufferingHints = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 0 },
        RetryDurationInSeconds = retrySeconds,
        S3Configuration = S3(bucket, intervalSeconds: 0),
    };

    [Fact]
    public async Task Splunk_events_must_be_HEC_events_acknowledged_by_the_indexer_after_busy_answers()
    {
        var hec = new FakeHec { Unavailable = 2 };
        await using var server = new LocalHttpServer(hec.HandleAsync);
        var name = UniqueName("splunk");
        await CreateAsync(name, Splunk(server, "splunk-backup"));
        var result = await Firehose.PutRecordBatchAsync(name, [
            Utf8("{\"user\":\"ann\",\"action\":\"login\"}"),
            Utf8("plain text line"),
            Utf8("{\"event\":{\"preformatted\":true},\"sourcetype\":\"custom\"}"),
        ]);
        Assert.Equal(0, result.FailedPutCount);

        await WaitAsync(() => hec.Events.Count >= 3, "three acknowledged events");
        Assert.Empty(hec.Violations);
        var events = hec.Events.ToList();
        Assert.Contains(events, e => e.GetProperty("event").ValueKind == JsonValueKind.Object && e.GetProperty("event").TryGetProperty("user", out var u) && u.GetString() == "ann"
            && e.GetProperty("time").GetDecimal() > 1_000_000_000m);
        Assert.Contains(events, e => e.GetProperty("event").ValueKind == JsonValueKind.String && e.GetProperty("event").GetString() == "plain text line");
        Assert.Contains(events, e => e.TryGetProperty("sourcetype", out var t) && t.GetString() == "custom");
        Assert.Empty(Objects("splunk-backup"));
    }

    [Fact]
    public async Task Splunk_raw_records_must_arrive_as_lines_and_a_400_must_send_them_to_splunk_failed()
    {
        var hec = new FakeHec();
        await using var server = new LocalHttpServer(hec.HandleAsync);
        var name = UniqueName("splunk");
        await CreateAsync(name, Splunk(server, "splunk-backup-2", events: false));
        await Firehose.PutRecordBatchAsync(name, [Utf8("raw one"), Utf8("raw two\n")]);
        await WaitAsync(() => hec.RawLines.Count >= 2, "raw lines");
        Assert.Equal(["raw one", "raw two"], hec.RawLines.ToArray());

        hec.Malformed = true;
        await Firehose.PutRecordAsync(name, Utf8("refused"));
        var objects = await WaitForObjectsAsync("splunk-backup-2", o => o.Count == 1);
        var (key, data) = objects.Single();
        Assert.StartsWith("splunk-failed/", key);
        var error = JsonDocument.Parse(Encoding.UTF8.GetString(data).Trim()).RootElement;
        Assert.Equal("Splunk.InvalidDataFormat", error.GetProperty("errorCode").GetString());
        Assert.Equal("refused", Encoding.UTF8.GetString(error.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Empty(hec.Violations);
    }

    // ---------------- OpenSearch ----------------

    private sealed class FakeOpenSearch
    {
        public ConcurrentQueue<string> Violations { get; } = new();
        public ConcurrentDictionary<string, (string Index, string Document)> Documents { get; } = new();
        public ConcurrentQueue<int> RequestSizes { get; } = new();
        /// <summary>Documents whose "n" is in here are answered 429 once.</summary>
        public ConcurrentDictionary<int, bool> BusyOnce { get; } = new();
        /// <summary>Documents whose "n" is in here are refused with a mapping error.</summary>
        public HashSet<int> Unmappable { get; } = [];

        public async Task HandleAsync(HttpListenerContext context)
        {
            var request = context.Request;
            if (request.HttpMethod != "POST" || request.Url!.AbsolutePath != "/_bulk") Violations.Enqueue($"{request.HttpMethod} {request.Url!.AbsolutePath}");
            if (request.ContentType != "application/x-ndjson") Violations.Enqueue($"content type {request.ContentType}");
            var body = await LocalHttpServer.BodyAsync(request);
            if (!body.EndsWith('\n')) Violations.Enqueue("the body does not end with a newline");
            var lines = body.Split('\n');
            var pairs = (lines.Length - 1) / 2;
            if (lines.Length % 2 != 1 || lines[^1] != "") Violations.Enqueue("the body is not action/document line pairs");
            RequestSizes.Enqueue(pairs);
            var items = new List<object>();
            for (var i = 0; i < pairs; i++)
            {
                var action = JsonDocument.Parse(lines[2 * i]).RootElement.GetProperty("index");
                var index = action.GetProperty("_index").GetString()!;
                var id = action.GetProperty("_id").GetString()!;
                var document = lines[2 * i + 1];
                var n = JsonDocument.Parse(document).RootElement.GetProperty("n").GetInt32();
                if (BusyOnce.TryRemove(n, out _))
                {
                    items.Add(new { index = new { _index = index, _id = id, status = 429, error = new { type = "es_rejected_execution_exception", reason = "busy" } } });
                    continue;
                }
                if (Unmappable.Contains(n))
                {
                    items.Add(new { index = new { _index = index, _id = id, status = 400, error = new { type = "mapper_parsing_exception", reason = "failed to parse field [n]" } } });
                    continue;
                }
                Documents[id] = (index, document);
                items.Add(new { index = new { _index = index, _id = id, status = 201, result = "created" } });
            }
            await LocalHttpServer.AnswerAsync(context.Response, 200, JsonSerializer.Serialize(new { took = 1, errors = items.Count > 0, items }));
        }
    }

    [Fact]
    public async Task Bulk_requests_must_index_every_document_retry_only_busy_items_and_refuse_unmappable_ones()
    {
        var search = new FakeOpenSearch();
        search.BusyOnce[3] = true;
        search.BusyOnce[7] = true;
        search.Unmappable.Add(5);
        await using var server = new LocalHttpServer(search.HandleAsync);
        var name = UniqueName("os");
        await CreateAsync(name, new OpenSearchDestination
        {
            ClusterEndpoint = server.BaseUrl,
            IndexName = "logs",
            IndexRotationPeriod = IndexRotationPeriod.OneDay,
            BufferingHints = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 1 },
            RetryDurationInSeconds = 60,
            S3Configuration = S3("os-backup", intervalSeconds: 0),
        });
        var records = Enumerable.Range(0, 10).Select(n => Utf8($"{{\n  \"n\": {n},\n  \"text\": \"doc {n}\"\n}}")).ToList();
        records.Add(Utf8("not json"));
        Assert.Equal(0, (await Firehose.PutRecordBatchAsync(name, records)).FailedPutCount);

        var objects = await WaitForObjectsAsync("os-backup", o => o.Count == 1 && Encoding.UTF8.GetString(o.Values.Single()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2);
        await WaitAsync(() => search.Documents.Count >= 9, "nine documents indexed");
        Assert.Empty(search.Violations);
        var day = Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd");
        Assert.All(search.Documents.Values, d => Assert.Equal($"logs-{day}", d.Index));
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 6, 7, 8, 9 }, search.Documents.Values.Select(d => JsonDocument.Parse(d.Document).RootElement.GetProperty("n").GetInt32()).Order());
        // The first request carried all 10 JSON records; the retry only the two busy ones.
        Assert.Equal([10, 2], search.RequestSizes.ToArray());

        var (key, data) = objects.Single();
        Assert.StartsWith("AmazonOpenSearchService-failed/", key);
        var errors = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(errors, e => e.GetProperty("errorCode").GetString() == "OS.mapper_parsing_exception");
        Assert.Contains(errors, e => e.GetProperty("errorCode").GetString() == "OS.MalformedJson" && Encoding.UTF8.GetString(e.GetProperty("rawData").GetBytesFromBase64()) == "not json");
    }

    [Fact]
    public async Task A_cluster_that_is_down_for_a_while_must_get_every_document_once_it_is_back()
    {
        var search = new FakeOpenSearch();
        await using var server = new LocalHttpServer(search.HandleAsync);
        await server.StopAsync();
        var name = UniqueName("os");
        await CreateAsync(name, new OpenSearchDestination
        {
            ClusterEndpoint = server.BaseUrl,
            IndexName = "events",
            IndexRotationPeriod = IndexRotationPeriod.NoRotation,
            BufferingHints = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 0 },
            S3Configuration = S3("os-backup-2", intervalSeconds: 0),
        });
        for (var b = 0; b < 5; b++)
            Assert.Equal(0, (await Firehose.PutRecordBatchAsync(name, Enumerable.Range(b * 20, 20).Select(n => Utf8($"{{\"n\":{n}}}")).ToList())).FailedPutCount);
        await AwaitFailedDeliveryAsync(name);
        server.Start();

        await WaitAsync(() => search.Documents.Count >= 100, "all documents indexed");
        Assert.Equal(Enumerable.Range(0, 100), search.Documents.Values.Select(d => JsonDocument.Parse(d.Document).RootElement.GetProperty("n").GetInt32()).Order());
        Assert.All(search.Documents.Values, d => Assert.Equal("events", d.Index));
        Assert.Empty(search.Violations);
        Assert.Empty(Objects("os-backup-2"));
    }

    [Fact]
    public async Task An_OpenSearch_Serverless_collection_must_get_the_same_bulk_requests_into_its_index_and_refusals_go_to_its_error_output()
    {
        var search = new FakeOpenSearch();
        search.Unmappable.Add(2);
        await using var server = new LocalHttpServer(search.HandleAsync);
        var name = UniqueName("oss");
        await CreateAsync(name, new OpenSearchDestination
        {
            Serverless = true,
            ClusterEndpoint = server.BaseUrl,
            IndexName = "metrics",
            IndexRotationPeriod = IndexRotationPeriod.NoRotation,
            BufferingHints = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 0 },
            S3Configuration = S3("oss-backup", intervalSeconds: 0),
        });
        Assert.Equal(0, (await Firehose.PutRecordBatchAsync(name, Enumerable.Range(0, 5).Select(n => Utf8($"{{\"n\":{n}}}")).ToList())).FailedPutCount);

        var objects = await WaitForObjectsAsync("oss-backup", o => o.Count == 1);
        await WaitAsync(() => search.Documents.Count >= 4, "four documents indexed");
        Assert.Empty(search.Violations);
        Assert.Equal([0, 1, 3, 4], search.Documents.Values.Select(d => JsonDocument.Parse(d.Document).RootElement.GetProperty("n").GetInt32()).Order());
        Assert.All(search.Documents.Values, d => Assert.Equal("metrics", d.Index));
        var (key, data) = objects.Single();
        Assert.StartsWith("AmazonOpenSearchServerless-failed/", key);
        Assert.Equal("OS.mapper_parsing_exception", JsonDocument.Parse(Encoding.UTF8.GetString(data).Trim()).RootElement.GetProperty("errorCode").GetString());
        Assert.True(((OpenSearchDestination)(await Firehose.DescribeDeliveryStreamAsync(name)).Destination).Serverless);
        // A collection does not rotate its index.
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(UniqueName("oss"), new OpenSearchDestination
        {
            Serverless = true, ClusterEndpoint = server.BaseUrl, IndexName = "metrics", IndexRotationPeriod = IndexRotationPeriod.OneDay,
            S3Configuration = S3("oss-backup", intervalSeconds: 0),
        }));
    }
}
