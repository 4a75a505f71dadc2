using Akka.Actor;

namespace ActorStreams.Internal;

/// <summary>
/// Tells a message to a target every interval of the runtime clock: the catalog's heartbeat through its region.
/// An actor rather than a bare clock timer so that the next beat is armed only once the last one is sent, and a
/// fake clock moved far ahead sends one beat, not one per interval it skipped.
/// </summary>
internal sealed class ClockHeartbeat : UntypedActor
{
    private const string TimerKey = "beat";

    private readonly IActorRef _target;
    private readonly object _message;
    private readonly ClockTimers _timers;

    public ClockHeartbeat(TimeProvider clock, IActorRef target, object message, TimeSpan interval)
    {
        _target = target;
        _message = message;
        _timers = new ClockTimers(clock, Self);
        _timers.StartPeriodicTimer(TimerKey, Beat.Instance, interval);
    }

    public static Props Props(TimeProvider clock, IActorRef target, object message, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new ClockHeartbeat(clock, target, message, interval));

    protected override bool AroundReceive(Receive receive, object message) =>
        !_timers.TryUnwrap(message, out var delivered) || base.AroundReceive(receive, delivered);

    protected override void OnReceive(object message)
    {
        if (message is Beat) _target.Tell(_message, ActorRefs.NoSender);
        else Unhandled(message);
    }

    protected override void PostStop() => _timers.CancelAll();

    private sealed class Beat
    {
        public static readonly Beat Instance = new();
    }
}
