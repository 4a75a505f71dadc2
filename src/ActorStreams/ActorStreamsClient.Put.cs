using ActorStreams.Internal;
using ActorStreams.Streams;

namespace ActorStreams;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Writes one record to the shard its partition key (or explicit hash key) maps to and returns its sequence
    /// number once it is durable.
    /// </summary>
    /// <exception cref="ProvisionedThroughputExceededException">The shard is at its write limit; retry after a back-off.</exception>
    /// <exception cref="ResourceNotFoundException">The stream does not exist or is not ACTIVE.</exception>
    public async Task<PutRecordResult> PutRecordAsync(string streamName, ReadOnlyMemory<byte> data, string partitionKey,
        string? explicitHashKey = null, string? sequenceNumberForOrdering = null, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        Validate.PartitionKey(partitionKey);
        var size = Validate.RecordSize(data, partitionKey, KinesisLimits.DefaultMaxRecordSizeBytes);
        var hashKey = explicitHashKey is null ? HashKey.OfPartitionKey(partitionKey) : HashKey.ParseExplicit(explicitHashKey);
        // Each shard assigns strictly increasing sequence numbers, so a record written after the one named here
        // already sorts after it; the value only has to be well formed.
        if (sequenceNumberForOrdering is not null) SequenceNumber.Parse(sequenceNumberForOrdering, "SequenceNumberForOrdering");

        for (var attempt = 0; ; attempt++)
        {
            var route = await GetRouteAsync(streamName, cancellationToken).ConfigureAwait(false);
            var shard = route.ShardFor(hashKey);
            AppendRecordsResult result;
            try
            {
                result = await AppendAsync(route, shard, [new StoredRecord(partitionKey, data)], size, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceNotFoundException) when (attempt == 0)
            {
                continue; // the cached route was stale; the next attempt reads the stream afresh
            }
            if (result.Accepted == 0)
                throw new ProvisionedThroughputExceededException(
                    $"Rate exceeded for shard {new StreamShardId(shard)} in stream {streamName} under account {_settings.AccountId}.");
            return new PutRecordResult(new StreamShardId(shard), new SequenceNumber(result.EventNo, result.FirstIndex).ToString());
        }
    }

    /// <summary>
    /// Writes 1 to 500 records. Entries are routed and written per shard; each result entry holds the record's
    /// sequence number or, when its shard was over its limit, <c>ProvisionedThroughputExceededException</c>.
    /// </summary>
    public async Task<PutRecordsResult> PutRecordsAsync(string streamName, IReadOnlyList<PutRecordsEntry> records,
        CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        if (records is null || records.Count == 0)
            throw new ValidationException("1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1.");
        if (records.Count > KinesisLimits.MaxPutRecordsEntries)
            throw new ValidationException($"1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to {KinesisLimits.MaxPutRecordsEntries}.");

        var hashKeys = new UInt128[records.Count];
        var sizes = new int[records.Count];
        long total = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var entry = records[i];
            Validate.PartitionKey(entry.PartitionKey, $"records.{i + 1}.member.partitionKey");
            sizes[i] = Validate.RecordSize(entry.Data, entry.PartitionKey, KinesisLimits.DefaultMaxRecordSizeBytes, $"records.{i + 1}.member.data");
            hashKeys[i] = entry.ExplicitHashKey is null ? HashKey.OfPartitionKey(entry.PartitionKey) : HashKey.ParseExplicit(entry.ExplicitHashKey);
            total += sizes[i];
        }
        if (total > _settings.MaxPutRecordsRequestBytes)
            throw new InvalidArgumentException($"Records size exceeds {_settings.MaxPutRecordsRequestBytes} bytes ({total} bytes in this request).");

        try
        {
            return await PutRecordsRoutedAsync(streamName, records, hashKeys, sizes, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            // The cached route was stale (stream recreated): route once more against the stream as it is now.
            return await PutRecordsRoutedAsync(streamName, records, hashKeys, sizes, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<PutRecordsResult> PutRecordsRoutedAsync(string streamName, IReadOnlyList<PutRecordsEntry> records, UInt128[] hashKeys,
        int[] sizes, CancellationToken cancellationToken)
    {
        var route = await GetRouteAsync(streamName, cancellationToken).ConfigureAwait(false);
        var byShard = new Dictionary<int, List<int>>();
        for (var i = 0; i < records.Count; i++)
        {
            var shard = route.ShardFor(hashKeys[i]);
            if (!byShard.TryGetValue(shard, out var list)) byShard[shard] = list = new List<int>();
            list.Add(i);
        }

        var results = new PutRecordsResultEntry[records.Count];
        var failed = 0;
        await Task.WhenAll(byShard.Select(async pair =>
        {
            var (shard, positions) = (pair.Key, pair.Value);
            var stored = positions.Select(i => new StoredRecord(records[i].PartitionKey, records[i].Data)).ToArray();
            var result = await AppendAsync(route, shard, stored, positions.Sum(i => (long)sizes[i]), cancellationToken).ConfigureAwait(false);
            var shardId = new StreamShardId(shard);
            for (var k = 0; k < positions.Count; k++)
            {
                if (k < result.Accepted)
                {
                    results[positions[k]] = new PutRecordsResultEntry(new SequenceNumber(result.EventNo, result.FirstIndex + k).ToString(), shardId, null, null);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                    results[positions[k]] = new PutRecordsResultEntry(null, null, ProvisionedThroughputExceededException.Code,
                        $"Rate exceeded for shard {shardId} in stream {streamName} under account {_settings.AccountId}.");
                }
            }
        })).ConfigureAwait(false);
        return new PutRecordsResult(failed, results);
    }

    internal async Task<StreamRoute> GetRouteAsync(string streamName, CancellationToken cancellationToken)
    {
        if (_routes.TryGetValue(streamName, out var cached)) return cached;
        var entry = await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        if (entry.Status is StreamStatus.Creating or StreamStatus.Deleting)
            throw new ResourceNotFoundException($"Stream {streamName} under account {_settings.AccountId} is {entry.Status.ToString().ToUpperInvariant()}, not ACTIVE.");
        var route = new StreamRoute(entry);
        _routes[streamName] = route;
        return route;
    }

    /// <summary>Appends to one shard; a shard that no longer exists drops the cached route so the next call reads the stream afresh.</summary>
    internal async Task<AppendRecordsResult> AppendAsync(StreamRoute route, int shard, StoredRecord[] records, long bytes,
        CancellationToken cancellationToken)
    {
        try
        {
            return await AskAsync<AppendRecordsResult>(_shards, new AppendRecords(route.EntityId(shard), records, bytes), cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            _routes.TryRemove(new KeyValuePair<string, StreamRoute>(route.Name, route));
            throw;
        }
    }
}
