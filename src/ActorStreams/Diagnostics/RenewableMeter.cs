using System.Diagnostics.Metrics;

namespace ActorStreams.Diagnostics;

/// <summary>
/// A meter of instruments tagged by stream (and shard, consumer), made again once enough of the tag sets they reported
/// were forgotten. The OpenTelemetry SDK keeps a point for every tag set a cumulative instrument ever reported, observed
/// or not, and past its cardinality limit (2,000 by default) reports new tag sets only as one overflow series; disposing
/// the meter makes the SDK drop its instruments with every point they held. The instruments here are observed from the
/// runtime's own registries, so the live series come back at the next collection with the values they had.
/// </summary>
internal sealed class RenewableMeter : IDisposable
{
    private readonly string? _version;
    private readonly Action<Meter> _createInstruments;
    private readonly Lock _lock = new();
    private Meter _meter;
    private int _forgotten;
    private bool _disposed;

    public RenewableMeter(string? version, Action<Meter> createInstruments)
    {
        _version = version;
        _createInstruments = createInstruments;
        _meter = Create();
    }

    /// <summary>How many times the instruments were made again (what a test asserts on).</summary>
    public int Renewals { get; private set; }

    /// <summary>
    /// Counts tag sets no longer reported (a deleted stream's shards, an expired entry); past
    /// <see cref="ActorStreamsMetrics.ShardSeriesRenewalThreshold"/> the instruments are made again.
    /// </summary>
    public void Forgotten(int count)
    {
        if (count <= 0 || Interlocked.Add(ref _forgotten, count) < ActorStreamsMetrics.ShardSeriesRenewalThreshold) return;
        lock (_lock)
        {
            if (_disposed || Volatile.Read(ref _forgotten) < ActorStreamsMetrics.ShardSeriesRenewalThreshold) return;
            Volatile.Write(ref _forgotten, 0);
            // Disposed first: while the old instruments are active, the SDK binds new ones of the same identity to them,
            // and would then retire both together.
            _meter.Dispose();
            _meter = Create();
            Renewals++;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _meter.Dispose();
        }
    }

    private Meter Create()
    {
        var meter = new Meter(ActorStreamsMetrics.MeterName, _version);
        _createInstruments(meter);
        return meter;
    }
}
