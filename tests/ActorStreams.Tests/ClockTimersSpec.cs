using ActorStreams.Internal;
using Akka.Actor;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// <see cref="ClockTimers"/>: Akka's timer semantics on a <see cref="TimeProvider"/>. The rules are checked without an
/// ActorSystem (ticks handed to a list, unwrapped as the actor would); the delivery to an actor with a TestKit.
/// </summary>
public sealed class ClockTimersSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UnixEpoch);
    private readonly List<object> _sent = new();

    private ClockTimers Timers() => new(_clock, message => { lock (_sent) _sent.Add(message); });

    // What the owner would handle for every tick sent so far, dropping the stale ones, in order.
    private List<object> Handle(ClockTimers timers)
    {
        List<object> sent;
        lock (_sent)
        {
            sent = _sent.ToList();
            _sent.Clear();
        }
        var handled = new List<object>();
        foreach (var message in sent)
        {
            if (timers.TryUnwrap(message, out var delivered)) handled.Add(delivered);
        }
        return handled;
    }

    [Fact]
    public void A_single_timer_must_fire_once_when_the_clock_reaches_it()
    {
        var timers = Timers();
        timers.StartSingleTimer("k", "hello", TimeSpan.FromSeconds(5));
        Assert.True(timers.IsTimerActive("k"));

        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(Handle(timers));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["hello"], Handle(timers));
        Assert.False(timers.IsTimerActive("k"));

        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(Handle(timers));
    }

    [Fact]
    public void A_cancelled_timer_must_never_deliver_even_when_its_tick_is_already_enqueued()
    {
        var timers = Timers();
        timers.StartSingleTimer("k", "late", TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(1));
        timers.Cancel("k");

        Assert.Single(_sent);
        Assert.Empty(Handle(timers));
        Assert.False(timers.IsTimerActive("k"));
    }

    [Fact]
    public void A_replaced_timer_must_deliver_only_the_new_message()
    {
        var timers = Timers();
        timers.StartSingleTimer("k", "old", TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(1));
        timers.StartSingleTimer("k", "new", TimeSpan.FromSeconds(1));

        Assert.Empty(Handle(timers));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["new"], Handle(timers));
    }

    [Fact]
    public void Cancel_all_must_stop_every_timer_and_drop_their_enqueued_ticks()
    {
        var timers = Timers();
        timers.StartSingleTimer("a", "a", TimeSpan.FromSeconds(1));
        timers.StartPeriodicTimer("b", "b", TimeSpan.FromSeconds(1));
        timers.StartSingleTimer("c", "c", TimeSpan.FromSeconds(10));
        _clock.Advance(TimeSpan.FromSeconds(1));
        timers.CancelAll();

        Assert.Empty(Handle(timers));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(Handle(timers));
        Assert.False(timers.IsTimerActive("a") || timers.IsTimerActive("b") || timers.IsTimerActive("c"));
    }

    [Fact]
    public void A_periodic_timer_must_fire_every_interval_while_its_ticks_are_taken()
    {
        var timers = Timers();
        timers.StartPeriodicTimer("p", "tick", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));

        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["tick"], Handle(timers));
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(Handle(timers));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["tick"], Handle(timers));
        Assert.True(timers.IsTimerActive("p"));
    }

    [Fact]
    public void A_periodic_timer_must_keep_at_most_one_tick_waiting_when_the_clock_jumps()
    {
        var timers = Timers();
        timers.StartPeriodicTimer("p", "tick", TimeSpan.FromMilliseconds(200));

        _clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(["tick"], Handle(timers));
        _clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(["tick"], Handle(timers));
    }

    [Fact]
    public void A_tick_of_another_scheduler_must_be_dropped()
    {
        // An actor restarted with new timers must not take the ticks its previous incarnation left in the mailbox.
        var before = Timers();
        before.StartSingleTimer("k", "before", TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(1));
        var after = Timers();
        after.StartSingleTimer("k", "after", TimeSpan.FromSeconds(1));

        Assert.Empty(Handle(after));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["after"], Handle(after));
    }

    [Fact]
    public void Other_messages_must_pass_through_unchanged()
    {
        var timers = Timers();
        Assert.True(timers.TryUnwrap("plain", out var delivered));
        Assert.Equal("plain", delivered);
    }

    [Fact]
    public void An_actor_must_receive_its_timer_messages_when_the_clock_moves_and_none_after_it_stopped()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var probe = CreateTestProbe();
        var owner = Sys.ActorOf(Props.Create(() => new TimerOwner(clock, probe.Ref)));

        owner.Tell(new TimerOwner.Start("once", TimeSpan.FromSeconds(30), Periodic: false));
        owner.Tell(new TimerOwner.Start("every", TimeSpan.FromSeconds(10), Periodic: true));
        owner.Tell(new TimerOwner.Start("cancelled", TimeSpan.FromSeconds(5), Periodic: false));
        owner.Tell(new TimerOwner.Cancel("cancelled"));
        probe.ExpectMsg("started");
        probe.ExpectMsg("started");
        probe.ExpectMsg("started");
        probe.ExpectMsg("cancelled");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        clock.Advance(TimeSpan.FromSeconds(10));
        probe.ExpectMsg("every");
        clock.Advance(TimeSpan.FromSeconds(10));
        probe.ExpectMsg("every");
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { "every", "once" }, new[] { probe.ExpectMsg<string>(), probe.ExpectMsg<string>() }.Order());

        Watch(owner);
        Sys.Stop(owner);
        ExpectTerminated(owner);
        clock.Advance(TimeSpan.FromMinutes(5));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    private sealed class TimerOwner : UntypedActor
    {
        private readonly IActorRef _probe;
        private readonly ClockTimers _timers;

        public TimerOwner(TimeProvider clock, IActorRef probe)
        {
            _probe = probe;
            _timers = new ClockTimers(clock, Self);
        }

        public sealed record Start(string Key, TimeSpan After, bool Periodic);

        public sealed record Cancel(string Key);

        protected override bool AroundReceive(Receive receive, object message) =>
            !_timers.TryUnwrap(message, out var delivered) || base.AroundReceive(receive, delivered);

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case Start { Periodic: true } start:
                    _timers.StartPeriodicTimer(start.Key, start.Key, start.After);
                    _probe.Tell("started");
                    break;
                case Start start:
                    _timers.StartSingleTimer(start.Key, start.Key, start.After);
                    _probe.Tell("started");
                    break;
                case Cancel cancel:
                    _timers.Cancel(cancel.Key);
                    _probe.Tell("cancelled");
                    break;
                case string key:
                    _probe.Tell(key);
                    break;
            }
        }

        protected override void PostStop() => _timers.CancelAll();
    }
}
