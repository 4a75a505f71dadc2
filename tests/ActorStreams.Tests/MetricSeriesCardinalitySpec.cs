using ActorStreams.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// What is deleted is forgotten by the metrics pipeline too. The OpenTelemetry SDK keeps a point for every tag set it
/// ever saw on a cumulative instrument (what the Prometheus exporter uses) and folds tag sets beyond its cardinality
/// limit into one overflow series, so a node that created and deleted enough streams would lose the series of new ones.
/// Here an exporter with a small limit sees twice as many shards come and go as the limit holds, and each live stream
/// must still have its own series.
/// </summary>
[Collection(nameof(MetricSeriesCardinalitySpec))]
public sealed class MetricSeriesCardinalitySpec(ITestOutputHelper output)
    : ActorStreamsSpec(output, SpecJournal.Sqlite, "actorstreams.throttling.enabled = off")
{
    private const int CardinalityLimit = 8;
    private const int ShardsPerStream = 2;
    private const int Streams = 2 * CardinalityLimit / ShardsPerStream;

    private readonly int _renewalThreshold = ActorStreamsMetrics.ShardSeriesRenewalThreshold;

    [Fact]
    public async Task Each_new_stream_must_have_its_own_series_after_more_deleted_shards_than_the_cardinality_limit()
    {
        ActorStreamsMetrics.ShardSeriesRenewalThreshold = CardinalityLimit / 2;
        var exporter = new SeriesExporter();
        using var reader = new BaseExportingMetricReader(exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative };
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(ActorStreamsMetrics.MeterName)
            .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit })
            .AddReader(reader)
            .Build();

        for (var i = 0; i < Streams; i++)
        {
            var name = UniqueName("cardinality");
            await Client.CreateStreamAsync(name, ShardsPerStream);
            var put = await Client.PutRecordsAsync(name, Enumerable.Range(0, 20).Select(k => Entry($"key-{k}", $"record-{k}")).ToList());
            Assert.Equal(0, put.FailedRecordCount);

            var series = exporter.Collect(reader, "actorstreams.incoming.records");
            var own = series.Count(s => s.Stream == name);
            Assert.True(own == ShardsPerStream && !series.Any(s => s.Overflow),
                $"stream {i + 1} of {Streams}: {own} series of its {ShardsPerStream} shards, overflow series: {series.Any(s => s.Overflow)}");

            await Client.DeleteStreamAsync(name);
        }
    }

    protected override void Dispose(bool disposing)
    {
        ActorStreamsMetrics.ShardSeriesRenewalThreshold = _renewalThreshold;
        base.Dispose(disposing);
    }

    /// <summary>Keeps the stream tag (and whether it is the overflow series) of each point of one collection.</summary>
    private sealed class SeriesExporter : BaseExporter<Metric>
    {
        private readonly List<(string Metric, string? Stream, bool Overflow)> _points = [];

        public List<(string? Stream, bool Overflow)> Collect(MetricReader reader, string metric)
        {
            _points.Clear();
            Assert.True(reader.Collect());
            return _points.Where(p => p.Metric == metric).Select(p => (p.Stream, p.Overflow)).ToList();
        }

        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    string? stream = null;
                    var overflow = false;
                    foreach (var tag in point.Tags)
                    {
                        if (tag.Key == "stream") stream = tag.Value as string;
                        if (tag.Key == "otel.metric.overflow") overflow = true;
                    }
                    _points.Add((metric.Name, stream, overflow));
                }
            }
            return ExportResult.Success;
        }
    }
}
