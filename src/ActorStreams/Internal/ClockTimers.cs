using Akka.Actor;

namespace ActorStreams.Internal;

/// <summary>
/// An entity's timers on the runtime clock: Akka's <see cref="ITimerScheduler"/> semantics (single and periodic
/// timers by key, a new timer replaces the one under its key, <see cref="Cancel"/> and <see cref="CancelAll"/>), but
/// driven by <see cref="TimeProvider.CreateTimer"/>, so a test that moves a fake clock fires them and nothing waits
/// real time. With <see cref="TimeProvider.System"/> it behaves as Akka's scheduler does.
/// </summary>
/// <remarks>
/// A timer's message reaches the actor wrapped in a <see cref="Tick"/>; the actor passes every message through
/// <see cref="TryUnwrap"/> (in <c>AroundReceive</c>), which drops the tick of a timer cancelled or replaced after it
/// was enqueued. All methods but the clock's callback run on the actor's thread. A periodic timer arms its next tick
/// when the actor takes the last one (a fixed delay, as Akka's <c>StartTimerWithFixedDelay</c>): a fake clock moved a
/// day ahead would otherwise fire it once per interval, and those ticks would pile up in the mailbox.
/// The owner cancels everything in <c>PostStop</c>, so timers die with the actor.
/// </remarks>
internal sealed class ClockTimers
{
    // Global, so that a tick enqueued by a previous incarnation of the actor never matches a timer of this one.
    private static long _lastGeneration;

    private readonly TimeProvider _clock;
    private readonly Action<object> _deliver;
    private readonly Dictionary<object, Entry> _timers = new();

    public ClockTimers(TimeProvider clock, IActorRef owner)
        : this(clock, message => owner.Tell(message, ActorRefs.NoSender))
    {
    }

    /// <summary>Timers that hand their ticks to <paramref name="deliver"/> (called on the clock's thread).</summary>
    public ClockTimers(TimeProvider clock, Action<object> deliver)
    {
        _clock = clock;
        _deliver = deliver;
    }

    /// <summary>What a timer sends its owner; <see cref="TryUnwrap"/> turns it back into the timer's message.</summary>
    internal sealed record Tick(object Key, long Generation, object Message);

    public void StartSingleTimer(object key, object message, TimeSpan timeout) =>
        Start(key, message, timeout, null);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        Start(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval) =>
        Start(key, message, initialDelay, interval);

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var entry)) entry.Dispose();
    }

    public void CancelAll()
    {
        foreach (var entry in _timers.Values) entry.Dispose();
        _timers.Clear();
    }

    /// <summary>
    /// The message to handle: a live timer's message for its tick, any other message as it is. False for the tick of a
    /// timer that was cancelled or replaced meanwhile: the actor drops it.
    /// </summary>
    public bool TryUnwrap(object message, out object delivered)
    {
        delivered = message;
        if (message is not Tick tick) return true;
        if (!_timers.TryGetValue(tick.Key, out var entry) || entry.Generation != tick.Generation) return false;
        if (entry.Period is { } period) entry.Arm(_clock, period);
        else
        {
            _timers.Remove(tick.Key);
            entry.Dispose();
        }
        delivered = tick.Message;
        return true;
    }

    private void Start(object key, object message, TimeSpan dueTime, TimeSpan? period)
    {
        Cancel(key);
        var entry = new Entry(new Tick(key, Interlocked.Increment(ref _lastGeneration), message), period, _deliver);
        _timers[key] = entry;
        entry.Arm(_clock, dueTime);
    }

    private sealed class Entry(Tick tick, TimeSpan? period, Action<object> deliver)
    {
        private ITimer? _timer;

        public long Generation => tick.Generation;

        public TimeSpan? Period => period;

        public void Arm(TimeProvider clock, TimeSpan dueTime)
        {
            _timer?.Dispose();
            _timer = clock.CreateTimer(static state => ((Entry)state!).Fire(), this, dueTime, Timeout.InfiniteTimeSpan);
        }

        public void Dispose() => _timer?.Dispose();

        private void Fire() => deliver(tick);
    }
}
