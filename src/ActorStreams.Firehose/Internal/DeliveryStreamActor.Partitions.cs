using System.Collections.Immutable;
using ActorStreams.Internal;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Akka.Streams;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Dynamic partitioning: a delivered intake buffer becomes partitioned records (past the active partition limit, the
/// overflow), each partition closes its own buffers by the hints, and partition buffers complete in any order.
/// </summary>
internal sealed partial class DeliveryStreamActor
{
    /// <summary>
    /// The event of a partitioned intake buffer. Partitions beyond the active partition limit are not opened: their
    /// records form the overflow group, which goes to the error output (as Firehose sends them to the error prefix).
    /// </summary>
    private DeliveryRecordsPartitioned Partitioned(Guid bufferId, IReadOnlyList<PartitionGroup> groups)
    {
        var max = _runtime.Settings.MaxActivePartitions;
        var result = ImmutableArray.CreateBuilder<PartitionedRecords>(groups.Count + 1);
        var overflow = new List<BufferedRecord>();
        foreach (var group in groups)
        {
            var partition = Partitioning.Canonical(group.Keys);
            var active = _partitions.Count - (_partitions.ContainsKey("") ? 1 : 0) + _plannedPartitions.Count;
            if (_partitions.ContainsKey(partition) || _plannedPartitions.Contains(partition) || active < max)
            {
                if (!_partitions.ContainsKey(partition)) _plannedPartitions.Add(partition);
                result.Add(new PartitionedRecords(group.Keys, false, [.. group.Records]));
            }
            else
            {
                overflow.AddRange(group.Records);
            }
        }
        if (overflow.Count > 0)
        {
            _log.Warning("Firehose {0}: {1} records belong to partitions beyond the limit of {2} active partitions; they go to the error output",
                _name, overflow.Count, max);
            result.Add(new PartitionedRecords(ImmutableSortedDictionary<string, string>.Empty, true, [.. overflow]));
        }
        return new DeliveryRecordsPartitioned(bufferId, _runtime.NowMs, result.ToImmutable());
    }

    private void OnPartitionOutcome(DeliveryOutcome outcome)
    {
        if (!_partitionBuffers.TryGetValue(outcome.BufferId, out var pending) || !pending.Dispatched || pending.Completing) return;
        pending.Completing = true;
        _partitionsInFlight--;
        if (outcome.Failed > 0)
            _log.Warning("Firehose {0}: partition buffer {1} delivered {2} records, {3} went to the error output", _name, outcome.BufferId, outcome.Delivered, outcome.Failed);
        _persistsInFlight++;
        PersistAsync(new DeliveryBufferCompleted(outcome.BufferId), e =>
        {
            _persistsInFlight--;
            ApplyCompleted(e.BufferId);
            _eventsSinceSnapshot++;
            Dispatch();
            MaybeSnapshot();
        });
    }

    /// <summary>
    /// Closes partition buffers: per partition, while its open records reach the size hint, and all of them once
    /// they waited the interval hint (at once for the overflow, and for every partition when the open records hold
    /// half the backlog). One timer wakes the entity at the next deadline.
    /// </summary>
    private void SealPartitions()
    {
        if (!Exists || _plan?.Partitioning is null || _partitions.Count == 0) return;
        var hints = _meta!.Destination.EffectiveBufferingHints;
        var sizeLimit = Math.Min((long)hints.SizeInMBs * 1024 * 1024, _runtime.Settings.MaxBacklogBytes / 2);
        var interval = (long)hints.IntervalInSeconds * 1000;
        var now = MonotonicMs;
        var closed = new List<PartitionBufferSealed>();
        void Close(string key, PartitionState partition, bool all)
        {
            int count;
            while ((count = partition.Buffers.NextBufferSize(all, sizeLimit)) > 0)
            {
                var e = new PartitionBufferSealed(Guid.NewGuid(), key, count, _runtime.NowMs);
                ApplyPartitionSealed(e, durable: false);
                closed.Add(e);
            }
        }

        long open = 0;
        foreach (var (key, partition) in _partitions)
        {
            if (!partition.Buffers.HasOpen) continue;
            Close(key, partition, partition.Overflow || now - partition.OpenedAtTick >= interval);
            open += partition.Buffers.UnsealedBytes;
        }
        // Many small partitions waiting for their interval could fill the backlog and refuse every put until then: once
        // the records still open hold half the backlog, every partition closes what it has.
        if (open >= _runtime.Settings.MaxBacklogBytes / 2)
        {
            foreach (var (key, partition) in _partitions) Close(key, partition, all: true);
        }
        long? next = null;
        foreach (var partition in _partitions.Values)
        {
            if (!partition.Buffers.HasOpen) continue;
            var due = partition.OpenedAtTick + interval;
            next = next is null ? due : Math.Min(next.Value, due);
        }
        if (closed.Count > 0)
        {
            _persistsInFlight += closed.Count;
            PersistAllAsync(closed, e =>
            {
                _persistsInFlight--;
                if (_partitionBuffers.TryGetValue(e.BufferId, out var pending)) pending.Durable = true;
                _eventsSinceSnapshot++;
                Dispatch();
                MaybeSnapshot();
            });
        }
        if (next is { } at)
        {
            Timers.StartSingleTimer(PartitionSealTimerKey, PartitionSealTick.Instance, TimeSpan.FromMilliseconds(Math.Max(1, at - now)));
            _partitionTimerRunning = true;
        }
        else if (_partitionTimerRunning)
        {
            _partitionTimerRunning = false;
            Timers.Cancel(PartitionSealTimerKey);
        }
    }

    private void ApplyPartitioned(DeliveryRecordsPartitioned e)
    {
        ApplyCompleted(e.SourceBufferId);
        var now = MonotonicMs;
        foreach (var group in e.Groups)
        {
            var key = group.Partition;
            _plannedPartitions.Remove(key);
            if (!_partitions.TryGetValue(key, out var partition))
            {
                partition = new PartitionState(group.Keys, group.Overflow);
                _partitions[key] = partition;
            }
            if (group.Records.Length > 0 && !partition.Buffers.HasOpen)
            {
                partition.OpenedAtMs = e.AtMs;
                partition.OpenedAtTick = now;
            }
            foreach (var record in group.Records) _backlogBytes += partition.Buffers.Add(record);
        }
        PublishBacklog();
    }

    private void ApplyPartitionSealed(PartitionBufferSealed e, bool durable)
    {
        if (!_partitions.TryGetValue(e.Partition, out var partition)) return;
        partition.Buffers.Seal(new SealedBuffer(e.BufferId, e.RecordCount, e.SealedAtMs));
        var pending = new PartitionBufferRef(e.BufferId, e.Partition, durable);
        _partitionQueue.Add(pending);
        _partitionBuffers[e.BufferId] = pending;
    }

    private void ApplyPartitionCompleted(Guid bufferId)
    {
        var pending = _partitionBuffers[bufferId];
        _partitionBuffers.Remove(bufferId);
        _partitionQueue.Remove(pending);
        if (pending.Dispatched && !pending.Completing) _partitionsInFlight--;
        if (!_partitions.TryGetValue(pending.Partition, out var partition)) return;
        var removed = partition.Buffers.Remove(bufferId);
        if (removed < 0) return;
        _backlogBytes -= removed;
        // A partition with nothing left is no longer active.
        if (partition.Buffers.Records.Count == 0) _partitions.Remove(pending.Partition);
        PublishBacklog();
    }
}
