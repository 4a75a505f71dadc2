using System.Buffers;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;

namespace ActorStreams.Kinesis.Internal.Reads;

/// <summary>
/// Fills one read page from events in shard order, up to a record limit and a byte cap (the first record always
/// fits). Shared by reads from the hot tail and reads from the journal, so both page the same way.
/// </summary>
internal sealed class ReadPage(int limit, long maxBytes)
{
    // Pooled: a catch-up page of 10,000 records grew a list through five copies (about 1.5 MB of large-object garbage
    // per page). Release hands the array back; a page that is never released is just collected.
    private ReadRecord[] _records = ArrayPool<ReadRecord>.Shared.Rent(Math.Min(limit, 256));
    private int _count;

    public ArraySegment<ReadRecord> Records => new(_records, 0, _count);

    /// <summary>Records the page still has room for.</summary>
    public int RemainingRecords => Math.Max(0, limit - _count);

    /// <summary>Bytes the page still has room for.</summary>
    public long RemainingBytes => Math.Max(0, maxBytes - Bytes);

    public long Bytes { get; private set; }

    /// <summary>Where the next page starts, once this one is full; null while there is room.</summary>
    public SequenceNumber? FullAt { get; private set; }

    /// <summary>
    /// Closes the page at event <paramref name="eventNo"/> when it holds its record limit already, before the event
    /// is decoded (a sealed event past a full page is never decrypted, so its key cannot fail that read).
    /// </summary>
    public bool CloseIfFull(long eventNo, int startIndex)
    {
        if (_count < limit) return false;
        FullAt = new SequenceNumber(eventNo, startIndex);
        return true;
    }

    /// <summary>
    /// Adds the records of a stored RecordsAppended layout (a journal row, or an opened sealed one) from
    /// <paramref name="startIndex"/>; false once the page is full. Records before the start or past the page's end are
    /// skipped without being decoded.
    /// </summary>
    public bool AddLayout(long eventNo, byte[] layout, int startIndex)
    {
        var reader = new ActorStreamsSerializer.RecordsAppendedReader(layout);
        while (reader.MoveNext())
        {
            var j = reader.Index;
            if (j < startIndex) continue;
            var size = reader.Size;
            if (_count >= limit || (_count > 0 && Bytes + size > maxBytes))
            {
                FullAt = new SequenceNumber(eventNo, j);
                return false;
            }
            Append(new ReadRecord(new SequenceNumber(eventNo, j), reader.TimestampMs, reader.Record));
            Bytes += size;
        }
        return true;
    }

    /// <summary>Adds the records of event <paramref name="eventNo"/> from <paramref name="startIndex"/>; false once the page is full.</summary>
    public bool Add(long eventNo, RecordsAppended e, int startIndex)
    {
        for (var j = startIndex; j < e.Records.Length; j++)
        {
            var record = e.Records[j];
            var size = record.Size;
            if (_count >= limit || (_count > 0 && Bytes + size > maxBytes))
            {
                FullAt = new SequenceNumber(eventNo, j);
                return false;
            }
            Append(new ReadRecord(new SequenceNumber(eventNo, j), e.TimestampMs, record));
            Bytes += size;
        }
        return true;
    }

    /// <summary>Gives the records' array back to the pool; the page and its <see cref="Records"/> are not used afterwards.</summary>
    public void Release()
    {
        var records = _records;
        _records = [];
        _count = 0;
        if (records.Length > 0) ArrayPool<ReadRecord>.Shared.Return(records, clearArray: true);
    }

    private void Append(ReadRecord record)
    {
        if (_count == _records.Length)
        {
            var larger = ArrayPool<ReadRecord>.Shared.Rent(Math.Min(Math.Max(_records.Length * 2, 256), Math.Max(limit, 1)));
            Array.Copy(_records, larger, _count);
            ArrayPool<ReadRecord>.Shared.Return(_records, clearArray: true);
            _records = larger;
        }
        _records[_count++] = record;
    }
}
