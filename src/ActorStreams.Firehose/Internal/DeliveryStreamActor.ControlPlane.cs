using System.Collections.Immutable;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Akka.Streams;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// The control plane of a delivery stream: create, describe, update the destination, tags, encryption, and deletion
/// (journaled, then the events and snapshots deleted before the requester is answered).
/// </summary>
internal sealed partial class DeliveryStreamActor
{
    private void RequireExists()
    {
        if (!Exists) throw new ResourceNotFoundException($"Firehose {_name} under account {_runtime.AccountId} not found.");
    }

    // A deletion waiting out state-delays.delete-delivery-stream: until then DescribeDeliveryStream answers DELETING.
    private long? _deletingUntilMs;

    private sealed record DeleteDelayElapsed
    {
        public static readonly DeleteDelayElapsed Instance = new();
    }

    /// <summary>CREATING for the create delay after the stream's creation time (journaled, so a restart keeps it), then ACTIVE.</summary>
    private bool IsCreating => Exists && _runtime.NowMs < _meta!.CreatedAtMs + (long)_runtime.Settings.CreateDeliveryStreamDelay.TotalMilliseconds;

    /// <summary>Firehose refuses a change of a delivery stream that is still CREATING.</summary>
    private void RequireActive()
    {
        RequireExists();
        if (IsCreating)
            throw new ResourceInUseException($"Firehose {_name} under account {_runtime.AccountId} is not ACTIVE, instead in state CREATING.");
    }

    private DeliveryStreamDescription Describe()
    {
        var deleting = _deleted && _deletingUntilMs is not null && _meta is not null;
        if (!deleting) RequireExists();
        var m = _meta!;
        var status = deleting ? DeliveryStreamStatus.Deleting : IsCreating ? DeliveryStreamStatus.Creating : DeliveryStreamStatus.Active;
        return new DeliveryStreamDescription(m.Name, _runtime.DeliveryStreamArn(m.Name), status, m.Type, m.Version,
            DateTimeOffset.FromUnixTimeMilliseconds(m.CreatedAtMs), DateTimeOffset.FromUnixTimeMilliseconds(m.UpdatedAtMs), m.Encryption,
            m.Source, m.Destination)
        {
            Statistics = _counters?.Snapshot(),
        };
    }

    private void OnCreate(CreateDeliveryStream cmd)
    {
        if (_deleted) throw new ResourceInUseException($"Firehose {_name} is being deleted; try again in a moment.");
        if (_meta is not null) throw new ResourceInUseException($"Firehose {_name} under account {_runtime.AccountId} already exists.");
        PersistMetadata(cmd.Metadata, () =>
        {
            StartGraph();
            Sender.Tell(new DeliveryStreamAck(_name));
        });
    }

    private void OnUpdateDestination(UpdateDeliveryDestination cmd)
    {
        RequireActive();
        var m = _meta!;
        if (cmd.CurrentVersion != m.Version)
            throw new ConcurrentModificationException(
                $"Firehose {_name} is at version {m.Version}, not {cmd.CurrentVersion}: describe it again and retry with its current version id.");
        if (cmd.DestinationId != DeliveryStreamDescription.DestinationId)
            throw new InvalidArgumentException($"Destination {cmd.DestinationId} of Firehose {_name} not found; its destination is {DeliveryStreamDescription.DestinationId}.");
        var wasPartitioned = m.Destination is ObjectStoreDestination { DynamicPartitioning.Enabled: true };
        var partitioned = cmd.Destination is ObjectStoreDestination { DynamicPartitioning.Enabled: true };
        if (wasPartitioned != partitioned)
            throw new InvalidArgumentException(
                $"Dynamic partitioning cannot be {(partitioned ? "enabled" : "disabled")} on the existing Firehose {_name}; it is chosen when the delivery stream is created.");
        if (partitioned && m.Type == DeliveryStreamType.KinesisStreamAsSource)
            throw new InvalidArgumentException("Dynamic partitioning is not supported yet on a KinesisStreamAsSource delivery stream in ActorStreams.");
        PersistMetadata(m with { Destination = cmd.Destination, Version = m.Version + 1, UpdatedAtMs = cmd.AtMs }, () =>
        {
            // A source graph is built around one plan: restart it (it resumes from the checkpoints).
            if (m.Type == DeliveryStreamType.KinesisStreamAsSource) StartGraph();
            Seal(intervalElapsed: false);
            SealPartitions();
            Sender.Tell(new DeliveryStreamAck(_name));
        });
    }

