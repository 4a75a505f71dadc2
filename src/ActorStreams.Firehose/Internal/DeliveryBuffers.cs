using System.Collections.Immutable;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Undelivered records of a delivery stream's intake, or of one of its partitions (dynamic partitioning), oldest
/// first: the first <see cref="SealedRecords"/> of them are closed into buffers (<see cref="Sealed"/>, in the order
/// they were closed), the rest are open. <see cref="NextBufferSize"/> is the one rule that closes buffers for both.
/// </summary>
internal sealed class DeliveryBuffers
{
    private readonly List<BufferedRecord> _records = new();
    private readonly List<SealedBuffer> _sealed = new();

    /// <summary>Every undelivered record, oldest first.</summary>
    public IReadOnlyList<BufferedRecord> Records => _records;

    /// <summary>The closed buffers, in the order they were closed; together they hold the first <see cref="SealedRecords"/> records.</summary>
    public IReadOnlyList<SealedBuffer> Sealed => _sealed;

    /// <summary>How many of the records are in closed buffers.</summary>
    public int SealedRecords { get; private set; }

    /// <summary>The data bytes of the open records.</summary>
    public long UnsealedBytes { get; private set; }

    /// <summary>Records wait that are in no buffer yet.</summary>
    public bool HasOpen => _records.Count > SealedRecords;

    /// <summary>Adds a record to the open ones; returns its data bytes.</summary>
    public int Add(BufferedRecord record)
    {
        _records.Add(record);
        UnsealedBytes += record.Data.Length;
        return record.Data.Length;
    }

    /// <summary>
    /// How many open records the next buffer closes: while the open records reach <paramref name="sizeLimit"/>, or
    /// whatever is open when <paramref name="all"/>. A buffer takes the oldest open records up to the size limit, at
    /// least one (a record over the limit goes alone). 0: no buffer is due.
    /// </summary>
    public int NextBufferSize(bool all, long sizeLimit)
    {
        if (!HasOpen || (!all && UnsealedBytes < sizeLimit)) return 0;
        var count = 0;
        long bytes = 0;
        for (var i = SealedRecords; i < _records.Count; i++)
        {
            var length = _records[i].Data.Length;
            if (count > 0 && bytes + length > sizeLimit) break;
            bytes += length;
            count++;
        }
        return count;
    }

    /// <summary>Closes the next <see cref="SealedBuffer.RecordCount"/> open records into <paramref name="buffer"/>.</summary>
    public void Seal(SealedBuffer buffer)
    {
        for (var i = SealedRecords; i < SealedRecords + buffer.RecordCount; i++) UnsealedBytes -= _records[i].Data.Length;
        _sealed.Add(buffer);
        SealedRecords += buffer.RecordCount;
    }

    /// <summary>Where the records of closed buffer <paramref name="index"/> start.</summary>
    public int OffsetOf(int index)
    {
        var offset = 0;
        for (var i = 0; i < index; i++) offset += _sealed[i].RecordCount;
        return offset;
    }

    /// <summary>The index of the closed buffer <paramref name="bufferId"/>, or -1.</summary>
    public int IndexOf(Guid bufferId)
    {
        for (var i = 0; i < _sealed.Count; i++)
        {
            if (_sealed[i].BufferId == bufferId) return i;
        }
        return -1;
    }

    /// <summary>A copy of the records of closed buffer <paramref name="index"/> (whose records start at <paramref name="offset"/>), to hand to the delivery graph.</summary>
    public BufferedRecord[] RecordsOf(int index, int offset) => _records.GetRange(offset, _sealed[index].RecordCount).ToArray();

    /// <summary>Drops a delivered buffer and its records; returns the data bytes dropped, or -1 if there is no such buffer.</summary>
    public long Remove(Guid bufferId)
    {
        var index = IndexOf(bufferId);
        if (index < 0) return -1;
        var offset = OffsetOf(index);
        var count = _sealed[index].RecordCount;
        long bytes = 0;
        for (var i = offset; i < offset + count; i++) bytes += _records[i].Data.Length;
        _records.RemoveRange(offset, count);
        _sealed.RemoveAt(index);
        SealedRecords -= count;
        return bytes;
    }

    /// <summary>Replaces the contents with a snapshot's; returns the data bytes of every record.</summary>
    public long Restore(IEnumerable<BufferedRecord> records, IEnumerable<SealedBuffer> sealedBuffers)
    {
        Clear();
        _records.AddRange(records);
        _sealed.AddRange(sealedBuffers);
        SealedRecords = _sealed.Sum(b => b.RecordCount);
        for (var i = SealedRecords; i < _records.Count; i++) UnsealedBytes += _records[i].Data.Length;
        return _records.Sum(r => (long)r.Data.Length);
    }

    /// <summary>Drops everything.</summary>
    public void Clear()
    {
        _records.Clear();
        _sealed.Clear();
        SealedRecords = 0;
        UnsealedBytes = 0;
    }

    /// <summary>The records, for a snapshot.</summary>
    public ImmutableArray<BufferedRecord> RecordsSnapshot() => _records.ToImmutableArray();

    /// <summary>The closed buffers, for a snapshot.</summary>
    public ImmutableArray<SealedBuffer> SealedSnapshot() => _sealed.ToImmutableArray();
}
