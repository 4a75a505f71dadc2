using Akka.Actor;
using Akka.Event;

namespace ActorStreams.Internal;

/// <summary>A journal that refused a write: why, and since when.</summary>
internal sealed record JournalFault(string Reason, DateTimeOffset Since)
{
    /// <summary>What a refused caller is told: nothing of the request was stored, and retrying later is right.</summary>
    public string Message => $"The journal refuses writes since {Since:yyyy-MM-ddTHH:mm:ssZ} ({Reason}); nothing was stored, retry later.";
}

/// <summary>
/// Whether this node's journal accepts writes. The first refused write (disk full, read-only file system, database
/// gone) turns it to a <see cref="JournalFault"/>: the writers (StreamShards, delivery streams) then refuse appends at
/// once instead of persisting, which would only fail again, stop the entity and log a stack trace per request; and
/// /health/ready turns red. A probe writes to the journal every <c>actorstreams.journal.write-probe-interval</c>
/// while the fault lasts and clears it on the first write that succeeds. Logged once when the fault begins and once
/// when it ends.
/// </summary>
internal sealed class JournalHealth
{
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log;
    private readonly TimeSpan _probeInterval;
    private readonly IActorRef _probe;
    private JournalFault? _fault;

    public JournalHealth(ActorSystem system, TimeProvider clock, TimeSpan probeInterval)
    {
        _clock = clock;
        _probeInterval = probeInterval;
        _log = Logging.GetLogger(system, typeof(JournalHealth));
        _probe = system.ActorOf(JournalWriteProbe.Props(this, clock, probeInterval), JournalWriteProbe.Name);
    }

    /// <summary>The fault in force, or null while the journal accepts writes.</summary>
    public JournalFault? Fault => Volatile.Read(ref _fault);

    /// <summary>
    /// The journal failed a write or a recovery (<paramref name="what"/>: "a write of streamshard-..."). The first report
    /// of a fault logs it and starts the probe; later ones, until it clears, change nothing.
    /// </summary>
    public void Failed(string what, Exception cause)
    {
        var fault = new JournalFault(Describe(cause), _clock.GetUtcNow());
        if (Interlocked.CompareExchange(ref _fault, fault, null) is not null) return;
        // One line: a provider's exception chain runs to hundreds of lines and says no more than its innermost message.
        _log.Error("The journal failed {0}: {1} ({2}). Writes are refused at once and /health/ready is red " +
            "until a probe write succeeds (tried every {3:0.#} s).", what, fault.Reason, Chain(cause), _probeInterval.TotalSeconds);
        _log.Debug("The journal's error: {0}", cause);
        _probe.Tell(JournalWriteProbe.Start.Instance);
    }

    /// <summary>The probe's write went through: the fault, if any, is over.</summary>
    internal void WriteSucceeded()
    {
        var fault = Interlocked.Exchange(ref _fault, null);
        if (fault is null) return;
        _log.Info("The journal accepts writes again after {0:0.#} s refusing them ({1}).",
            (_clock.GetUtcNow() - fault.Since).TotalSeconds, fault.Reason);
    }

    /// <summary>The exception types from the outermost to the innermost: "AggregateException > NpgsqlException > IOException".</summary>
    private static string Chain(Exception cause)
    {
        var types = new List<string>();
        for (var e = cause; e is not null; e = e.InnerException) types.Add(e.GetType().Name);
        return string.Join(" > ", types);
    }

    /// <summary>The innermost error's message: a provider's own words ("database or disk is full", "Connection refused").</summary>
    private static string Describe(Exception cause)
    {
        var inner = cause;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return inner.Message.TrimEnd('.');
    }
}
