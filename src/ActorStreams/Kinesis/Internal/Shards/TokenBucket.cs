namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>
/// A token bucket that refills continuously at <c>ratePerSecond</c> up to one second of capacity. Taking more than
/// is there leaves a debt that later callers wait out (a large read throttles the next calls).
/// </summary>
internal sealed class TokenBucket
{
    private readonly TimeProvider _clock;
    private readonly double _rate;
    private double _tokens;
    private long _lastTicks;

    public TokenBucket(TimeProvider clock, double ratePerSecond)
    {
        _clock = clock;
        _rate = ratePerSecond;
        _tokens = ratePerSecond;
        _lastTicks = clock.GetUtcNow().UtcTicks;
    }

    public double Capacity => _rate;

    public double Available
    {
        get
        {
            Refill();
            return _tokens;
        }
    }

    /// <summary>Takes <paramref name="amount"/> if there is that much, or if the bucket is full (so an item larger than the capacity still passes).</summary>
    public bool TryTake(double amount)
    {
        Refill();
        if (_tokens < amount && _tokens < _rate) return false;
        _tokens -= amount;
        return true;
    }

    /// <summary>Takes unconditionally, possibly into debt.</summary>
    public void Take(double amount)
    {
        Refill();
        _tokens -= amount;
    }

    /// <summary>How long until <paramref name="amount"/> (capped at the capacity) is available.</summary>
    public TimeSpan TimeUntil(double amount)
    {
        Refill();
        var missing = Math.Min(amount, _rate) - _tokens;
        return missing <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(missing / _rate);
    }

    private void Refill()
    {
        var now = _clock.GetUtcNow().UtcTicks;
        var elapsed = now - _lastTicks;
        if (elapsed <= 0) return;
        _lastTicks = now;
        _tokens = Math.Min(_rate, _tokens + _rate * elapsed / TimeSpan.TicksPerSecond);
    }
}
