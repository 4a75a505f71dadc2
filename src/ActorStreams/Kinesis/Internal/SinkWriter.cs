using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Shards;
using Akka;

namespace ActorStreams.Kinesis.Internal;

internal readonly record struct SinkRecord(StoredRecord Record, UInt128 HashKey, int Size);

internal sealed class SinkBatch
{
    public List<SinkRecord> Records { get; } = new();

    public SinkBatch Add(SinkRecord record)
    {
        Records.Add(record);
        return this;
    }
}

/// <summary>
/// The write side of a sink (one per <c>KinesisSink.Create</c>, shared by the sink's materializations: sharing
/// only orders their writes further). Each Kinesis shard has a chain of writes: a batch's part for a shard
/// starts only after the previous batch's part for that shard was fully acknowledged (retries included), so
/// records of one partition key are stored in the order the sink received them.
/// Resharding: batches join the chains with the newest route any batch has used, so once a batch writes to a
/// child shard no later batch writes to its closed parent. A closed parent's chain may still hold writes that it
/// refuses and that move to its children; so when a join first sees a shard closed, everything joined from then on
/// waits for that shard's chain as it stands (the closed-shard barrier).
/// </summary>
internal sealed class SinkWriter
{
    private readonly ActorStreamsExtension _streams;
    private readonly string _streamName;
    private readonly Dictionary<int, Task> _chains = new();
    private readonly object _gate = new();
    private Task _lastJoined = Task.CompletedTask;
    private StreamRoute? _newest;
    private readonly HashSet<int> _closedSeen = new();
    private Task _closedBarrier = Task.CompletedTask;
    private int _barrierGeneration;
    private readonly Dictionary<int, int> _chainGeneration = new();

    public SinkWriter(ActorStreamsExtension streams, string streamName)
    {
        _streams = streams;
        _streamName = streamName;
    }

    public async Task<Done> WriteAsync(SinkBatch batch)
    {
        // SelectAsync calls this in batch order, but route lookups that miss the router's cache complete in any
        // order: take this batch's turn now and join the shard chains only after the previous batch has joined them.
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previousJoined;
        lock (_gate)
        {
            previousJoined = _lastJoined;
            _lastJoined = joined.Task;
        }
        List<Task> tasks;
        try
        {
            var route = await _streams.Router.GetRouteAsync(_streamName, CancellationToken.None).ConfigureAwait(false);
            await previousJoined.ConfigureAwait(false);
            tasks = JoinChains(batch, route);
        }
        finally
        {
            joined.TrySetResult();
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return Done.Instance;
    }

    private List<Task> JoinChains(SinkBatch batch, StreamRoute route)
    {
        lock (_gate)
        {
            // Batches join in order; none may route by an older map than one before it did.
            if (_newest is not null && _newest.Epoch == route.Epoch && _newest.Version > route.Version) route = _newest;
            else _newest = route;

            var parts = new Dictionary<int, List<SinkRecord>>();
            foreach (var r in batch.Records)
            {
                // The stream's own limit (UpdateMaxRecordSize), known from its route; nothing of the batch is written past it.
                if (r.Size > route.MaxRecordSizeBytes) Validate.RecordSize(r.Record.Data, r.Record.PartitionKey, route.MaxRecordSizeBytes);
                // An AUTO stream ignores the key (UpdateStreamRecordDistributionStrategy): the route deals the shards out.
                var shard = route.ShardFor(route.DistributesAutomatically ? route.NextAutoHashKey() : r.HashKey);
                if (!parts.TryGetValue(shard, out var part)) parts[shard] = part = new List<SinkRecord>();
                part.Add(r);
            }

            var newlyClosed = _chains.Where(c => !route.IsOpen(c.Key) && _closedSeen.Add(c.Key)).Select(c => c.Value).ToList();
            if (newlyClosed.Count > 0)
            {
                newlyClosed.Add(_closedBarrier);
                _closedBarrier = Task.WhenAll(newlyClosed);
                _barrierGeneration++;
            }

            var tasks = new List<Task>(parts.Count);
            foreach (var (shard, part) in parts)
            {
                var previous = _chains.GetValueOrDefault(shard) ?? Task.CompletedTask;
                if (_chainGeneration.GetValueOrDefault(shard) != _barrierGeneration)
                {
                    previous = Task.WhenAll(previous, _closedBarrier);
                    _chainGeneration[shard] = _barrierGeneration;
                }
                var task = WritePartAsync(previous, route, shard, part.ToArray());
                _chains[shard] = task;
                tasks.Add(task);
            }
            return tasks;
        }
    }

    private async Task WritePartAsync(Task previous, StreamRoute route, int shard, SinkRecord[] records)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch
        {
            // That write's own stream already failed with this error (a sink definition materialized twice shares
            // its chains); this one goes on.
        }
        await WriteRoutedAsync(route, shard, records).ConfigureAwait(false);
    }

    private async Task WriteRoutedAsync(StreamRoute route, int shard, SinkRecord[] records)
    {
        while (true)
        {
            var stored = new StoredRecord[records.Length];
            long bytes = 0;
            for (var i = 0; i < records.Length; i++)
            {
                stored[i] = records[i].Record;
                bytes += records[i].Size;
            }
            AppendRecordsResult result;
            try
            {
                result = await _streams.Router.AppendAsync(route, shard, stored, bytes, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ShardClosedException closed)
            {
                // Resharding closed the shard before these were stored: they go to its children, each child's share in order.
                var next = closed.Route;
                await Task.WhenAll(records.GroupBy(r => next.ShardFor(r.HashKey))
                    .Select(g => WriteRoutedAsync(next, g.Key, g.ToArray()))).ConfigureAwait(false);
                return;
            }
            if (result.Accepted >= records.Length) return;
            // Throttled: the shard took a prefix; wait for its capacity and send the rest, in order.
            records = records[result.Accepted..];
            var delay = result.RetryAfter > TimeSpan.Zero ? result.RetryAfter : TimeSpan.FromMilliseconds(10);
            await Task.Delay(delay, _streams.Clock).ConfigureAwait(false);
        }
    }
}
