namespace ActorStreams.Internal;

/// <summary>A write taken in by an entity and waiting to be journaled: the first <see cref="Accepted"/> of its <see cref="Records"/>.</summary>
internal interface IGroupCommitWrite<TRecord>
{
    /// <summary>The records of the request; only the first <see cref="Accepted"/> are written.</summary>
    TRecord[] Records { get; }

    /// <summary>How many records of the request were taken in (throttling or a full backlog may take only the first ones).</summary>
    int Accepted { get; }

    /// <summary>The bytes of the accepted records.</summary>
    long Bytes { get; }
}

/// <summary>
/// Group commit for an entity that journals writes one event at a time: writes that arrive while an event is being
/// persisted wait here and go together into the next event, so the event size grows with the load. A batch takes
/// the oldest write always (a single write over the caps still goes) and then each next one while the batch stays
/// within the record and byte caps. The entity owns the persisting: it takes a batch, marks it in flight with
/// <see cref="Started"/> and calls <see cref="Completed"/> from the persist handler.
/// </summary>
/// <remarks>
/// <typeparamref name="TWrite"/> is a struct implementing <see cref="IGroupCommitWrite{TRecord}"/> in both entities,
/// so the constraint keeps the calls unboxed on the append path.
/// </remarks>
internal sealed class GroupCommitQueue<TWrite, TRecord> where TWrite : IGroupCommitWrite<TRecord>
{
    private readonly List<TWrite> _pending = new();
    private readonly int _maxBatchRecords;
    private readonly long _maxBatchBytes;
    private long _queuedBytes;
    private long _inFlightBytes;

    public GroupCommitQueue(int maxBatchRecords, long maxBatchBytes)
    {
        _maxBatchRecords = maxBatchRecords;
        _maxBatchBytes = maxBatchBytes;
    }

    /// <summary>Writes waiting for the next batch.</summary>
    public int Count => _pending.Count;

    /// <summary>A batch is being persisted; the next one waits for it.</summary>
    public bool Writing { get; private set; }

    /// <summary>The bytes taken in and not yet journaled: the waiting writes and the batch in flight.</summary>
    public long Bytes => _queuedBytes + _inFlightBytes;

    /// <summary>The waiting writes, oldest first.</summary>
    public IReadOnlyList<TWrite> Pending => _pending;

    /// <summary>Queues a write for the next batch.</summary>
    public void Add(TWrite write)
    {
        _pending.Add(write);
        _queuedBytes += write.Bytes;
    }

    /// <summary>
    /// Takes the next batch off the queue (the caller has checked there is a write waiting): the oldest write, then
    /// each next one while the batch holds at most the record and byte caps. Its records are copied into one array.
    /// </summary>
    public GroupCommitBatch<TWrite, TRecord> Take()
    {
        var take = 0;
        var records = 0;
        long bytes = 0;
        while (take < _pending.Count)
        {
            var next = _pending[take];
            if (take > 0 && (records + next.Accepted > _maxBatchRecords || bytes + next.Bytes > _maxBatchBytes)) break;
            records += next.Accepted;
            bytes += next.Bytes;
            take++;
        }
        var writes = _pending.GetRange(0, take);
        _pending.RemoveRange(0, take);
        _queuedBytes -= bytes;
        var all = new TRecord[records];
        var offset = 0;
        foreach (var write in writes)
        {
            Array.Copy(write.Records, 0, all, offset, write.Accepted);
            offset += write.Accepted;
        }
        return new GroupCommitBatch<TWrite, TRecord>(writes, all, bytes);
    }

    /// <summary>The batch is being persisted: nothing else is written until <see cref="Completed"/>.</summary>
    public void Started(GroupCommitBatch<TWrite, TRecord> batch)
    {
        Writing = true;
        InFlight = batch;
        _inFlightBytes = batch.Bytes;
    }

    /// <summary>The batch being persisted, or null: a journal that fails it leaves its writers to be answered too.</summary>
    public GroupCommitBatch<TWrite, TRecord>? InFlight { get; private set; }

    /// <summary>The batch in flight was persisted (or will never be): the next one may go.</summary>
    public void Completed()
    {
        Writing = false;
        InFlight = null;
        _inFlightBytes = 0;
    }

    /// <summary>Drops every waiting write (the caller answers them), as when they can never be written.</summary>
    public void Clear()
    {
        _pending.Clear();
        _queuedBytes = 0;
    }
}

/// <summary>One batch of a <see cref="GroupCommitQueue{TWrite,TRecord}"/>: its writes in order and their accepted records in one array.</summary>
internal sealed class GroupCommitBatch<TWrite, TRecord>(List<TWrite> writes, TRecord[] records, long bytes)
{
    /// <summary>The writes of the batch, oldest first; write i's records follow those of writes 0..i-1 in <see cref="Records"/>.</summary>
    public List<TWrite> Writes { get; } = writes;

    /// <summary>The accepted records of every write, in order.</summary>
    public TRecord[] Records { get; } = records;

    /// <summary>The bytes of <see cref="Records"/>.</summary>
    public long Bytes { get; } = bytes;
}
