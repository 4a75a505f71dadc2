using Akka.Actor;

namespace ActorStreams.Kinesis.Internal.Shards;

/// <summary>How far behind the tip a consumer's position is (a consumer application's checkpoint), for the lag report.</summary>
internal sealed partial class StreamShardActor
{
    private void OnPositionLag(GetPositionLag cmd)
    {
        var position = cmd.Position;
        var tailIndex = _tail.FirstAtOrAfter(position.EventNo);
        // A position past the last record of its event (a checkpoint after an event's last record) is the next event.
        if (tailIndex < _tail.Count && _tail[tailIndex].EventNo == position.EventNo && position.Index >= _tail[tailIndex].Event.Records.Length)
        {
            tailIndex++;
            position = new SequenceNumber(position.EventNo + 1, 0);
        }
        if (position >= Tip || (_closed is not null && position.EventNo > _closed.EndingEventNo))
        {
            Sender.Tell(new PositionLagResult(0, Exact: true));
            return;
        }
        var now = NowMs;
        if (_tail.FirstEventNo is { } first && position.EventNo >= first)
        {
            // Events without records (a retention or encryption change) hold no sequence numbers: the next one that has records.
            while (tailIndex < _tail.Count && _tail[tailIndex].Event.Records.Length == 0) tailIndex++;
            var behind = tailIndex < _tail.Count ? Math.Max(0, now - _tail[tailIndex].Event.TimestampMs) : 0;
            Sender.Tell(new PositionLagResult(behind, Exact: true));
            return;
        }
        // Older than the hot tail: the time index holds the start of the interval the event arrived in (or the oldest retained
        // one). The event's record count is not in memory, so a position past its last record is still dated by it: the lag
        // is an upper bound.
        var arrived = _timeIndex.ArrivalOf(position.EventNo) ?? _lastTimestampMs;
        Sender.Tell(new PositionLagResult(Math.Max(0, now - arrived), Exact: false));
    }
}
