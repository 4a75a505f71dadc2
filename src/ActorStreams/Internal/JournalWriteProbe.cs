using Akka.Actor;
using Akka.Persistence;

namespace ActorStreams.Internal;

/// <summary>
/// While <see cref="JournalHealth"/> holds a fault, tries one write every interval of the runtime clock: a short-lived
/// persistent child recovers, persists an empty event under its own persistence id and deletes it again. The first
/// that succeeds ends the fault. One write at a time, and none while the journal is healthy.
/// </summary>
internal sealed class JournalWriteProbe : UntypedActor
{
    public const string Name = "actorstreams-journal-probe";

    /// <summary>The persistence id the probe writes (and deletes) under; no entity uses it.</summary>
    public const string PersistenceId = "actorstreams-journal-write-probe";

    private const string TimerKey = "probe";

    private readonly JournalHealth _health;
    private readonly TimeSpan _interval;
    private readonly ClockTimers _timers;
    private IActorRef? _writer;
    private bool _accepted;
    private long _attempts;

    public JournalWriteProbe(JournalHealth health, TimeProvider clock, TimeSpan interval)
    {
        _health = health;
        _interval = interval;
        _timers = new ClockTimers(clock, Self);
    }

    public static Props Props(JournalHealth health, TimeProvider clock, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new JournalWriteProbe(health, clock, interval));

    protected override bool AroundReceive(Receive receive, object message) =>
        !_timers.TryUnwrap(message, out var delivered) || base.AroundReceive(receive, delivered);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Start:
                if (_writer is null && !_timers.IsTimerActive(TimerKey)) _timers.StartSingleTimer(TimerKey, Attempt.Instance, _interval);
                break;
            case Attempt:
                if (_health.Fault is null || _writer is not null) break;
                _accepted = false;
                _writer = Context.Watch(Context.ActorOf(Akka.Actor.Props.Create(() => new Writer()), $"writer-{++_attempts}"));
                break;
            case Written:
                _accepted = true;
                break;
            case Terminated t when t.ActorRef.Equals(_writer):
                _writer = null;
                if (_accepted) _health.WriteSucceeded();
                else if (_health.Fault is not null) _timers.StartSingleTimer(TimerKey, Attempt.Instance, _interval);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop() => _timers.CancelAll();

    /// <summary>A fault was reported: probe until it clears.</summary>
    public sealed class Start
    {
        public static readonly Start Instance = new();

        private Start() { }
    }

    private sealed class Attempt
    {
        public static readonly Attempt Instance = new();
    }

    private sealed class Written
    {
        public static readonly Written Instance = new();
    }

    /// <summary>
    /// One probe write. A refused recovery or write stops it (Akka's rule for persistent actors) without the error
    /// log Akka writes by default: the fault is logged once, by <see cref="JournalHealth"/>.
    /// </summary>
    private sealed class Writer : PersistentActor
    {
        public override string PersistenceId => JournalWriteProbe.PersistenceId;

        protected override bool ReceiveRecover(object message)
        {
            if (message is RecoveryCompleted) Self.Tell(Attempt.Instance);
            return true;
        }

        protected override bool ReceiveCommand(object message)
        {
            switch (message)
            {
                case Attempt:
                    Persist(Array.Empty<byte>(), _ =>
                    {
                        Context.Parent.Tell(Written.Instance);
                        // Nothing is kept: the event goes again at once (the journal keeps the highest sequence number).
                        DeleteMessages(LastSequenceNr);
                    });
                    return true;
                case DeleteMessagesSuccess or DeleteMessagesFailure:
                    Context.Stop(Self);
                    return true;
            }
            return false;
        }

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
        }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) => Context.Stop(Self);

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
        }
    }
}
