using System.Diagnostics.Metrics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using ActorStreams.Diagnostics;

namespace ActorStreams.Server;

/// <summary>
/// The observable instruments of the ActorStreams meter (the series per stream, shard, consumer and delivery stream,
/// and the node's gauges) in the Prometheus scrape, read from their callbacks at each scrape and kept nowhere.
/// </summary>
/// <remarks>
/// The OpenTelemetry SDK keeps a metric point for every tag set a cumulative instrument ever reported, and past its
/// cardinality limit (2,000 per instrument) it folds each new tag set into one <c>otel_metric_overflow</c> series: a
/// node that creates and deletes streams for weeks would, after about 500 four-shard streams, show no labelled series
/// for new ones. Read here, the series of a deleted stream cost nothing once its callback stops reporting it. The SDK
/// keeps what it does well and whose tag sets are bounded: the histograms and the synchronous counters (the server's
/// OpenTelemetry pipeline drops the instruments this class serves, <see cref="IsServedHere"/>). Names, units, labels
/// and both formats (Prometheus text 0.0.4 and OpenMetrics) follow the SDK's Prometheus exporter, so a series keeps its
/// name whichever of the two writes it.
/// </remarks>
internal sealed class ObservedInstrumentsScrape : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private List<Sample>? _collecting;

    private readonly record struct Sample(Instrument Instrument, double Value, KeyValuePair<string, object?>[] Tags);

    public ObservedInstrumentsScrape()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (IsServedHere(instrument)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Collect(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Collect(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Collect(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Whether this class serves the instrument (and the OpenTelemetry pipeline therefore drops it).</summary>
    public static bool IsServedHere(Instrument instrument) =>
        instrument.IsObservable && instrument.Meter.Name == ActorStreamsMetrics.MeterName;

    private void Collect(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _collecting?.Add(new Sample(instrument, value, tags.ToArray()));

    /// <summary>The families of every instrument served here, in the given format, without OpenMetrics' closing <c># EOF</c>.</summary>
    public string Write(bool openMetrics)
    {
        List<Sample> samples;
        lock (_gate)
        {
            _collecting = [];
            try { _listener.RecordObservableInstruments(); }
            finally { (samples, _collecting) = (_collecting, null); }
        }
        var text = new StringBuilder();
        // One family per name: the per-ActorSystem meters of a process (consumer lag, membership) report under one name.
        foreach (var family in samples.GroupBy(s => FamilyName(s.Instrument)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var instrument = family.First().Instrument;
            var counter = instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal);
            var sampleName = counter ? family.Key + "_total" : family.Key;
            var described = openMetrics ? family.Key : sampleName;
            text.Append("# TYPE ").Append(described).Append(counter ? " counter\n" : " gauge\n");
            if (openMetrics && UnitSuffix(instrument.Unit) is { Length: > 0 } unit)
                text.Append("# UNIT ").Append(described).Append(' ').Append(unit).Append('\n');
            if (!string.IsNullOrEmpty(instrument.Description))
                text.Append("# HELP ").Append(described).Append(' ').Append(EscapeHelp(instrument.Description)).Append('\n');
            foreach (var sample in family)
            {
                text.Append(sampleName).Append('{');
                AppendLabel(text, "otel_scope_name", sample.Instrument.Meter.Name, first: true);
                if (!string.IsNullOrEmpty(sample.Instrument.Meter.Version))
                    AppendLabel(text, "otel_scope_version", sample.Instrument.Meter.Version, first: false);
                foreach (var (key, value) in sample.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
                    AppendLabel(text, Sanitize(key), Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", first: false);
                text.Append("} ").Append(FormatValue(sample.Value)).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Middleware on the scrape path, in front of the SDK's Prometheus endpoint: takes its answer, adds the families
    /// served here (before OpenMetrics' <c># EOF</c>) and compresses the whole as the client asked.
    /// </summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var gzip = context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        context.Request.Headers.Remove("Accept-Encoding");
        var body = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
        }
        var contentType = context.Response.ContentType ?? "";
        var scrape = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        if (context.Response.StatusCode == StatusCodes.Status200OK)
        {
            var openMetrics = contentType.StartsWith("application/openmetrics-text", StringComparison.Ordinal);
            var ours = Write(openMetrics);
            const string eof = "# EOF\n";
            scrape = openMetrics && scrape.EndsWith(eof, StringComparison.Ordinal)
                ? string.Concat(scrape.AsSpan(0, scrape.Length - eof.Length), ours, eof)
                : scrape + ours;
        }
        var bytes = Encoding.UTF8.GetBytes(scrape);
        if (gzip && bytes.Length > 0)
        {
            using var compressed = new MemoryStream();
            await using (var gzipStream = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
                await gzipStream.WriteAsync(bytes, context.RequestAborted);
            context.Response.Headers.ContentEncoding = "gzip";
            bytes = compressed.ToArray();
        }
        context.Response.ContentLength = bytes.Length;
        await body.WriteAsync(bytes, context.RequestAborted);
    }

    // The SDK exporter's naming: dots and other characters outside [a-zA-Z0-9_:] become '_', the unit is appended
    // unless the name already ends with it, counters' samples end in _total.
    private static string FamilyName(Instrument instrument)
    {
        var name = Sanitize(instrument.Name);
        var unit = UnitSuffix(instrument.Unit);
        return unit.Length == 0 || name.EndsWith("_" + unit, StringComparison.Ordinal) ? name : name + "_" + unit;
    }

    private static string UnitSuffix(string? unit) => unit switch
    {
        null or "" => "",
        "By" => "bytes",
        "s" => "seconds",
        "ms" => "milliseconds",
        ['{', .., '}'] => "",
        _ => Sanitize(unit),
    };

    private static string Sanitize(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name) text.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        return text.ToString();
    }

    private static void AppendLabel(StringBuilder text, string name, string value, bool first)
    {
        if (!first) text.Append(',');
        text.Append(name).Append("=\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append("\\\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append("\\n"),
                _ => text.Append(c),
            };
        }
        text.Append('"');
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string FormatValue(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    public void Dispose() => _listener.Dispose();
}