    private void OnChangeTags(ChangeDeliveryStreamTags cmd)
    {
        RequireExists();
        var m = _meta!;
        if (cmd.Add.IsEmpty && cmd.Remove.IsEmpty)
        {
            // ListTagsForDeliveryStream: nothing to journal.
            Sender.Tell(new DeliveryStreamTags(m.Tags));
            return;
        }
        var tags = m.Tags.SetItems(cmd.Add).RemoveRange(cmd.Remove);
        if (tags.Count > FirehoseLimits.MaxTagsPerDeliveryStream)
            throw new LimitExceededException(
                $"Firehose {_name} would have {tags.Count} tags; at most {FirehoseLimits.MaxTagsPerDeliveryStream} are allowed.");
        PersistMetadata(m with { Tags = tags }, () => Sender.Tell(new DeliveryStreamTags(tags)));
    }

    private void OnSetEncryption(SetDeliveryStreamEncryption cmd)
    {
        RequireActive();
        var m = _meta!;
        if (m.Type == DeliveryStreamType.KinesisStreamAsSource && cmd.Encryption.Enabled)
            throw new InvalidArgumentException(
                $"Firehose {_name} reads a Kinesis stream: server-side encryption is the source stream's (StartStreamEncryption), not the delivery stream's.");
        PersistMetadata(m with { Encryption = cmd.Encryption, UpdatedAtMs = cmd.AtMs }, () => Sender.Tell(new DeliveryStreamAck(_name)));
    }

    private void PersistMetadata(DeliveryStreamMetadata metadata, Action then)
    {
        _persistsInFlight++;
        Persist(new DeliveryStreamChanged(metadata), e =>
        {
            _persistsInFlight--;
            ApplyChanged(e.Metadata);
            _eventsSinceSnapshot++;
            then();
            MaybeSnapshot();
        });
    }

    private void OnDelete()
    {
        RequireExists();
        if (IsCreating)
            throw new ResourceInUseException($"Firehose {_name} under account {_runtime.AccountId} is CREATING; it can be deleted once it is ACTIVE.");
        _persistsInFlight++;
        Persist(new DeliveryStreamDeleted(_runtime.NowMs), _ =>
        {
            _persistsInFlight--;
            ApplyDeleted();
            var delay = _runtime.Settings.DeleteDeliveryStreamDelay;
            if (delay <= TimeSpan.Zero)
            {
                _deleteRequester = Sender;
                DeleteEverything();
                return;
            }
            // Firehose answers at once and the delivery stream is DELETING for a while; a restart meanwhile deletes at once.
            StopGraph();
            RefusePendingPuts(new ErrorReply(InternalFailureException.Code, $"Writing to Firehose {_name} failed: the delivery stream was deleted"));
            _deletingUntilMs = _runtime.NowMs + (long)delay.TotalMilliseconds;
            Sender.Tell(new DeliveryStreamAck(_name));
            Timers.StartSingleTimer("delete-delay", DeleteDelayElapsed.Instance, delay);
        });
    }

    private void OnDeleteDelayElapsed()
    {
        if (!_deleted || _deletingUntilMs is null) return;
        _deletingUntilMs = null;
        DeleteEverything();
    }

    private void DeleteEverything()
    {
        StopGraph();
        Timers.CancelAll();
        _sealTimerRunning = false;
        RefusePendingPuts(new ErrorReply(InternalFailureException.Code, $"Writing to Firehose {_name} failed: the delivery stream was deleted"));
        _deletionSteps = 2;
        DeleteMessages(LastSequenceNr);
        DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue));
    }

    private void DeletionStepDone()
    {
        if (--_deletionSteps > 0) return;
        _deleteRequester?.Tell(new DeliveryStreamAck(_name));
        _deleteRequester = null;
        // Gone from the journal: the next message starts a fresh, empty entity.
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    private void DeletionFailed(Exception cause)
    {
        _deleteRequester?.Tell(new ErrorReply(InternalFailureException.Code, $"Deleting the data of Firehose {_name} failed: {cause.Message}"));
        _deleteRequester = null;
    }
}
