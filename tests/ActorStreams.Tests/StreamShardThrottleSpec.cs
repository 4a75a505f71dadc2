using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Settings;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>A shard's token buckets on the runtime clock (ThrottlingSpec checks the same limits through the client).</summary>
public sealed class StreamShardThrottleSpec
{
    private static readonly ThrottlingSettings Limits = new(enabled: true, writeBytesPerSecond: 1000, writeRecordsPerSecond: 4,
        readBytesPerSecond: 2000, readCallsPerSecond: 2, getShardIteratorCallsPerSecond: 1);

    private static StoredRecord Record(int dataBytes) => new("k", new byte[dataBytes - 1]); // the one-byte key counts too

    [Fact]
    public void StreamShardThrottle_must_take_the_leading_records_that_fit_the_write_record_limit()
    {
        var clock = new FakeTimeProvider();
        var throttle = new StreamShardThrottle(Limits, clock);

        var accepted = throttle.TakeWrites([Record(10), Record(10), Record(10), Record(10), Record(10), Record(10)], out var bytes, out var retryAfter);

        Assert.Equal(4, accepted);
        Assert.Equal(40, bytes);
        // One record back takes a quarter second at four per second.
        Assert.Equal(TimeSpan.FromMilliseconds(250), retryAfter);
    }

    [Fact]
    public void StreamShardThrottle_must_stop_at_the_record_that_passes_the_write_byte_limit_and_refill_with_time()
    {
        var clock = new FakeTimeProvider();
        var throttle = new StreamShardThrottle(Limits, clock);

        Assert.Equal(2, throttle.TakeWrites([Record(400), Record(400), Record(400)], out var bytes, out var retryAfter));
        Assert.Equal(800, bytes);
        Assert.Equal(TimeSpan.FromMilliseconds(200), retryAfter);
        Assert.Equal(0, throttle.TakeWrites([Record(400)], out _, out _));

        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, throttle.TakeWrites([Record(400)], out _, out retryAfter));
        Assert.Equal(TimeSpan.Zero, retryAfter);
    }

    [Fact]
    public void StreamShardThrottle_must_refuse_reads_past_the_call_limit_until_a_call_is_back()
    {
        var clock = new FakeTimeProvider();
        var throttle = new StreamShardThrottle(Limits, clock);

        Assert.Equal(ReadAdmission.Admitted, throttle.TryStartRead(out _));
        Assert.Equal(ReadAdmission.Admitted, throttle.TryStartRead(out _));
        Assert.Equal(ReadAdmission.ReadCallsExceeded, throttle.TryStartRead(out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(500), retryAfter);

        clock.Advance(retryAfter);
        Assert.Equal(ReadAdmission.Admitted, throttle.TryStartRead(out _));
    }

    [Fact]
    public void StreamShardThrottle_must_refuse_reads_while_earlier_reads_owe_bytes()
    {
        var clock = new FakeTimeProvider();
        var throttle = new StreamShardThrottle(Limits, clock);

        // A read larger than a second of capacity passes and leaves a debt of 1000 bytes (half a second).
        throttle.TakeReadBytes(3000);
        Assert.Equal(ReadAdmission.ReadBytesExceeded, throttle.TryStartRead(out var retryAfter));
        Assert.True(retryAfter > TimeSpan.FromMilliseconds(500), $"{retryAfter}");

        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(ReadAdmission.Admitted, throttle.TryStartRead(out _));
    }

    [Fact]
    public void StreamShardThrottle_must_count_GetShardIterator_calls_apart()
    {
        var clock = new FakeTimeProvider();
        var throttle = new StreamShardThrottle(Limits, clock);

        Assert.True(throttle.TryResolveIterator());
        Assert.False(throttle.TryResolveIterator());
        // The read calls are untouched by iterator calls.
        Assert.Equal(ReadAdmission.Admitted, throttle.TryStartRead(out _));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(throttle.TryResolveIterator());
    }

    [Fact]
    public void StreamShardThrottle_must_report_the_larger_share_of_the_write_limits()
    {
        var throttle = new StreamShardThrottle(Limits, new FakeTimeProvider());

        Assert.Equal(0.5, throttle.WriteShare(recordsPerSecond: 2, bytesPerSecond: 100));
        Assert.Equal(2.0, throttle.WriteShare(recordsPerSecond: 1, bytesPerSecond: 2000));
        Assert.Equal(Limits.Enabled, throttle.Enabled);
    }
}
