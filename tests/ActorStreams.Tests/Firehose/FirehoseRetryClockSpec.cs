using System.Text;
using System.Text.Json;
using ActorStreams.Firehose;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// Delivery retries wait on the runtime clock (<see cref="TimeProvider"/>), not the wall clock: with the spec's
/// <c>FakeTimeProvider</c> standing still, a failing delivery stays in its retries however long the test waits, and
/// moving the clock past the retry duration sends its records to the error output at once.
/// </summary>
public sealed class FirehoseRetryClockSpec(ITestOutputHelper output)
    : FirehoseSpec(output, config: "actorstreams.firehose.http-request-timeout = 500ms", clockRuns: false)
{
    private async Task<Dictionary<string, byte[]>> AdvanceUntilAsync(string bucket, Func<Dictionary<string, byte[]>, bool> done, TimeSpan step, int maxSteps)
    {
        for (var i = 0; i < maxSteps; i++)
        {
            var objects = Objects(bucket);
            if (done(objects)) return objects;
            Clock.Advance(step);
            await Task.Delay(50);
        }
        throw new TimeoutException($"Bucket {bucket} holds only {string.Join(", ", Objects(bucket).Keys)} after {maxSteps} steps of {step}.");
    }

    [Fact]
    public async Task A_partition_the_store_refuses_must_go_to_s3_failed_only_once_the_clock_passed_its_retry_duration()
    {
        var name = UniqueName("dp");
        var bucket = UniqueBucket("bucket");
        // The data prefix cannot be written (a file stands where its folder would be); the error prefix can.
        Directory.CreateDirectory(Path.Combine(ObjectRoot, bucket));
        await File.WriteAllTextAsync(Path.Combine(ObjectRoot, bucket, "data"), "not a folder");
        await CreateAsync(name, DynamicPartitioningSpec.Partitioned(bucket, retrySeconds: 60));
        var records = new[] { DynamicPartitioningSpec.Event(1, "d", 1), DynamicPartitioningSpec.Event(1, "d", 2) };
        Assert.Equal(0, (await Firehose.PutRecordBatchAsync(name, records.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r)).ToList())).FailedPutCount);

        // The clock moves past the partition's 1 s interval: it closes and fails, and its retries wait on the clock.
        await AwaitFailedDeliveryAsync(name, advance: TimeSpan.FromMilliseconds(250));
        Assert.Equal(["data"], Objects(bucket).Keys);

        var objects = await AdvanceUntilAsync(bucket, o => o.Keys.Any(k => k.StartsWith("errors/s3-failed/")), TimeSpan.FromSeconds(5), 40);
        var failed = Encoding.UTF8.GetString(objects.Single(o => o.Key.StartsWith("errors/s3-failed/")).Value)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(records, failed.Select(f => Encoding.UTF8.GetString(f.GetProperty("rawData").GetBytesFromBase64())));
        Assert.All(failed, f => Assert.True(f.GetProperty("attemptsMade").GetInt32() > 1));
    }

    [Fact]
    public async Task An_endpoint_that_is_down_must_keep_its_records_until_the_clock_passes_the_retry_duration()
    {
        var name = UniqueName("http");
        var backup = UniqueBucket("backup");
        await using var endpoint = new FirehoseHttpEndpointServer("key", Firehose.DeliveryStreamArn(name), expectGzip: false, new Dictionary<string, string>());
        await endpoint.StopAsync();
        await CreateAsync(name, new HttpEndpointDestination
        {
            Url = endpoint.Url,
            AccessKey = "key",
            BufferingHints = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 0 },
            RetryDurationInSeconds = 300,
            S3Configuration = S3(backup),
        });
        await Firehose.PutRecordAsync(name, Encoding.UTF8.GetBytes("kept"));

        await AwaitFailedDeliveryAsync(name);
        Assert.Empty(Objects(backup));
        var objects = await AdvanceUntilAsync(backup, o => o.Count == 1, TimeSpan.FromSeconds(30), 40);
        var line = JsonDocument.Parse(Encoding.UTF8.GetString(objects.Single().Value).Trim()).RootElement;
        Assert.Equal("kept", Encoding.UTF8.GetString(line.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Equal("HttpEndpoint.ConnectionFailed", line.GetProperty("errorCode").GetString());
    }
}
