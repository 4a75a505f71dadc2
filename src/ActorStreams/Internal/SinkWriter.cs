using Akka;

namespace ActorStreams.Internal;

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
/// </summary>
internal sealed class SinkWriter
{
    private readonly ActorStreamsClient _client;
    private readonly string _streamName;
    private readonly Dictionary<int, Task> _chains = new();
    private readonly object _gate = new();
    private Task _lastJoined = Task.CompletedTask;

    public SinkWriter(ActorStreamsClient client, string streamName)
    {
        _client = client;
        _streamName = streamName;
    }

    public async Task<Done> WriteAsync(SinkBatch batch)
    {
        // SelectAsync calls this in batch order, but route lookups that miss the client's cache complete in any
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
            var route = await _client.GetRouteAsync(_streamName, CancellationToken.None).ConfigureAwait(false);
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
        var parts = new Dictionary<int, (List<StoredRecord> Records, long Bytes)>();
        foreach (var r in batch.Records)
        {
            var shard = route.ShardFor(r.HashKey);
            if (!parts.TryGetValue(shard, out var part)) part = (new List<StoredRecord>(), 0);
            part.Records.Add(r.Record);
            parts[shard] = (part.Records, part.Bytes + r.Size);
        }

        var tasks = new List<Task>(parts.Count);
        lock (_gate)
        {
            foreach (var (shard, part) in parts)
            {
                _chains.TryGetValue(shard, out var previous);
                var task = WritePartAsync(previous ?? Task.CompletedTask, route, shard, part.Records.ToArray(), part.Bytes);
                _chains[shard] = task;
                tasks.Add(task);
            }
        }
        return tasks;
    }

    private async Task WritePartAsync(Task previous, StreamRoute route, int shard, StoredRecord[] records, long bytes)
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
        var offset = 0;
        while (true)
        {
            var result = await _client.AppendAsync(route, shard, records, bytes, CancellationToken.None).ConfigureAwait(false);
            offset += result.Accepted;
            if (offset >= records.Length) return;
            // Throttled: the shard took a prefix; wait for its capacity and send the rest, in order.
            records = records[result.Accepted..];
            bytes = 0;
            foreach (var r in records) bytes += r.Size;
            offset = 0;
            var delay = result.RetryAfter > TimeSpan.Zero ? result.RetryAfter : TimeSpan.FromMilliseconds(10);
            await Task.Delay(delay, _client.Clock).ConfigureAwait(false);
        }
    }
}
