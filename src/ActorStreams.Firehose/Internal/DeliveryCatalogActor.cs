using System.Collections.Immutable;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// The names of every delivery stream, in one persistent entity: name uniqueness, the delivery stream limit and
/// ListDeliveryStreams are decided here. On recovery it wakes every delivery stream, so one with undelivered
/// records resumes delivering after a restart without waiting for a request.
/// </summary>
internal sealed class DeliveryCatalogActor : PersistentActor
{
    private const int SnapshotEveryEvents = 200;

    private readonly IActorRef _deliveryStreams;
    private readonly int _maxDeliveryStreams;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ImmutableSortedDictionary<string, DeliveryStreamRegistered> _entries =
        ImmutableSortedDictionary.Create<string, DeliveryStreamRegistered>(StringComparer.Ordinal);
    private int _eventsSinceSnapshot;

    public DeliveryCatalogActor(IActorRef deliveryStreams, int maxDeliveryStreams)
    {
        _deliveryStreams = deliveryStreams;
        _maxDeliveryStreams = maxDeliveryStreams;
    }

    public static Props Props(IActorRef deliveryStreams, int maxDeliveryStreams) =>
        Akka.Actor.Props.Create(() => new DeliveryCatalogActor(deliveryStreams, maxDeliveryStreams));

    public override string PersistenceId => DeliveryStreamEntity.CatalogPersistenceId;

    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case DeliveryStreamRegistered e: _entries = _entries.SetItem(e.Name, e); return true;
            case DeliveryStreamUnregistered e: _entries = _entries.Remove(e.Name); return true;
            case SnapshotOffer { Snapshot: DeliveryCatalogSnapshot s }:
                _entries = s.Entries.ToImmutableSortedDictionary(e => e.Name, e => e, StringComparer.Ordinal);
                return true;
            case RecoveryCompleted:
                foreach (var name in _entries.Keys) _deliveryStreams.Tell(new WakeDeliveryStream(name));
                return true;
        }
        return false;
    }

    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case RegisterDeliveryStream cmd:
                if (_entries.ContainsKey(cmd.Name))
                {
                    Sender.Tell(new ErrorReply(ResourceInUseException.Code, $"Firehose {cmd.Name} already exists."));
                    return true;
                }
                if (_entries.Count >= _maxDeliveryStreams)
                {
                    Sender.Tell(new ErrorReply(LimitExceededException.Code,
                        $"There are already {_entries.Count} delivery streams; the limit is {_maxDeliveryStreams} (actorstreams.firehose.max-delivery-streams)."));
                    return true;
                }
                PersistEvent(new DeliveryStreamRegistered(cmd.Name, cmd.Type, cmd.CreatedAtMs), e =>
                {
                    _entries = _entries.SetItem(e.Name, e);
                    Sender.Tell(new DeliveryStreamAck(e.Name));
                });
                return true;
            case UnregisterDeliveryStream cmd:
                Unregister(cmd.Name, Sender);
                return true;
            case StartDeliveryCatalog:
                return true;
            case DeliveryStreamGone gone:
                Unregister(gone.Name, null);
                return true;
            case ListDeliveryStreamNames cmd:
            {
                var matching = _entries.Values.Where(e => cmd.Type is null || e.Type == cmd.Type)
                    .Where(e => cmd.ExclusiveStartName is null || string.CompareOrdinal(e.Name, cmd.ExclusiveStartName) > 0)
                    .Select(e => e.Name);
                var page = matching.Take(cmd.Limit + 1).ToList();
                var more = page.Count > cmd.Limit;
                if (more) page.RemoveAt(page.Count - 1);
                Sender.Tell(new ListDeliveryStreamsResult(page, more));
                return true;
            }
            case SaveSnapshotSuccess ok:
                DeleteMessages(ok.Metadata.SequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(ok.Metadata.SequenceNr - 1));
                return true;
            case SaveSnapshotFailure fail:
                _log.Warning(fail.Cause, "Snapshot of the delivery catalog failed");
                return true;
            case DeleteMessagesSuccess or DeleteSnapshotsSuccess:
                return true;
            case DeleteMessagesFailure fail:
                _log.Warning(fail.Cause, "Trimming the delivery catalog's journal failed");
                return true;
            case DeleteSnapshotsFailure fail:
                _log.Warning(fail.Cause, "Deleting old delivery catalog snapshots failed");
                return true;
        }
        return false;
    }

    private void Unregister(string name, IActorRef? replyTo)
    {
        if (!_entries.ContainsKey(name))
        {
            replyTo?.Tell(new DeliveryStreamAck(name));
            return;
        }
        PersistEvent(new DeliveryStreamUnregistered(name), e =>
        {
            _entries = _entries.Remove(e.Name);
            replyTo?.Tell(new DeliveryStreamAck(e.Name));
        });
    }

    private void PersistEvent<TEvent>(TEvent e, Action<TEvent> handler)
    {
        Persist(e, evt =>
        {
            handler(evt);
            if (++_eventsSinceSnapshot >= SnapshotEveryEvents)
            {
                _eventsSinceSnapshot = 0;
                SaveSnapshot(new DeliveryCatalogSnapshot(_entries.Values.ToImmutableArray()));
            }
        });
    }
}
