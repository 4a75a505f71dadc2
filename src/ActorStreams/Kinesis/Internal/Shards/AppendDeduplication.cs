namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>What a shard does with an append, by its request id.</summary>
internal enum AppendSeen
{
    /// <summary>Not seen (or sent without a request id): write it.</summary>
    New,

    /// <summary>Answered already: send the remembered answer again.</summary>
    Answered,

    /// <summary>Being written: the resender is answered with it.</summary>
    InFlight,
}

/// <summary>
/// Recognizes resends of an append (<c>AskResendingAsync</c> sends the same request again when no answer came in
/// time), so a resend is answered without a second write: appends being written, with the resenders that wait for
/// them, and the answers of the latest <c>remembered</c> written ones. Appends without a request id are never
/// de-duplicated. <typeparamref name="TRequester"/> is whoever gets an answer (an actor reference in the shard).
/// </summary>
internal sealed class AppendDeduplication<TRequester> where TRequester : class
{
    /// <summary>How many answered appends a shard remembers by default.</summary>
    public const int DefaultRemembered = 16_384;

    private readonly int _remembered;
    private readonly Dictionary<Guid, List<TRequester>?> _inFlight = new();
    private readonly Dictionary<Guid, AppendRecordsResult> _answered = new();
    private readonly Queue<Guid> _answeredOrder = new();

    public AppendDeduplication(int remembered = DefaultRemembered)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(remembered, 0);
        _remembered = remembered;
    }

    /// <summary>
    /// Looks an append up: <see cref="AppendSeen.Answered"/> with its <paramref name="answer"/>, or
    /// <see cref="AppendSeen.InFlight"/> with <paramref name="requester"/> added to those waiting for it.
    /// </summary>
    public AppendSeen Check(Guid requestId, TRequester requester, out AppendRecordsResult? answer)
    {
        answer = null;
        if (requestId == Guid.Empty) return AppendSeen.New;
        if (_answered.TryGetValue(requestId, out answer)) return AppendSeen.Answered;
        if (_inFlight.TryGetValue(requestId, out var waiting))
        {
            (waiting ??= _inFlight[requestId] = new List<TRequester>()).Add(requester);
            return AppendSeen.InFlight;
        }
        return AppendSeen.New;
    }

    /// <summary>The append was taken in: resends of it wait for its answer.</summary>
    public void Started(Guid requestId)
    {
        if (requestId != Guid.Empty) _inFlight[requestId] = null;
    }

    /// <summary>
    /// The append was answered: returns the resenders waiting for it (null if none), who get the same answer. A
    /// <paramref name="written"/> result is remembered for later resends; without it (a refusal or failure) a later
    /// resend is treated as new.
    /// </summary>
    public List<TRequester>? Finish(Guid requestId, AppendRecordsResult? written)
    {
        if (requestId == Guid.Empty) return null;
        _inFlight.Remove(requestId, out var waiting);
        if (written is not null)
        {
            _answered[requestId] = written;
            _answeredOrder.Enqueue(requestId);
            while (_answeredOrder.Count > _remembered) _answered.Remove(_answeredOrder.Dequeue());
        }
        return waiting;
    }
}
