using System.Collections.Immutable;
using System.Diagnostics;
using ActorStreams.Kinesis.Internal.Reads;
using ActorStreams.Settings;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;

namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>
/// Reads: GetRecords pages from the hot tail, a journal range for the caller to read itself when the position is older,
/// reads parked at the tip until the next append, and iterators resolved against the trim horizon and the time index.
/// </summary>
internal sealed partial class StreamShardActor
{
    private void OnRead(IActorRef replyTo, ReadRecords cmd, bool countCall)
    {
        if (!cmd.SharedCapacity) _subscriptionReads++;
        if (countCall && _throttle.Enabled && cmd.SharedCapacity)
        {
            var admission = _throttle.TryStartRead(out var retryAfter);
            if (admission != ReadAdmission.Admitted)
            {
                _metrics?.ReadThrottled(_entityId, "GetRecords");
                replyTo.Tell(new ReadThrottled(retryAfter, admission == ReadAdmission.ReadBytesExceeded
                    ? $"Rate exceeded for {ShardName}: read bytes over {_throttling.ReadBytesPerSecond} per second."
                    : $"Rate exceeded for {ShardName}: more than {_throttling.ReadCallsPerSecond} GetRecords calls per second."));
                return;
            }
        }

        var tip = Tip;
        var from = cmd.From < FirstRecordPosition ? FirstRecordPosition : cmd.From;
        if (_closed is not null && from.EventNo > _closed.EndingEventNo)
        {
            replyTo.Tell(new ReadRecordsResult(Array.Empty<ReadRecord>(), from, 0, _closed));
            return;
        }
        if (from >= tip)
        {
            if (cmd.Wait > TimeSpan.Zero)
            {
                var id = _nextParkId++;
                _parked[id] = new ParkedRead(replyTo, cmd with { From = from });
                Timers.StartSingleTimer(id, new ParkedReadExpired(id), cmd.Wait);
                return;
            }
            replyTo.Tell(new ReadRecordsResult(Array.Empty<ReadRecord>(), tip, 0));
            return;
        }

        var tailStart = _tail.FirstEventNo ?? tip.EventNo;
        if (from.EventNo < tailStart)
        {
            replyTo.Tell(new ReadFromJournal(PersistenceId, from, tailStart, _lastTimestampMs, _closed));
            return;
        }

        var result = ReadTail(from, cmd.MinTimestampMs, cmd.Limit, cmd.MaxBytes, tip, out var bytes);
        if (_throttle.Enabled && cmd.SharedCapacity) _throttle.TakeReadBytes(bytes);
        replyTo.Tell(result);
    }

    private ReadRecordsResult ReadTail(SequenceNumber from, long minTimestampMs, int limit, long maxBytes, SequenceNumber tip, out long bytes)
    {
        var page = new ReadPage(limit, maxBytes);
        for (var i = _tail.FirstAtOrAfter(from.EventNo); i < _tail.Count; i++)
        {
            var entry = _tail[i];
            if (entry.Event.TimestampMs < minTimestampMs) continue;
            if (!page.Add(entry.EventNo, entry.Event, entry.EventNo == from.EventNo ? from.Index : 0)) break;
        }
        bytes = page.Bytes;
        // Past the last tail event comes the tip: the tail holds every record event up to it.
        var next = page.FullAt ?? tip;
        // How far behind the present the reader is once it has these records (the journal path measures the same).
        var behind = next >= tip || page.Records.Count == 0 ? 0 : Math.Max(0, NowMs - page.Records[^1].TimestampMs);
        // A closed shard's tip is its end: a page that reaches it tells the reader the children.
        return new ReadRecordsResult(page.Records.ToArray(), next, behind, page.FullAt is null ? _closed : null);
    }

    private void WakeParkedReads()
    {
        if (_parked.Count == 0) return;
        var woken = _parked.Values.ToArray();
        foreach (var id in _parked.Keys) Timers.Cancel(id);
        _parked.Clear();
        foreach (var read in woken) OnRead(read.ReplyTo, read.Command, countCall: false);
    }

    private void OnResolve(ResolveIterator cmd)
    {
        if (cmd.CountCall && _throttle.Enabled && !_throttle.TryResolveIterator())
        {
            _metrics?.ReadThrottled(_entityId, "GetShardIterator");
            Sender.Tell(new ErrorReply(ProvisionedThroughputExceededException.Code,
                $"Rate exceeded for {ShardName}: more than {_throttling.GetShardIteratorCallsPerSecond} GetShardIterator calls per second."));
            return;
        }
        var horizon = new SequenceNumber(_trimHorizon, 0);
        switch (cmd.Type)
        {
            case ShardIteratorType.TrimHorizon:
                Sender.Tell(new IteratorResolved(horizon, 0));
                return;
            case ShardIteratorType.Latest:
                Sender.Tell(new IteratorResolved(Tip, 0));
                return;
            case ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber:
            {
                var seq = cmd.Sequence!.Value;
                if (seq.EventNo > _appliedSequenceNr)
                {
                    Sender.Tell(new ErrorReply(InvalidArgumentException.Code,
                        $"StartingSequenceNumber {(_init is null ? seq.ToString() : seq.Format(new StreamShardId(_init.ShardIndex)))} is beyond the newest record of {ShardName}."));
                    return;
                }
                // After the largest index of an event (a SubscribeToShard continuation between events) is the next event.
                var position = cmd.Type == ShardIteratorType.AtSequenceNumber ? seq
                    : seq.Index >= SequenceNumber.MaxIndex ? new SequenceNumber(seq.EventNo + 1, 0) : seq.Next;
                Sender.Tell(new IteratorResolved(position < horizon ? horizon : position, 0));
                return;
            }
            case ShardIteratorType.AtTimestamp:
            {
                // Start at the bucket holding the timestamp; the reader skips events older than it.
                var start = _timeIndex.BucketAt(cmd.TimestampMs) is { } bucket ? new SequenceNumber(bucket, 0) : horizon;
                Sender.Tell(new IteratorResolved(start < horizon ? horizon : start, cmd.TimestampMs));
                return;
            }
        }
    }
}
