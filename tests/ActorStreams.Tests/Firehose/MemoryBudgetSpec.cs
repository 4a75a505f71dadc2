using System.Diagnostics.Metrics;
using ActorStreams.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// The node's memory budget (<c>actorstreams.memory-budget</c>, 1 MiB here, below the delivery stream's own backlog
/// limit): undelivered Firehose records draw from it, a put beyond it is refused with ServiceUnavailableException
/// naming the setting, and once the records are delivered puts are accepted again. The clock stands still until the
/// spec moves it past the buffering interval.
/// </summary>
public sealed class MemoryBudgetSpec(ITestOutputHelper output)
    : FirehoseSpec(output, config: "actorstreams.memory-budget = 1 MiB", clockRuns: false)
{
    private const int RecordBytes = 100 * 1024;

    [Fact]
    public async Task Puts_beyond_the_node_budget_must_be_refused_naming_the_setting_and_accepted_again_once_delivered()
    {
        var budget = ActorStreamsExtension.Get(Sys).MemoryBudget;
        var name = UniqueName("budget");
        var bucket = UniqueBucket("budget");
        await CreateAsync(name, S3(bucket, intervalSeconds: 60, sizeMiB: 5));
        var record = new byte[RecordBytes];

        // Ten records of 100 KiB fit in 1 MiB; they wait for the 60 s interval, held in the budget.
        for (var i = 0; i < 10; i++) await Firehose.PutRecordAsync(name, record);
        Assert.Equal(10L * RecordBytes, budget.UsedBytes);
        // The gauge sums every node of this test process: at least what this one holds.
        Assert.True(BudgetGauge() >= 10L * RecordBytes, "the memory budget gauge does not show the held backlog");

        var refused = await Assert.ThrowsAsync<ServiceUnavailableException>(() => Firehose.PutRecordAsync(name, record));
        Assert.Contains("actorstreams.memory-budget", refused.Message);
        var batch = await Assert.ThrowsAsync<ServiceUnavailableException>(() => Firehose.PutRecordBatchAsync(name, [record, record]));
        Assert.Contains("actorstreams.memory-budget", batch.Message);

        // The interval passes, the buffer is delivered, and the budget is free again.
        Clock.Advance(TimeSpan.FromSeconds(61));
        await WaitForObjectsAsync(bucket, o => o.Values.Sum(v => v.Length) == 10 * RecordBytes);
        await AwaitAssertAsync(() => Assert.Equal(0, budget.UsedBytes), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(50));
        await Firehose.PutRecordAsync(name, record);
        Assert.Equal(RecordBytes, budget.UsedBytes);

        // A deleted delivery stream gives back what it held.
        await Firehose.DeleteDeliveryStreamAsync(name);
        await AwaitAssertAsync(() => Assert.Equal(0, budget.UsedBytes), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(50));
    }

    /// <summary>The <c>actorstreams.memory.budget.used</c> gauge (summed over the nodes of the process).</summary>
    private static long BudgetGauge()
    {
        long value = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == ActorStreamsMetrics.MeterName && i.Name == "actorstreams.memory.budget.used") l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => value = v);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}
