using ActorStreams.Kinesis;

namespace ActorStreams.TestKit;

/// <summary>
/// Writes keyed records at a steady rate of virtual time: every 100 ms of the kit's clock one PutRecords call carries
/// a tenth of the per-second rate, then the clock moves on. Record <c>n</c> of key <c>k</c> has partition key
/// <c>key-k</c> and data <c>key-k:n</c> (n from 1), which is what <see cref="ConsumerProbe"/> checks order and
/// completeness with. A throttled or failed write fails the run: lower the rate, or add shards, rather than let a
/// retry reorder a key.
/// </summary>
public sealed class LoadDriver
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly ActorStreamsTestKit _kit;
    private readonly int[] _counters;
    private readonly Random _random = new(42);
    private double _carry;

    internal LoadDriver(ActorStreamsTestKit kit, string streamName, int keys, int recordsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keys, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(recordsPerSecond, 1);
        _kit = kit;
        StreamName = streamName;
        RecordsPerSecond = recordsPerSecond;
        _counters = new int[keys];
    }

    /// <summary>The stream written to.</summary>
    public string StreamName { get; }

    /// <summary>Records written per second of virtual time.</summary>
    public int RecordsPerSecond { get; }

    /// <summary>Records written so far.</summary>
    public int Written => _counters.Sum();

    /// <summary>How many records of each key were written (key <c>key-i</c> at index i).</summary>
    public IReadOnlyList<int> WrittenPerKey => _counters;

    /// <summary>Writes for <paramref name="duration"/> of virtual time, advancing the kit's clock as it goes.</summary>
    public async Task RunForAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += Tick)
        {
            _carry += RecordsPerSecond * Tick.TotalSeconds;
            var count = (int)_carry;
            _carry -= count;
            if (count > 0)
            {
                var entries = new List<PutRecordsEntry>(count);
                for (var i = 0; i < count; i++)
                {
                    var key = _random.Next(_counters.Length);
                    var n = ++_counters[key];
                    entries.Add(new PutRecordsEntry(System.Text.Encoding.UTF8.GetBytes($"key-{key}:{n}"), $"key-{key}"));
                }
                var result = await _kit.Client.PutRecordsAsync(StreamName, entries, cancellationToken).ConfigureAwait(false);
                if (result.FailedRecordCount > 0)
                    throw new InvalidOperationException(
                        $"{result.FailedRecordCount} of {count} records were refused ({result.Records.First(r => r.ErrorCode is not null).ErrorCode}); lower the rate or add shards.");
            }
            _kit.Advance(Tick);
        }
    }
}
