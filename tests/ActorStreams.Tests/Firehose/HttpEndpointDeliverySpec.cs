using System.Text;
using System.Text.Json;
using ActorStreams.Firehose;
using ActorStreams.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// The HTTP endpoint destination against a local endpoint that checks the delivery contract strictly, with faults
/// injected: every acknowledged record is delivered at least once.
/// </summary>
public sealed class HttpEndpointDeliverySpec(ITestOutputHelper output)
    : FirehoseSpec(output, config: "actorstreams.firehose.http-request-timeout = 500ms")
{
    private const string AccessKey = "secret-access-key";

    private HttpEndpointDestination Destination(FirehoseHttpEndpointServer endpoint, string backupBucket, int retrySeconds = 300, bool gzip = true,
        IReadOnlyDictionary<string, string>? attributes = null) => new()
    {
        Url = endpoint.Url,
        Name = "local",
        AccessKey = AccessKey,
        GzipContentEncoding = gzip,
        CommonAttributes = attributes ?? new Dictionary<string, string>(),
        BufferingHints = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 0 },
        RetryDurationInSeconds = retrySeconds,
        S3Configuration = S3(backupBucket, intervalSeconds: 0),
    };

    private async Task<List<string>> PutAsync(string name, int batches, int perBatch, string label)
    {
        var sent = new List<string>();
        for (var b = 0; b < batches; b++)
        {
            var records = Enumerable.Range(0, perBatch).Select(i => $"{label}-{b}-{i}").ToList();
            var result = await Firehose.PutRecordBatchAsync(name, records.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r)).ToList());
            Assert.Equal(0, result.FailedPutCount);
            sent.AddRange(records);
        }
        return sent;
    }

    private static Task WaitAsync(Func<bool> condition, string what, int seconds = 30) =>
        Eventually.EventuallyAsync(condition, what, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(50));

    [Fact]
    public async Task Buffers_must_be_posted_by_the_contract_with_gzip_access_key_and_common_attributes()
    {
        var name = UniqueName("http");
        var attributes = new Dictionary<string, string> { ["env"] = "test", ["team"] = "data" };
        await using var endpoint = new FirehoseHttpEndpointServer(AccessKey, Firehose.DeliveryStreamArn(name), expectGzip: true, attributes);
        await CreateAsync(name, Destination(endpoint, "http-backup", attributes: attributes));
        var sent = await PutAsync(name, 3, 50, "r");

        await WaitAsync(() => endpoint.DeliveredRecords.Count() >= sent.Count, "all records delivered");
        Assert.Empty(endpoint.Violations);
        Assert.Equal(sent.Order(StringComparer.Ordinal), endpoint.DeliveredRecords.Order(StringComparer.Ordinal));
        Assert.Empty(Objects("http-backup"));
    }

    [Fact]
    public async Task An_endpoint_that_is_down_errs_and_is_slow_must_still_get_every_record_with_the_same_request_id_on_retries()
    {
        var name = UniqueName("http");
        await using var endpoint = new FirehoseHttpEndpointServer(AccessKey, Firehose.DeliveryStreamArn(name), expectGzip: false, new Dictionary<string, string>());
        await CreateAsync(name, Destination(endpoint, "http-backup-2", gzip: false));

        endpoint.FailNext = 3;
        var sent = await PutAsync(name, 2, 20, "errors");
        await WaitAsync(() => endpoint.DeliveredRecords.Count() >= sent.Count, "delivered after errors");

        endpoint.SlowNext = 2;
        sent.AddRange(await PutAsync(name, 2, 20, "slow"));
        await WaitAsync(() => endpoint.DeliveredRecords.Count() >= sent.Count, "delivered after slow answers");

        endpoint.WrongIdNext = 1;
        sent.AddRange(await PutAsync(name, 1, 20, "wrong-id"));
        await WaitAsync(() => endpoint.DeliveredRecords.Count() >= sent.Count, "delivered after a wrong request id");

        var failedBefore = await FailedDeliveryAttemptsAsync(name);
        await endpoint.StopAsync();
        sent.AddRange(await PutAsync(name, 3, 20, "down"));
        await AwaitFailedDeliveryAsync(name, moreThan: failedBefore);
        endpoint.Start();
        await WaitAsync(() => endpoint.DeliveredRecords.ToHashSet().IsSupersetOf(sent), "delivered after being down");

        Assert.Empty(endpoint.Violations);
        // At least once: every record, none lost (slow answers may have been delivered twice).
        Assert.True(endpoint.DeliveredRecords.ToHashSet().SetEquals(sent));
        // A retry is the same request: its id does not change.
        var attempts = endpoint.Attempts.ToList();
        Assert.Contains(attempts, a => a.Status == 500);
        Assert.All(attempts.Where(a => a.Status != 200), failed => Assert.Contains(attempts, a => a.RequestId == failed.RequestId && a.Status == 200));
        Assert.Empty(Objects("http-backup-2"));
    }

    [Fact]
    public async Task A_413_must_be_permanent_and_send_the_records_to_http_endpoint_failed_without_retries()
    {
        var name = UniqueName("http");
        await using var endpoint = new FirehoseHttpEndpointServer(AccessKey, Firehose.DeliveryStreamArn(name), expectGzip: true, new Dictionary<string, string>());
        endpoint.TooLarge = true;
        await CreateAsync(name, Destination(endpoint, "http-backup-3"));
        var sent = await PutAsync(name, 1, 5, "big");

        var objects = await WaitForObjectsAsync("http-backup-3", o => o.Count == 1);
        var (key, data) = objects.Single();
        Assert.StartsWith("http-endpoint-failed/", key);
        var errors = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(sent, errors.Select(e => Encoding.UTF8.GetString(e.GetProperty("rawData").GetBytesFromBase64())));
        Assert.All(errors, e =>
        {
            Assert.Equal("HttpEndpoint.PayloadTooLarge", e.GetProperty("errorCode").GetString());
            Assert.Equal(1, e.GetProperty("attemptsMade").GetInt32());
            Assert.Equal(endpoint.Url, e.GetProperty("EndpointUrl").GetString());
        });
        Assert.Single(endpoint.Attempts);
    }

    [Fact]
    public async Task Records_must_go_to_the_error_output_once_the_retry_duration_is_over()
    {
        var name = UniqueName("http");
        await using var endpoint = new FirehoseHttpEndpointServer(AccessKey, Firehose.DeliveryStreamArn(name), expectGzip: true, new Dictionary<string, string>());
        await endpoint.StopAsync();
        await CreateAsync(name, Destination(endpoint, "http-backup-4", retrySeconds: 1));
        var sent = await PutAsync(name, 1, 10, "lost-endpoint");

        var objects = await WaitForObjectsAsync("http-backup-4", o => o.Count == 1);
        var lines = Encoding.UTF8.GetString(objects.Single().Value).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(sent, lines.Select(l => Encoding.UTF8.GetString(JsonDocument.Parse(l).RootElement.GetProperty("rawData").GetBytesFromBase64())));
        Assert.All(lines, l => Assert.Equal("HttpEndpoint.ConnectionFailed", JsonDocument.Parse(l).RootElement.GetProperty("errorCode").GetString()));
    }

    [Fact]
    public async Task AllData_backup_must_copy_every_delivered_record_to_the_object_store()
    {
        var name = UniqueName("http");
        await using var endpoint = new FirehoseHttpEndpointServer(AccessKey, Firehose.DeliveryStreamArn(name), expectGzip: true, new Dictionary<string, string>());
        await CreateAsync(name, Destination(endpoint, "http-backup-5") with { BackupAllData = true });
        var sent = await PutAsync(name, 1, 10, "copy");

        await WaitAsync(() => endpoint.DeliveredRecords.Count() >= sent.Count, "delivered");
        var objects = await WaitForObjectsAsync("http-backup-5", o => o.Count == 1);
        Assert.Equal(string.Concat(sent), Content(objects));
    }
}
