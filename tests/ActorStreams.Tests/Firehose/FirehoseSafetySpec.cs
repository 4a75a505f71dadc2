using System.Net;
using System.Text;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Internal;
using ActorStreams.TestSupport;
using Parquet;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// No input wedges a delivery stream, and nothing a destination answers leaks back: poisoned records go to the error
/// output while the records around them are delivered, object keys are bounded, redirects are not followed and
/// error statistics carry statuses, never response bodies.
/// </summary>
public sealed class FirehoseSafetySpec(ITestOutputHelper output) : FirehoseSpec(output)
{
    private const string Secret = "internal-only-9f3c: db password hunter2";

    private async Task PutAsync(string name, params string[] records)
    {
        var batch = await Firehose.PutRecordBatchAsync(name, records.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r)).ToList());
        Assert.Equal(0, batch.FailedPutCount);
    }

    private static List<string> Lines(byte[] data) => Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private HttpEndpointDestination Endpoint(string url, string errorBucket) => new()
    {
        Url = url,
        BufferingHints = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 0 },
        RetryDurationInSeconds = 0,
        S3Configuration = S3(errorBucket),
    };

    [Fact]
    public async Task A_record_with_a_timestamp_out_of_range_must_go_to_the_error_output_and_the_records_around_it_be_delivered()
    {
        var name = UniqueName("poison");
        var bucket = UniqueBucket("poison");
        await CreateAsync(name, S3(bucket, intervalSeconds: 1) with
        {
            DataFormatConversion = new DataFormatConversion { Enabled = true, Columns = [new ParquetColumn("id", "bigint"), new ParquetColumn("at", "timestamp")] },
        });
        // 10^18 ms after the epoch is beyond year 9999: no timestamp holds it.
        await PutAsync(name, """{"id":1,"at":1700000000000}""", """{"id":2,"at":1000000000000000000}""", """{"id":3,"at":1700000000001}""");

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 2);
        var failed = Lines(objects.Single(o => o.Key.StartsWith("format-conversion-failed/", StringComparison.Ordinal)).Value);
        var line = Assert.Single(failed);
        Assert.Contains("DataFormatConversion.InvalidInput", line);
        Assert.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"id":2,"at":1000000000000000000}""")), line);
        Assert.Equal(new long[] { 1, 3 }, await ParquetIdsAsync(objects.Single(o => o.Key.EndsWith(".parquet", StringComparison.Ordinal)).Value));

        // The stream goes on: the next record is delivered too.
        await PutAsync(name, """{"id":4,"at":1700000000002}""");
        objects = await WaitForObjectsAsync(bucket, o => o.Count == 3);
        var ids = new List<long>();
        foreach (var (_, data) in objects.Where(o => o.Key.EndsWith(".parquet", StringComparison.Ordinal))) ids.AddRange(await ParquetIdsAsync(data));
        Assert.Equal(new long[] { 1, 3, 4 }, ids.Order().ToArray());
    }

    private static async Task<long[]> ParquetIdsAsync(byte[] data)
    {
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(data));
        using var group = reader.OpenRowGroupReader(0);
        var ids = new long?[group.RowCount];
        await group.ReadAsync<long>(reader.Schema.GetDataFields()[0], ids.AsMemory());
        return ids.Select(i => i!.Value).ToArray();
    }

    [Fact]
    public async Task A_partition_value_that_makes_a_key_segment_longer_than_255_bytes_must_go_to_the_error_output()
    {
        var name = UniqueName("longkey");
        var bucket = UniqueBucket("longkey");
        await CreateAsync(name, DynamicPartitioningSpec.Partitioned(bucket, query: "{customer_id: .customer_id, device: .device.type}"));
        // 300 characters (within the 512 a value may have), 600 bytes in UTF-8: more than a file name holds.
        var longDevice = new string('é', 300);
        await PutAsync(name, DynamicPartitioningSpec.Event(1, "mobile", 1), DynamicPartitioningSpec.Event(2, longDevice, 2));

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 2);
        var delivered = objects.Single(o => o.Key.StartsWith("data/", StringComparison.Ordinal));
        Assert.StartsWith("data/customer=1/device=mobile/", delivered.Key);
        var failed = objects.Single(o => o.Key.StartsWith("errors/partitioning-failed/", StringComparison.Ordinal));
        var line = Assert.Single(Lines(failed.Value));
        Assert.Contains("longer than 255 bytes", line);
    }

    [Fact]
    public async Task Error_statistics_must_carry_the_status_and_never_the_destination_response_body()
    {
        var name = UniqueName("leak");
        var errors = UniqueBucket("leak");
        await using var endpoint = new LocalHttpServer(async context =>
        {
            context.Response.StatusCode = 500;
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(Secret));
        });
        await CreateAsync(name, Endpoint(endpoint.BaseUrl + "/ingest", errors));
        await PutAsync(name, "one", "two");

        var objects = await WaitForObjectsAsync(errors, o => o.Keys.Any(k => k.StartsWith("http-endpoint-failed/", StringComparison.Ordinal)));
        var statistics = (await Firehose.DescribeDeliveryStreamAsync(name)).Statistics!;
        var error = Assert.Single(statistics.RecentErrors);
        Assert.Equal("HttpEndpoint.ErrorResponse500", error.ErrorCode);
        Assert.Contains("500 InternalServerError", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
        Assert.All(objects.Values, data => Assert.DoesNotContain("hunter2", Encoding.UTF8.GetString(data)));
    }

    [Fact]
    public async Task A_redirect_must_not_be_followed()
    {
        var name = UniqueName("redirect");
        var errors = UniqueBucket("redirect");
        var reached = 0;
        await using var inside = new LocalHttpServer(context =>
        {
            Interlocked.Increment(ref reached);
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        });
        await using var endpoint = new LocalHttpServer(context =>
        {
            context.Response.StatusCode = (int)HttpStatusCode.Redirect;
            context.Response.RedirectLocation = inside.BaseUrl + "/latest/meta-data/";
            return Task.CompletedTask;
        });
        await CreateAsync(name, Endpoint(endpoint.BaseUrl + "/ingest", errors));
        await PutAsync(name, "one");

        await WaitForObjectsAsync(errors, o => o.Keys.Any(k => k.StartsWith("http-endpoint-failed/", StringComparison.Ordinal)));
        Assert.Equal(0, Volatile.Read(ref reached));
        var error = Assert.Single((await Firehose.DescribeDeliveryStreamAsync(name)).Statistics!.RecentErrors);
        Assert.Equal("HttpEndpoint.ErrorResponse302", error.ErrorCode);
    }

    [Fact]
    public async Task Prefixes_and_file_extensions_that_evaluate_to_unsafe_paths_must_be_refused_at_create_time()
    {
        async Task<string> Refused(ObjectStoreDestination destination) =>
            (await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(UniqueName("prefix"), destination))).Message;

        var bucket = UniqueBucket("prefix");
        Assert.Contains("'.' or '..'", await Refused(S3(bucket, prefix: "data/", errorPrefix: "!{timestamp:..}/")));
        Assert.Contains("'.' or '..'", await Refused(S3(bucket, prefix: "a/!{timestamp:.}/b/")));
        Assert.Contains("control characters", await Refused(S3(bucket, prefix: "data\0/")));
        Assert.Contains("control characters", await Refused(S3(bucket, errorPrefix: "errors\0/")));
        Assert.Contains("FileExtension", await Refused(S3(bucket) with { FileExtension = ".json\0" }));
        Assert.Contains("255 bytes", await Refused(S3(bucket, prefix: new string('é', 200) + "/")));
        // A prefix that is safe once evaluated is taken.
        await CreateAsync(UniqueName("prefix"), S3(bucket, prefix: "data/!{timestamp:yyyy/MM}/", errorPrefix: "errors/!{timestamp:yyyy}/!{firehose:error-output-type}/"));
    }

    [Fact]
    public async Task The_object_store_must_refuse_a_key_it_cannot_hold_for_good()
    {
        var store = new DirectoryObjectStore(Path.Combine(ObjectRoot, "refusals"));
        var tooLong = await Assert.ThrowsAsync<DeliveryException>(() => store.PutAsync("bucket", "data/" + new string('x', 300), new byte[1], CancellationToken.None));
        Assert.True(tooLong.Permanent);
        Assert.Equal(ObjectStoreSink.InvalidObjectKeyCode, tooLong.ErrorCode);
        var escaping = await Assert.ThrowsAsync<DeliveryException>(() => store.PutAsync("bucket", "../outside", new byte[1], CancellationToken.None));
        Assert.True(escaping.Permanent);
        await store.PutAsync("bucket", "data/ok", new byte[1], CancellationToken.None);
    }
}

/// <summary>
/// The destination address policy with its defaults (the other Firehose specs allow loopback for their test servers):
/// URLs that reach loopback, link-local or private addresses are refused at create and update time and on connect.
/// </summary>
public sealed class DestinationAddressPolicySpec(ITestOutputHelper output)
    : FirehoseSpec(output, config: "actorstreams.firehose.destination-policy.allowed-cidrs = []")
{
    [Fact]
    public async Task Destinations_on_loopback_link_local_or_private_addresses_must_be_refused_with_InvalidArgumentException()
    {
        var port = LoopbackPort.Free();
        var backup = S3(UniqueBucket("policy"));
        async Task<string> Refused(DeliveryDestination destination) =>
            (await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(UniqueName("policy"), destination))).Message;

        var loopback = await Refused(new HttpEndpointDestination { Url = $"http://127.0.0.1:{port}/ingest", S3Configuration = backup });
        Assert.Contains($"HttpEndpointDestinationConfiguration.EndpointConfiguration.Url 'http://127.0.0.1:{port}/ingest' reaches 127.0.0.1, a loopback address", loopback);
        Assert.Contains("actorstreams.firehose.destination-policy.allowed-cidrs", loopback);
        Assert.Contains("a loopback address", await Refused(new HttpEndpointDestination { Url = $"http://localhost:{port}/", S3Configuration = backup }));
        Assert.Contains("a loopback address", await Refused(new HttpEndpointDestination { Url = $"http://[::1]:{port}/", S3Configuration = backup }));
        Assert.Contains("169.254.169.254, a link-local address",
            await Refused(new SplunkDestination { HecEndpoint = "http://169.254.169.254/latest/meta-data/", S3Configuration = backup }));
        Assert.Contains("10.1.2.3, a private address",
            await Refused(new OpenSearchDestination { ClusterEndpoint = "http://10.1.2.3:9200", IndexName = "logs", S3Configuration = backup }));
        Assert.Contains("192.168.0.10, a private address", await Refused(S3(UniqueBucket("policy")) with
        {
            Processing = new ProcessingConfiguration { Enabled = true, LambdaArn = "http://192.168.0.10/transform" },
        }));

        var name = UniqueName("policy");
        await CreateAsync(name, S3(UniqueBucket("policy")));
        var update = await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Firehose.UpdateDestinationAsync(name, "1", "destinationId-000000000001", new HttpEndpointDestination { Url = $"http://127.0.0.1:{port}/", S3Configuration = backup }));
        Assert.Contains("a loopback address", update.Message);
        Assert.Equal(1, (await Firehose.DescribeDeliveryStreamAsync(name)).VersionId);
    }

    [Fact]
    public async Task Every_connection_must_be_checked_after_resolution_and_allowed_networks_and_hosts_pass()
    {
        var requests = 0;
        await using var server = new LocalHttpServer(context =>
        {
            Interlocked.Increment(ref requests);
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        });
        async Task<HttpStatusCode> GetAsync(DestinationAddressPolicy policy, string host)
        {
            using var http = new HttpClient(new SocketsHttpHandler { ConnectCallback = policy.ConnectAsync, AllowAutoRedirect = false });
            using var response = await http.GetAsync($"http://{host}:{server.Port}/");
            return response.StatusCode;
        }

        // "localhost" passed no check when it was configured (say it resolved elsewhere then): the connection is refused.
        var refusing = new DestinationAddressPolicy([], []);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(refusing, "localhost"));
        Assert.Contains("destination address policy", refused.Message);
        Assert.Equal(0, Volatile.Read(ref requests));

        Assert.Equal(HttpStatusCode.OK, await GetAsync(new DestinationAddressPolicy(["127.0.0.1"], []), "127.0.0.1"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(new DestinationAddressPolicy([], ["127.0.0.1"]), "127.0.0.1"));
        await new DestinationAddressPolicy(["127.0.0.0/8"], []).CheckUrlAsync("http://127.0.0.1/", "Url", CancellationToken.None);
        Assert.Null(refusing.RefusedKind(IPAddress.Parse("203.0.113.7")));
        Assert.Equal("a link-local", refusing.RefusedKind(IPAddress.Parse("::ffff:169.254.169.254")));
        Assert.Equal(2, Volatile.Read(ref requests));
    }
}
