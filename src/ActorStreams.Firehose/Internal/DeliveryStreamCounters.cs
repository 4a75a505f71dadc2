using ActorStreams.Firehose.Diagnostics;
using ActorStreams.Internal;

namespace ActorStreams.Firehose.Internal;

/// <summary>A DirectPut delivery stream's undelivered records: how many, their bytes, and the oldest one's arrival.</summary>
internal readonly record struct DeliveryBacklog(long Records, long Bytes, long? OldestArrivalMs);

/// <summary>
/// The delivery statistics of one delivery stream on this node, the one place its delivery events are counted: each
/// event goes to the OpenTelemetry instruments of <see cref="FirehoseMetrics"/> and to these totals, rolling
/// window and last errors, which <see cref="DeliveryStreamStatistics"/> (DescribeDeliveryStream, the web console)
/// reports. The delivery graph counts through the <see cref="DeliveryRecorder"/> of its plan; the entity publishes
/// its backlog. Thread-safe; in memory only, kept while the entity passivates and forgotten when it is deleted.
/// </summary>
internal sealed class DeliveryStreamCounters
{
    private const int DeliveredRecordsCounter = 0;
    private const int DeliveredBytesCounter = 1;
    private const int FailedAttemptsCounter = 2;

    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private readonly RollingCounters _window = new(3);
    private readonly SortedDictionary<string, (long Buffers, long Records)> _errorOutput = new(StringComparer.Ordinal);
    private readonly Queue<DeliveryError> _recentErrors = new();
    // What the OpenTelemetry counters report (FirehoseMetrics reads them at collection time): totals by instrument,
    // destination kind and the instrument's own tag (error code, error output type), so they go with the delivery stream.
    private readonly Dictionary<(FirehoseMetrics.Total Total, string Destination, string? Tag), long> _meterTotals = new();
    private DeliveryBacklog? _backlog;
    private DeliveryRecorder? _current;

    public DeliveryStreamCounters(string deliveryStreamName, TimeProvider clock)
    {
        DeliveryStreamName = deliveryStreamName;
        _clock = clock;
        CountingSince = clock.GetUtcNow();
    }

    public string DeliveryStreamName { get; }

    public DateTimeOffset CountingSince { get; }

    /// <summary>
    /// The recorder of buffers delivered under one destination configuration. The newest one is the current
    /// destination: its tags label the backlog gauges and its kind the statistics.
    /// </summary>
    public DeliveryRecorder Recorder(DeliveryDestination destination)
    {
        var recorder = new DeliveryRecorder(this, DeliveryRecorder.DestinationKind(destination));
        Volatile.Write(ref _current, recorder);
        return recorder;
    }

    /// <summary>The tags of the current destination (for the gauges).</summary>
    public KeyValuePair<string, object?>[] CurrentTags =>
        Volatile.Read(ref _current)?.Tags ?? FirehoseMetrics.DeliveryTags(DeliveryStreamName, "unknown");

    /// <summary>The undelivered records of a DirectPut delivery stream; null when unknown (a Kinesis stream source).</summary>
    public DeliveryBacklog? Backlog
    {
        get
        {
            lock (_gate) return _backlog;
        }
    }

    public void SetBacklog(DeliveryBacklog? backlog)
    {
        lock (_gate) _backlog = backlog;
    }

    /// <summary>The age of the oldest undelivered record (zero when none waits); null when the backlog is unknown.</summary>
    public TimeSpan? DataFreshness => FreshnessOf(Backlog);

    private TimeSpan? FreshnessOf(DeliveryBacklog? backlog)
    {
        if (backlog is not { } b) return null;
        if (b.OldestArrivalMs is not { } oldest) return TimeSpan.Zero;
        var age = _clock.GetUtcNow().ToUnixTimeMilliseconds() - oldest;
        return TimeSpan.FromMilliseconds(Math.Max(0, age));
    }

    private long NowSecond => _clock.GetUtcNow().ToUnixTimeSeconds();

    internal void AddMeterTotal(FirehoseMetrics.Total total, string destination, string? tag, long value)
    {
        lock (_gate)
        {
            var key = (total, destination, tag);
            _meterTotals[key] = _meterTotals.GetValueOrDefault(key) + value;
        }
    }

    /// <summary>The totals of one instrument, by destination kind and tag.</summary>
    internal List<(string Destination, string? Tag, long Value)> MeterTotals(FirehoseMetrics.Total total)
    {
        lock (_gate) return _meterTotals.Where(e => e.Key.Total == total).Select(e => (e.Key.Destination, e.Key.Tag, e.Value)).ToList();
    }

    internal void Delivered(int records, long bytes) => _window.Add(NowSecond, [records, bytes, 0]);

    internal void AttemptFailed() => _window.Add(NowSecond, FailedAttemptsCounter, 1);

    internal void SentToErrorOutput(string errorOutputType, int records)
    {
        lock (_gate)
        {
            var (buffers, total) = _errorOutput.GetValueOrDefault(errorOutputType);
            _errorOutput[errorOutputType] = (buffers + 1, total + records);
        }
    }

    internal void Error(string destination, string errorCode, string message)
    {
        var error = new DeliveryError(_clock.GetUtcNow(), destination, Sanitize(errorCode, MaxErrorCodeLength), Sanitize(message, MaxErrorMessageLength));
        lock (_gate)
        {
            _recentErrors.Enqueue(error);
            while (_recentErrors.Count > DeliveryStreamStatistics.MaxRecentErrors) _recentErrors.Dequeue();
        }
    }

