using System.Text;
using System.Text.Json;
using ActorStreams.Firehose;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// Dynamic partitioning: keys from a jq query (nested paths, indexes) and from a transformation's metadata, one buffer
/// and one object per partition under the evaluated prefix, records without keys in <c>partitioning-failed</c>, the
/// active partition limit, and Firehose's configuration rules. The backlog is 2 MiB, so a partition closes its buffer
/// at 1 MiB (half the backlog) although the size hint cannot be below 64 MiB.
/// </summary>
public sealed class DynamicPartitioningSpec(ITestOutputHelper output)
    : FirehoseSpec(output, config: """
        actorstreams.firehose.max-backlog-bytes = 2 MiB
        actorstreams.firehose.max-active-partitions = 6
        """)
{
    internal const string Query = "{customer_id: .customer_id, device: .device[\"type\"], first_tag: .tags[0]}";
    internal const string Prefix = "data/customer=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromQuery:device}/";
    internal const string ErrorPrefix = "errors/!{firehose:error-output-type}/";

    internal static ObjectStoreDestination Partitioned(string bucket, int intervalSeconds = 1, string query = Query, string prefix = Prefix,
        string? lambda = null, int retrySeconds = 300) => new()
    {
        BucketArn = "arn:aws:s3:::" + bucket,
        BufferingHints = new BufferingHints { SizeInMBs = FirehoseLimits.MinDynamicPartitioningBufferSizeMiB, IntervalInSeconds = intervalSeconds },
        Prefix = prefix,
        ErrorOutputPrefix = ErrorPrefix,
        DynamicPartitioning = new DynamicPartitioningConfiguration { Enabled = true, RetryDurationInSeconds = retrySeconds },
        Processing = new ProcessingConfiguration { Enabled = true, MetadataExtractionQuery = query, JsonParsingEngine = "JQ-1.6", LambdaArn = lambda },
    };

    internal static string Event(int customer, string device, int n, string tag = "t") =>
        $"{{\"customer_id\":{customer},\"device\":{{\"type\":\"{device}\"}},\"tags\":[\"{tag}\"],\"n\":{n}}}\n";

    private async Task PutAsync(string name, IEnumerable<string> records)
    {
        var batch = await Firehose.PutRecordBatchAsync(name, records.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r)).ToList());
        Assert.Equal(0, batch.FailedPutCount);
    }

    private static List<string> Lines(byte[] data) => Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    [Fact]
    public async Task Records_must_land_one_object_per_partition_under_the_prefix_evaluated_with_their_keys()
    {
        var name = UniqueName("dp");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, Partitioned(bucket));
        var sent = new List<string>();
        for (var i = 0; i < 30; i++) sent.Add(Event(i % 3, i % 2 == 0 ? "mobile" : "desktop", i));
        await PutAsync(name, sent.Take(15));
        await PutAsync(name, sent.Skip(15));

        var objects = await WaitForObjectsAsync(bucket, o => o.Values.Sum(v => Lines(v).Count) >= sent.Count);
        // 3 customers x 2 devices, all within one interval: one object each, named right under the partition's prefix.
        Assert.Equal(6, objects.Count);
        foreach (var (key, data) in objects)
        {
            var match = System.Text.RegularExpressions.Regex.Match(key,
                $@"^data/customer=(\d)/device=(mobile|desktop)/{name}-1-\d{{4}}(-\d{{2}}){{5}}-[0-9a-f-]{{36}}$");
            Assert.True(match.Success, key);
            var expected = sent.Where(s => s.Contains($"\"customer_id\":{match.Groups[1].Value},") && s.Contains($"\"{match.Groups[2].Value}\""))
                .Select(s => s.TrimEnd('\n'));
            Assert.Equal(expected, Lines(data));
        }
    }

    [Fact]
    public async Task Records_that_are_not_JSON_or_lack_a_key_must_go_to_partitioning_failed_and_the_others_be_delivered()
    {
        var name = UniqueName("dp");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, Partitioned(bucket));
        var good = Event(7, "tv", 1);
        var bad = new[]
        {
            "not json at all\n",
            "{\"customer_id\":7,\"tags\":[\"x\"]}\n",                         // no device
            "{\"customer_id\":7,\"device\":{\"type\":null},\"tags\":[]}\n",  // a null key
            "{\"customer_id\":{\"id\":7},\"device\":{\"type\":\"tv\"}}\n",     // an object is no key
            "{\"customer_id\":\"..\",\"device\":{\"type\":\"tv\"}}\n",         // would climb out of the prefix
        };
        await PutAsync(name, [good, .. bad]);

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 2);
        var data = Assert.Single(objects, o => o.Key.StartsWith("data/customer=7/device=tv/"));
        Assert.Equal([good.TrimEnd('\n')], Lines(data.Value));
        var errors = Assert.Single(objects, o => o.Key.StartsWith("errors/partitioning-failed/"));
        var lines = Lines(errors.Value).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(bad, lines.Select(l => Encoding.UTF8.GetString(l.GetProperty("rawData").GetBytesFromBase64())));
        Assert.All(lines, l => Assert.Equal("DynamicPartitioning.MetadataExtractionFailed", l.GetProperty("errorCode").GetString()));
        Assert.Contains("device", lines[1].GetProperty("errorMessage").GetString());
    }

    [Fact]
    public async Task Each_partition_must_close_its_own_buffer_by_size_while_a_small_partition_waits_for_its_interval()
    {
        var name = UniqueName("dp");
        var bucket = UniqueBucket("bucket");
        // A 900 s interval: only the size (1 MiB here, half the backlog) closes buffers during the test.
        await CreateAsync(name, Partitioned(bucket, intervalSeconds: 900));
        var padding = new string('x', 8 * 1024);
        var big = Enumerable.Range(0, 180).Select(i => Event(1, "big", i, padding)).ToList();
        await PutAsync(name, [Event(2, "small", 0)]);
        for (var i = 0; i < big.Count; i += 60) await PutAsync(name, big.Skip(i).Take(60));

        var objects = await WaitForObjectsAsync(bucket, o => o.Count >= 1);
        await Task.Delay(500); // a quiet window on the delivery graph's real I/O: the small partition may not follow
        objects = Objects(bucket);
        Assert.All(objects.Keys, k => Assert.StartsWith("data/customer=1/device=big/", k));
        Assert.All(objects.Values, v => Assert.InRange(v.Length, 1, 1024 * 1024));
        var delivered = objects.OrderBy(o => o.Key).SelectMany(o => Lines(o.Value)).ToList();
        Assert.InRange(delivered.Count, 1, big.Count - 1);
        Assert.All(delivered, l => Assert.Contains(l + "\n", big));
        Assert.DoesNotContain(objects.Keys, k => k.Contains("small"));
    }

    [Fact]
    public async Task Partitions_must_all_close_early_once_their_open_records_hold_half_the_backlog()
    {
        var name = UniqueName("dp");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, Partitioned(bucket, intervalSeconds: 900));
        // Four partitions of about 264 KB: none reaches the 1 MiB size limit, together they pass half the 2 MiB backlog.
        var padding = new string('x', 8 * 1024);
        var sent = Enumerable.Range(0, 128).Select(i => Event(i % 4, "d", i, padding)).ToList();
        Assert.True(sent.Sum(r => r.Length) >= 1024 * 1024);
        await PutAsync(name, sent);

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 4);
        for (var c = 0; c < 4; c++)
            Assert.Equal(sent.Where((_, i) => i % 4 == c).Select(r => r.TrimEnd('\n')), Lines(Assert.Single(objects, o => o.Key.StartsWith($"data/customer={c}/")).Value));
    }

    [Fact]
    public async Task Keys_from_a_transformations_metadata_must_partition_and_records_without_them_fail()
    {
        var name = UniqueName("dp");
        var bucket = UniqueBucket("bucket");
        Firehose.RegisterTransformation("region-tagger", (records, _) => Task.FromResult<IReadOnlyList<TransformationOutputRecord>>(records.Select(r =>
        {
            var text = Encoding.UTF8.GetString(r.Data.Span);
            var region = text.Split(':')[0];
            return new TransformationOutputRecord(r.RecordId, TransformationResult.Ok, Encoding.UTF8.GetBytes(text.ToUpperInvariant()))
            {
                PartitionKeys = region == "none" ? null : new Dictionary<string, string> { ["region"] = region },
            };
        }).ToList()));
        await CreateAsync(name, Partitioned(bucket, prefix: "by-region/!{partitionKeyFromLambda:region}/", lambda: "region-tagger") with
        {
            Processing = new ProcessingConfiguration { Enabled = true, LambdaArn = "arn:aws:lambda:us-east-1:000000000000:function:region-tagger" },
        });
        await PutAsync(name, ["eu:a\n", "us:b\n", "eu:c\n", "none:d\n"]);

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 3);
        Assert.Equal(["EU:A", "EU:C"], Lines(Assert.Single(objects, o => o.Key.StartsWith("by-region/eu/")).Value));
        Assert.Equal(["US:B"], Lines(Assert.Single(objects, o => o.Key.StartsWith("by-region/us/")).Value));
        var failed = JsonDocument.Parse(Lines(Assert.Single(objects, o => o.Key.StartsWith("errors/partitioning-failed/")).Value).Single()).RootElement;
        Assert.Equal("NONE:D\n", Encoding.UTF8.GetString(failed.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Contains("metadata.partitionKeys.region", failed.GetProperty("errorMessage").GetString());
    }

    [Fact]
    public async Task An_HTTP_transformations_metadata_partitionKeys_and_a_query_on_its_output_must_partition_together()
    {
        var name = UniqueName("dp");
        var bucket = UniqueBucket("bucket");
        await using var endpoint = new LocalHttpServer(async context =>
        {
            var body = JsonDocument.Parse(await LocalHttpServer.BodyAsync(context.Request)).RootElement;
            var records = body.GetProperty("records").EnumerateArray().Select(r =>
            {
                var input = JsonDocument.Parse(r.GetProperty("data").GetBytesFromBase64()).RootElement;
                var customer = input.GetProperty("customer").GetInt32();
                // The query reads the transformed record: the customer moves to customer_id.
                var output = $"{{\"customer_id\":{customer},\"n\":{input.GetProperty("n").GetInt32()}}}\n";
                return new
                {
                    recordId = r.GetProperty("recordId").GetString(),
                    result = "Ok",
                    data = Convert.ToBase64String(Encoding.UTF8.GetBytes(output)),
                    metadata = new { partitionKeys = new Dictionary<string, string> { ["region"] = customer < 5 ? "eu" : "us" } },
                };
            }).ToList();
            await LocalHttpServer.AnswerAsync(context.Response, 200, JsonSerializer.Serialize(new { records }));
        });
        await CreateAsync(name, Partitioned(bucket, query: "{customer_id: .customer_id}",
            prefix: "!{partitionKeyFromLambda:region}/c=!{partitionKeyFromQuery:customer_id}/", lambda: endpoint.BaseUrl + "/transform"));
        await PutAsync(name, [.. new[] { 1, 7, 1, 3 }.Select((c, i) => $"{{\"customer\":{c},\"n\":{i}}}")]);

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 3);
        Assert.Equal(["{\"customer_id\":1,\"n\":0}", "{\"customer_id\":1,\"n\":2}"], Lines(Assert.Single(objects, o => o.Key.StartsWith("eu/c=1/")).Value));
        Assert.Equal(["{\"customer_id\":3,\"n\":3}"], Lines(Assert.Single(objects, o => o.Key.StartsWith("eu/c=3/")).Value));
        Assert.Equal(["{\"customer_id\":7,\"n\":1}"], Lines(Assert.Single(objects, o => o.Key.StartsWith("us/c=7/")).Value));
    }

    [Fact]
    public async Task Records_of_partitions_beyond_the_active_partition_limit_must_go_to_the_error_output()
    {
        var name = UniqueName("dp");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, Partitioned(bucket, intervalSeconds: 2));
        // The limit is 6 here: customers 0 to 5 open partitions, customer 6 finds none free.
        var sent = Enumerable.Range(0, 14).Select(i => Event(i % 7, "d", i)).ToList();
        await PutAsync(name, sent);

        var objects = await WaitForObjectsAsync(bucket, o => o.Values.Sum(v => Lines(v).Count) >= sent.Count);
        Assert.Equal(7, objects.Count);
        for (var c = 0; c < 6; c++)
            Assert.Equal(2, Lines(Assert.Single(objects, o => o.Key.StartsWith($"data/customer={c}/")).Value).Count);
        var overflow = Lines(Assert.Single(objects, o => o.Key.StartsWith("errors/partitioning-failed/")).Value)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([sent[6], sent[13]], overflow.Select(l => Encoding.UTF8.GetString(l.GetProperty("rawData").GetBytesFromBase64())));
        Assert.All(overflow, l => Assert.Equal("DynamicPartitioning.ActivePartitionsExceeded", l.GetProperty("errorCode").GetString()));

        // Delivered partitions are no longer active: a new customer gets a partition again.
        await PutAsync(name, [Event(9, "d", 100)]);
        await WaitForObjectsAsync(bucket, o => o.Keys.Any(k => k.StartsWith("data/customer=9/device=d/")));
    }

    [Theory]
    [InlineData("{customer_id: .customer_id | tostring, device: .d}", "pipes")]
    [InlineData("{customer_id: .items[].id, device: .d}", "iterator")]
    [InlineData("{customer_id: .a[1:2], device: .d}", "slices")]
    [InlineData("{customer_id: .a?, device: .d}", "optional")]
    [InlineData("{customer_id: strftime(\"%Y\"), device: .d}", "strftime")]
    [InlineData("{customer_id: \"x\", device: .d}", "literals")]
    [InlineData(".customer_id", "object construction")]
    [InlineData("{customer_id, device: .d}", "shorthand")]
    [InlineData("{customer_id: .a + 1, device: .d}", "arithmetic")]
    [InlineData("{customer_id: $x, device: .d}", "variables")]
    public async Task Unsupported_jq_must_be_refused_naming_the_construct(string query, string construct)
    {
        var e = await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(UniqueName("dp"), Partitioned("bucket-a", query: query)));
        Assert.Contains(construct, e.Message);
        Assert.Contains("MetadataExtractionQuery", e.Message);
    }

    [Fact]
    public async Task Firehoses_rules_of_dynamic_partitioning_must_be_enforced()
    {
        async Task<string> Refused(ObjectStoreDestination destination) =>
            (await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(UniqueName("dp"), destination))).Message;

        var ok = Partitioned("bucket-a");
        Assert.Contains("at least 64", await Refused(ok with { BufferingHints = new BufferingHints { SizeInMBs = 5, IntervalInSeconds = 60 } }));
        Assert.Contains("zero buffering", await Refused(ok with { BufferingHints = new BufferingHints { SizeInMBs = 64, IntervalInSeconds = 0 } }));
        Assert.Contains("Prefix that uses the partition keys", await Refused(ok with { Prefix = "data/" }));
        Assert.Contains("ErrorOutputPrefix", await Refused(ok with { ErrorOutputPrefix = null }));
        Assert.Contains("produces only", await Refused(ok with { Prefix = "d/!{partitionKeyFromQuery:region}/" }));
        Assert.Contains("no enabled MetadataExtraction", await Refused(ok with { Processing = null }));
        Assert.Contains("no enabled Lambda processor", await Refused(ok with { Prefix = "d/!{partitionKeyFromLambda:region}/" }));
        Assert.Contains("JsonParsingEngine", await Refused(ok with { Processing = ok.Processing! with { JsonParsingEngine = "JQ-1.5" } }));
        Assert.Contains("not allowed in the error output prefix", await Refused(ok with { ErrorOutputPrefix = "e/!{partitionKeyFromQuery:device}/" }));
        Assert.Contains("needs dynamic partitioning", await Refused(ok with { DynamicPartitioning = null }));
        Assert.Contains("0 to 7200", await Refused(ok with { DynamicPartitioning = new DynamicPartitioningConfiguration { Enabled = true, RetryDurationInSeconds = 7201 } }));

        // Chosen at creation: UpdateDestination can neither turn it on nor off.
        var plain = UniqueName("dp");
        await CreateAsync(plain, S3("bucket-b", intervalSeconds: 60));
        var e = await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Firehose.UpdateDestinationAsync(plain, "1", DeliveryStreamDescription.DestinationId, Partitioned("bucket-b")));
        Assert.Contains("cannot be enabled", e.Message);
        var partitioned = UniqueName("dp");
        await CreateAsync(partitioned, ok);
        e = await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Firehose.UpdateDestinationAsync(partitioned, "1", DeliveryStreamDescription.DestinationId, S3("bucket-a", intervalSeconds: 60)));
        Assert.Contains("cannot be disabled", e.Message);
        var described = Assert.IsType<ObjectStoreDestination>((await Firehose.DescribeDeliveryStreamAsync(partitioned)).Destination);
        Assert.True(described.DynamicPartitioning!.Enabled);
        Assert.Equal(Query, described.Processing!.MetadataExtractionQuery);
    }
}
