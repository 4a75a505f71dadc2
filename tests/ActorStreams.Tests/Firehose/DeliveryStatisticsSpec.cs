using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using ActorStreams.Diagnostics;
using ActorStreams.Firehose;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// The delivery statistics of a delivery stream (DescribeDeliveryStream's <see cref="DeliveryStreamDescription.Statistics"/>)
/// and the OpenTelemetry instruments fed by the same events: delivered, failed attempts, error output, backlog, data
/// freshness and the last errors, against the directory object store and a local HTTP endpoint with faults.
/// </summary>
/// <remarks>
/// The runtime clock stands still here (rates, CountingSince and freshness are asserted exactly); the spec that needs
/// retries to happen moves it while it waits.
/// </remarks>
public sealed class DeliveryStatisticsSpec(ITestOutputHelper output) : FirehoseSpec(output, clockRuns: false)
{
    private const string AccessKey = "statistics-key";

    private async Task<long> PutAsync(string name, IEnumerable<string> records)
    {
        var list = records.ToList();
        var result = await Firehose.PutRecordBatchAsync(name, list.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r)).ToList());
        Assert.Equal(0, result.FailedPutCount);
        return list.Sum(r => (long)Encoding.UTF8.GetByteCount(r));
    }

    private async Task<DeliveryStreamStatistics> StatisticsAsync(string name) =>
        (await Firehose.DescribeDeliveryStreamAsync(name)).Statistics ?? throw new Xunit.Sdk.XunitException($"{name} reports no statistics");

    /// <summary>Polls the statistics until <paramref name="assert"/> holds, moving the runtime clock by <paramref name="advance"/> before each look.</summary>
    private Task AwaitStatisticsAsync(string name, Action<DeliveryStreamStatistics> assert, TimeSpan? advance = null) =>
        AwaitAssertAsync(async () =>
        {
            if (advance is { } step) Clock.Advance(step);
            assert(await StatisticsAsync(name));
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

    private HttpEndpointDestination Http(FirehoseHttpEndpointServer endpoint, string backupBucket) => new()
    {
        Url = endpoint.Url,
        AccessKey = AccessKey,
        BufferingHints = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 0 },
        RetryDurationInSeconds = 300,
        S3Configuration = S3(backupBucket),
    };

    [Fact]
    public async Task Delivered_records_and_bytes_must_be_counted_once_in_the_statistics_and_the_meter_and_a_recreated_stream_starts_at_zero()
    {
        using var meter = new MeterCapture();
        var name = UniqueName("stats");
        var bucket = UniqueBucket("stats");
        await CreateAsync(name, S3(bucket));
        var bytes = await PutAsync(name, Enumerable.Range(0, 20).Select(i => $"record-{i:D2}\n"));

        await WaitForObjectsAsync(bucket, o => Content(o).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 20);
        await AwaitStatisticsAsync(name, s =>
        {
            Assert.Equal(20, s.DeliveredRecords);
            Assert.Equal(bytes, s.DeliveredBytes);
            Assert.Equal(0, s.BacklogRecords);
        });
        var statistics = await StatisticsAsync(name);
        Assert.Equal("S3", statistics.Destination);
        Assert.Equal(0, statistics.BacklogBytes);
        Assert.Equal(TimeSpan.Zero, statistics.DataFreshness);
        Assert.Equal(0, statistics.FailedDeliveryAttempts);
        Assert.Empty(statistics.ErrorOutput);
        Assert.Empty(statistics.RecentErrors);
        // The spec's clock stands still, so every delivery falls in the current second of the 60-second window.
        Assert.Equal(20.0 / DeliveryStreamStatistics.RateWindowSeconds, statistics.DeliveredRecordsPerSecond, 6);
        Assert.Equal((double)bytes / DeliveryStreamStatistics.RateWindowSeconds, statistics.DeliveredBytesPerSecond, 6);
        Assert.Equal(Clock.GetUtcNow(), statistics.CountingSince);

        // The meter saw the same events, tagged with the delivery stream and its destination kind.
        Assert.Equal(20, meter.Sum("actorstreams.firehose.delivered.records", name, ("destination", "S3")));
        Assert.Equal(bytes, meter.Sum("actorstreams.firehose.delivered.bytes", name, ("destination", "S3")));
        Assert.Equal(0, meter.Sum("actorstreams.firehose.delivery.failures", name));

        await Firehose.DeleteDeliveryStreamAsync(name);
        await AwaitAssertAsync(async () => await CreateAsync(name, S3(bucket)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        var fresh = await StatisticsAsync(name);
        Assert.Equal(0, fresh.DeliveredRecords);
        Assert.Equal(0, fresh.BacklogRecords);
    }

    [Fact]
    public async Task The_backlog_and_data_freshness_must_follow_the_undelivered_records_in_the_statistics_and_the_gauges()
    {
        using var meter = new MeterCapture();
        var name = UniqueName("stats");
        var bucket = UniqueBucket("stats");
        // 900 s: the buffer stays open for the whole test unless the destination changes.
        await CreateAsync(name, S3(bucket, intervalSeconds: 900));
        var bytes = await PutAsync(name, ["a", "bb", "ccc", "dddd", "eeeee"]);

        var waiting = await StatisticsAsync(name);
        Assert.Equal(5, waiting.BacklogRecords);
        Assert.Equal(bytes, waiting.BacklogBytes);
        Assert.Equal(TimeSpan.Zero, waiting.DataFreshness);
        Clock.Advance(TimeSpan.FromSeconds(42));
        Assert.Equal(TimeSpan.FromSeconds(42), (await StatisticsAsync(name)).DataFreshness);
        meter.Collect();
        Assert.Equal(5, meter.Last("actorstreams.firehose.backlog.records", name));
        Assert.Equal(bytes, meter.Last("actorstreams.firehose.backlog.bytes", name));
        Assert.Equal(42.0, meter.Last("actorstreams.firehose.data.freshness", name));

        // An interval of 0 closes the open buffer at once: delivered, the backlog is empty and the data fresh.
        var description = await Firehose.DescribeDeliveryStreamAsync(name);
        await Firehose.UpdateDestinationAsync(name, description.VersionId.ToString(), DeliveryStreamDescription.DestinationId, S3(bucket, intervalSeconds: 0));
        await AwaitStatisticsAsync(name, s =>
        {
            Assert.Equal(5, s.DeliveredRecords);
            Assert.Equal(0, s.BacklogRecords);
            Assert.Equal(0, s.BacklogBytes);
            Assert.Equal(TimeSpan.Zero, s.DataFreshness);
        });
        meter.Collect();
        Assert.Equal(0, meter.Last("actorstreams.firehose.backlog.records", name));
        Assert.Equal(0.0, meter.Last("actorstreams.firehose.data.freshness", name));
    }

    [Fact]
    public async Task Failed_attempts_must_be_counted_and_the_last_errors_kept_with_time_destination_and_message()
    {
        using var meter = new MeterCapture();
        var name = UniqueName("stats");
        await using var endpoint = new FirehoseHttpEndpointServer(AccessKey, Firehose.DeliveryStreamArn(name), expectGzip: false, new Dictionary<string, string>());
        const int failures = DeliveryStreamStatistics.MaxRecentErrors + 2;
        endpoint.FailNext = failures;
        await CreateAsync(name, Http(endpoint, UniqueBucket("stats")));
        await PutAsync(name, Enumerable.Range(0, 7).Select(i => $"r{i}"));

        // Retries back off on the runtime clock (at most 400 ms here): move it past each back-off while waiting.
        await AwaitStatisticsAsync(name, s => Assert.Equal(7, s.DeliveredRecords), advance: TimeSpan.FromMilliseconds(500));
        var statistics = await StatisticsAsync(name);
        Assert.Equal("HttpEndpoint", statistics.Destination);
        Assert.Equal(failures, statistics.FailedDeliveryAttempts);
        Assert.Empty(statistics.ErrorOutput);
        // Only the last MaxRecentErrors are kept.
        Assert.Equal(DeliveryStreamStatistics.MaxRecentErrors, statistics.RecentErrors.Count);
        Assert.All(statistics.RecentErrors, e =>
        {
            Assert.Equal("HttpEndpoint", e.Destination);
            Assert.Equal("HttpEndpoint.ErrorResponse500", e.ErrorCode);
            Assert.Contains(endpoint.Url, e.Message);
        });
        Assert.Equal(failures, meter.Sum("actorstreams.firehose.delivery.failures", name,
            ("destination", "HttpEndpoint"), ("error_code", "HttpEndpoint.ErrorResponse500")));
        Assert.Equal(7, meter.Sum("actorstreams.firehose.delivered.records", name, ("destination", "HttpEndpoint")));
    }

    [Fact]
    public async Task Records_the_destination_refuses_for_good_must_be_counted_in_the_error_output_by_type()
    {
        using var meter = new MeterCapture();
        var name = UniqueName("stats");
        var backup = UniqueBucket("stats");
        await using var endpoint = new FirehoseHttpEndpointServer(AccessKey, Firehose.DeliveryStreamArn(name), expectGzip: false, new Dictionary<string, string>());
        endpoint.TooLarge = true;
        await CreateAsync(name, Http(endpoint, backup));
        await PutAsync(name, Enumerable.Range(0, 5).Select(i => $"big-{i}"));

        await WaitForObjectsAsync(backup, o => o.Count == 1);
        await AwaitStatisticsAsync(name, s => Assert.True(s.ErrorOutput.ContainsKey("http-endpoint-failed"), "no http-endpoint-failed output counted"));
        var statistics = await StatisticsAsync(name);
        Assert.Equal(new ErrorOutputStatistics(1, 5), statistics.ErrorOutput["http-endpoint-failed"]);
        Assert.Equal(0, statistics.DeliveredRecords);
        Assert.Equal(1, statistics.FailedDeliveryAttempts);
        var error = Assert.Single(statistics.RecentErrors);
        Assert.Equal("HttpEndpoint.PayloadTooLarge", error.ErrorCode);
        Assert.Equal(5, meter.Sum("actorstreams.firehose.error.output.records", name, ("error_output_type", "http-endpoint-failed")));
        await AwaitStatisticsAsync(name, s => Assert.Equal(0, s.BacklogRecords));
    }

    /// <summary>Every measurement of the ActorStreams meter's Firehose instruments, for assertions by delivery stream.</summary>
    private sealed class MeterCapture : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

        public MeterCapture()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ActorStreamsMetrics.MeterName && instrument.Name.StartsWith("actorstreams.firehose.", StringComparison.Ordinal))
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, tags.ToArray())));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, tags.ToArray())));
            _listener.Start();
        }

        /// <summary>Reads the gauges now.</summary>
        public void Collect() => _listener.RecordObservableInstruments();

        private IEnumerable<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> Of(string instrument, string deliveryStream,
            (string Key, string Value)[] tags) =>
            _measurements.Where(m => m.Instrument == instrument
                && m.Tags.Any(t => t.Key == "delivery_stream" && (string?)t.Value == deliveryStream)
                && tags.All(w => m.Tags.Any(t => t.Key == w.Key && (string?)t.Value == w.Value)));

        public double Sum(string instrument, string deliveryStream, params (string Key, string Value)[] tags) =>
            Of(instrument, deliveryStream, tags).Sum(m => m.Value);

        public double Last(string instrument, string deliveryStream)
        {
            var all = Of(instrument, deliveryStream, []).ToList();
            Assert.True(all.Count > 0, $"no {instrument} measurement for {deliveryStream}");
            return all[^1].Value;
        }

        public void Dispose() => _listener.Dispose();
    }
}