    /// <summary>Longest error code and message the last errors keep (longer ones are cut, with "...").</summary>
    internal const int MaxErrorCodeLength = 64, MaxErrorMessageLength = 512;

    /// <summary>One line of printable text, cut to <paramref name="max"/> characters: no control characters reach a reader.</summary>
    internal static string Sanitize(string text, int max)
    {
        var cut = text.Length > max ? text[..(max - 3)] + "..." : text;
        return string.Create(cut.Length, cut, (span, source) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = char.IsControl(source[i]) ? ' ' : source[i];
        });
    }

    public DeliveryStreamStatistics Snapshot()
    {
        var (totals, window) = _window.Sums(NowSecond);
        const double seconds = DeliveryStreamStatistics.RateWindowSeconds;
        DeliveryBacklog? backlog;
        Dictionary<string, ErrorOutputStatistics> errorOutput;
        DeliveryError[] recent;
        lock (_gate)
        {
            backlog = _backlog;
            errorOutput = _errorOutput.ToDictionary(e => e.Key, e => new ErrorOutputStatistics(e.Value.Buffers, e.Value.Records), StringComparer.Ordinal);
            recent = _recentErrors.ToArray();
        }
        return new DeliveryStreamStatistics(
            Volatile.Read(ref _current)?.Destination ?? "unknown",
            CountingSince,
            totals[DeliveredRecordsCounter],
            totals[DeliveredBytesCounter],
            window[DeliveredRecordsCounter] / seconds,
            window[DeliveredBytesCounter] / seconds,
            totals[FailedAttemptsCounter],
            errorOutput,
            backlog?.Records,
            backlog?.Bytes,
            FreshnessOf(backlog),
            recent);
    }
}

/// <summary>
/// Counts the deliveries of one delivery stream under one destination configuration (it travels in the
/// <see cref="DeliveryPlan"/>, so a buffer sealed before an UpdateDestination is counted under the destination it
/// was delivered to).
/// </summary>
internal sealed class DeliveryRecorder
{
    /// <summary>What <see cref="DeliveryError.Destination"/> says for a failed transformation.</summary>
    public const string Transformation = "Lambda";

    /// <summary>What <see cref="DeliveryError.Destination"/> says for a failed backup or error output write (the object store).</summary>
    public const string ObjectStore = "S3";

    private readonly DeliveryStreamCounters _counters;

    public DeliveryRecorder(DeliveryStreamCounters counters, string destination)
    {
        _counters = counters;
        Destination = destination;
        Tags = FirehoseMetrics.DeliveryTags(counters.DeliveryStreamName, destination);
    }

    /// <summary>The destination kind: S3, Redshift, HttpEndpoint, Splunk, AmazonOpenSearchService, AmazonOpenSearchServerless (Firehose's DeliveryTo<i>X</i> metric names).</summary>
    public string Destination { get; }

    public KeyValuePair<string, object?>[] Tags { get; }

    public static string DestinationKind(DeliveryDestination destination) => destination switch
    {
        ObjectStoreDestination => "S3",
        WarehouseDestination => "Redshift",
        HttpEndpointDestination => "HttpEndpoint",
        SplunkDestination => "Splunk",
        OpenSearchDestination { Serverless: true } => "AmazonOpenSearchServerless",
        OpenSearchDestination => "AmazonOpenSearchService",
        _ => destination.GetType().Name,
    };

    /// <summary>A buffer reached the destination: <paramref name="records"/> records of <paramref name="bytes"/> bytes.</summary>
    public void Delivered(int records, long bytes)
    {
        if (records <= 0) return;
        _counters.AddMeterTotal(FirehoseMetrics.Total.DeliveredRecords, Destination, null, records);
        _counters.AddMeterTotal(FirehoseMetrics.Total.DeliveredBytes, Destination, null, bytes);
        _counters.Delivered(records, bytes);
    }

    /// <summary>One delivery attempt of a buffer failed (it is retried, or its records go to the error output).</summary>
    public void AttemptFailed(string errorCode, string message)
    {
        _counters.AddMeterTotal(FirehoseMetrics.Total.DeliveryFailures, Destination, errorCode, 1);
        _counters.AttemptFailed();
        _counters.Error(Destination, errorCode, message);
    }

    /// <summary>A buffer's failed records were written to the error output (one object per error output type).</summary>
    public void SentToErrorOutput(IReadOnlyList<FailedRecord> failed)
    {
        foreach (var group in failed.GroupBy(f => f.ErrorOutputType))
        {
            var records = group.Count();
            _counters.AddMeterTotal(FirehoseMetrics.Total.ErrorOutputRecords, Destination, group.Key, records);
            _counters.SentToErrorOutput(group.Key, records);
        }
    }

    /// <summary>
    /// A backup or error output write failed and is retried until the object store takes it: the one wait besides a
    /// destination's, so it shows in the last errors and the <c>actorstreams.firehose.store.retries</c> counter.
    /// </summary>
    public void StoreRetry(string errorCode, string message)
    {
        FirehoseMetrics.RecordStoreRetry(Tags, errorCode);
        _counters.Error(ObjectStore, errorCode, message);
    }

    /// <summary>
    /// Something other than the delivery failed (<paramref name="what"/>: <see cref="Transformation"/>,
    /// <see cref="ObjectStore"/>): it shows in the last errors, not in the failed delivery attempts.
    /// </summary>
    public void OtherFailure(string what, string errorCode, string message) => _counters.Error(what, errorCode, message);
}
