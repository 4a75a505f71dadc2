using ActorStreams.Settings;

namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>Which limit refused a GetRecords call, if any.</summary>
internal enum ReadAdmission
{
    /// <summary>The call may read.</summary>
    Admitted,

    /// <summary>Earlier reads took more bytes than the shard's read rate has given back yet.</summary>
    ReadBytesExceeded,

    /// <summary>Too many GetRecords calls this second.</summary>
    ReadCallsExceeded,
}

/// <summary>
/// The per-shard Kinesis limits as token buckets on the runtime clock: write records and write bytes, shared read
/// calls and read bytes, and GetShardIterator calls. Nothing here is enforced when the settings disable throttling;
/// the shard asks <see cref="Enabled"/> where a request may be exempt (ON_DEMAND writes, enhanced fan-out reads).
/// </summary>
internal sealed class StreamShardThrottle
{
    private readonly ThrottlingSettings _settings;
    private readonly TokenBucket _writeRecords;
    private readonly TokenBucket _writeBytes;
    private readonly TokenBucket _readCalls;
    private readonly TokenBucket _readBytes;
    private readonly TokenBucket _iteratorCalls;

    public StreamShardThrottle(ThrottlingSettings settings, TimeProvider clock)
    {
        _settings = settings;
        _writeRecords = new TokenBucket(clock, settings.WriteRecordsPerSecond);
        _writeBytes = new TokenBucket(clock, settings.WriteBytesPerSecond);
        _readCalls = new TokenBucket(clock, settings.ReadCallsPerSecond);
        _readBytes = new TokenBucket(clock, settings.ReadBytesPerSecond);
        _iteratorCalls = new TokenBucket(clock, settings.GetShardIteratorCallsPerSecond);
    }

    /// <summary>Whether the limits apply at all.</summary>
    public bool Enabled => _settings.Enabled;

    /// <summary>The limits.</summary>
    public ThrottlingSettings Settings => _settings;

    /// <summary>
    /// Takes write capacity for the leading records that fit both write buckets and says how many that is. When a
    /// record does not fit, <paramref name="retryAfter"/> is how long until it would.
    /// </summary>
    public int TakeWrites(StoredRecord[] records, out long bytes, out TimeSpan retryAfter)
    {
        var accepted = 0;
        bytes = 0;
        retryAfter = TimeSpan.Zero;
        foreach (var record in records)
        {
            var size = record.Size;
            if (_writeRecords.Available < 1 || !_writeBytes.TryTake(size))
            {
                retryAfter = TimeSpan.FromTicks(Math.Max(_writeRecords.TimeUntil(1).Ticks, _writeBytes.TimeUntil(size).Ticks));
                break;
            }
            _writeRecords.Take(1);
            accepted++;
            bytes += size;
        }
        return accepted;
    }

    /// <summary>
    /// Counts one GetRecords call against the shared read limits, or says which one refuses it; then
    /// <paramref name="retryAfter"/> is how long until it would pass.
    /// </summary>
    public ReadAdmission TryStartRead(out TimeSpan retryAfter)
    {
        if (_readBytes.Available < 0)
        {
            retryAfter = _readBytes.TimeUntil(1);
            return ReadAdmission.ReadBytesExceeded;
        }
        if (!_readCalls.TryTake(1))
        {
            retryAfter = _readCalls.TimeUntil(1);
            return ReadAdmission.ReadCallsExceeded;
        }
        retryAfter = TimeSpan.Zero;
        return ReadAdmission.Admitted;
    }

    /// <summary>Charges bytes a shared reader read (possibly into debt, which throttles the next calls).</summary>
    public void TakeReadBytes(long bytes) => _readBytes.Take(bytes);

    /// <summary>Counts one GetShardIterator call; false when the limit refuses it.</summary>
    public bool TryResolveIterator() => _iteratorCalls.TryTake(1);

    /// <summary>How much of the shard's write limit a load of this many records and bytes per second is: the larger share of the two.</summary>
    public double WriteShare(double recordsPerSecond, double bytesPerSecond) =>
        Math.Max(recordsPerSecond / _settings.WriteRecordsPerSecond, bytesPerSecond / _settings.WriteBytesPerSecond);
}
