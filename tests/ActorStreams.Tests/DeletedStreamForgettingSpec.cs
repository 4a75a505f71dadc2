using System.Diagnostics.Metrics;
using ActorStreams.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// What is deleted is forgotten: after streams are created, written, read and deleted, this node keeps no counters,
/// consumer lag or cached route of them, and the meter reports no series of them; a stream that lives on keeps its own.
/// </summary>
public sealed class DeletedStreamForgettingSpec(ITestOutputHelper output) : ActorStreamsSpec(output, SpecJournal.Sqlite, "actorstreams.throttling.enabled = off")
{
    private const int Streams = 3;

    [Fact]
    public async Task Deleted_streams_must_leave_no_counters_lag_routes_or_metric_series_behind()
    {
        var extension = ActorStreamsExtension.Get(Sys);
        var kept = UniqueName("kept");
        await UseAsync(kept);
        var deleted = new List<string>();
        for (var i = 0; i < Streams; i++)
        {
            var name = UniqueName("churn");
            deleted.Add(name);
            await UseAsync(name);
            var consumer = await Client.RegisterStreamConsumerAsync(name, "reader");
            Assert.NotEmpty(extension.Metrics.Snapshot(name));
            await Client.DeregisterStreamConsumerAsync(consumer.ConsumerArn);
            await Client.DeleteStreamAsync(name);
        }

        Assert.All(deleted, name => Assert.Empty(extension.Metrics.Snapshot(name)));
        // The kept stream's two shards only: counters, iterator ages and its cached route.
        Assert.Equal(2, extension.Metrics.ShardCount);
        Assert.Equal(2, extension.Lag.EntryCount);
        Assert.Equal(1, extension.Router.RouteCount);
        var series = SeriesByStream();
        Assert.Contains(kept, series);
        Assert.All(deleted, name => Assert.DoesNotContain(name, series));
    }

    private async Task UseAsync(string stream)
    {
        await Client.CreateStreamAsync(stream, 2);
        var put = await Client.PutRecordsAsync(stream, Enumerable.Range(0, 20).Select(i => Entry($"key-{i}", $"record-{i}")).ToList());
        Assert.Equal(0, put.FailedRecordCount);
        Assert.Equal(20, (await ReadStreamAsync(stream)).Count);
    }

    /// <summary>The <c>stream</c> tag of every measurement the ActorStreams meter reports now.</summary>
    private static HashSet<string> SeriesByStream()
    {
        var streams = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == ActorStreamsMetrics.MeterName) l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "stream" && tag.Value is string s) lock (streams) streams.Add(s);
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return streams;
    }
}
