using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Shards;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Writes one record to the shard its partition key (or explicit hash key) maps to, or on an AUTO stream to the next
    /// open shard in turn (<see cref="UpdateStreamRecordDistributionStrategyAsync"/>), and returns its sequence number
    /// once it is durable.
    /// </summary>
    /// <exception cref="ProvisionedThroughputExceededException">The shard is at its write limit; retry after a back-off.</exception>
    /// <exception cref="ResourceNotFoundException">The stream does not exist or is not ACTIVE.</exception>
    /// <exception cref="ValidationException">No partition key, and the stream is not of the AUTO strategy.</exception>
    public async Task<PutRecordResult> PutRecordAsync(string streamName, ReadOnlyMemory<byte> data, string? partitionKey,
        string? explicitHashKey = null, string? sequenceNumberForOrdering = null, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        if (partitionKey is not null) Validate.PartitionKey(partitionKey);
        var size = Validate.RecordSize(data, partitionKey ?? "", KinesisLimits.LargestMaxRecordSizeBytes);
        var hashKey = partitionKey is null ? default
            : explicitHashKey is null ? HashKey.OfPartitionKey(partitionKey) : HashKey.ParseExplicit(explicitHashKey);
        // Each shard assigns strictly increasing sequence numbers, so a record written after the one named here
        // already sorts after it; the value only has to be a well-formed Kinesis sequence number, as AWS checks it.
        if (sequenceNumberForOrdering is not null && !SequenceNumber.IsWellFormed(sequenceNumberForOrdering, NowMs))
            throw new InvalidArgumentException(
                $"ExclusiveMinimumSequenceNumber {sequenceNumberForOrdering} used in PutRecord on stream {streamName} under account {_settings.AccountId} is invalid.");

        for (var attempt = 0; ; attempt++)
        {
            var route = await _router.GetRouteAsync(streamName, cancellationToken).ConfigureAwait(false);
            // The stream's own limit (UpdateMaxRecordSize); the message is made only for a record over it.
            if (size > route.MaxRecordSizeBytes) Validate.RecordSize(data, partitionKey ?? "", route.MaxRecordSizeBytes);
            if (partitionKey is null && !route.DistributesAutomatically) throw MissingPartitionKeys(["partitionKey"]);
            // An AUTO stream ignores partition key and explicit hash key alike (UpdateStreamRecordDistributionStrategy).
            var shard = route.ShardFor(route.DistributesAutomatically ? route.NextAutoHashKey() : hashKey);
            AppendRecordsResult result;
            try
            {
                result = await _router.AppendAsync(route, shard, [new StoredRecord(partitionKey ?? "", data)], size, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceNotFoundException) when (attempt == 0)
            {
                continue; // the cached route was stale; the next attempt reads the stream afresh
            }
            catch (ShardClosedException) when (attempt < MaxClosedShardRetries)
            {
                continue; // resharding closed the shard before the record was stored; the cached route now names its children
            }
            if (result.Accepted == 0)
                throw new ProvisionedThroughputExceededException(
                    $"Rate exceeded for shard {new StreamShardId(shard)} in stream {streamName} under account {_settings.AccountId}.");
            var shardId = new StreamShardId(shard);
            return new PutRecordResult(shardId, new SequenceNumber(result.EventNo, result.FirstIndex).Format(shardId, result.TimestampMs));
        }
    }

    /// <summary>
    /// Writes 1 to 500 records. Entries are routed and written per shard; each result entry holds the record's
    /// sequence number or, when its shard was over its limit, <c>ProvisionedThroughputExceededException</c>, or when the
    /// journal failed or refused the write (disk full, database down), <c>InternalFailure</c>: resend exactly those entries.
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
        List<string>? missingKeys = null;
        var sizes = new int[records.Count];
        long total = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var entry = records[i];
            if (entry.PartitionKey is null)
            {
                (missingKeys ??= []).Add($"records.{i + 1}.member.partitionKey");
            }
            else
            {
                Validate.PartitionKey(entry.PartitionKey, $"records.{i + 1}.member.partitionKey");
                hashKeys[i] = entry.ExplicitHashKey is null ? HashKey.OfPartitionKey(entry.PartitionKey) : HashKey.ParseExplicit(entry.ExplicitHashKey);
            }
            sizes[i] = Validate.RecordSize(entry.Data, entry.PartitionKey ?? "", KinesisLimits.LargestMaxRecordSizeBytes, $"records.{i + 1}.member.data");
            total += sizes[i];
        }
        if (total > _settings.MaxPutRecordsRequestBytes)
            throw new InvalidArgumentException($"Records size exceeds {_settings.MaxPutRecordsRequestBytes} bytes ({total} bytes in this request).");

        var results = new PutRecordsResultEntry[records.Count];
        var route = await _router.GetRouteAsync(streamName, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < records.Count; i++)
            if (sizes[i] > route.MaxRecordSizeBytes)
                Validate.RecordSize(records[i].Data, records[i].PartitionKey ?? "", route.MaxRecordSizeBytes, $"records.{i + 1}.member.data");
        if (missingKeys is not null && !route.DistributesAutomatically) throw MissingPartitionKeys(missingKeys);
        // An AUTO stream deals the records out over its open shards; a retry below keeps each record's dealt key.
        if (route.DistributesAutomatically)
            for (var i = 0; i < records.Count; i++) hashKeys[i] = route.NextAutoHashKey();
        var (stale, closed) = await PutRoutedAsync(streamName, route, records, hashKeys, sizes, Enumerable.Range(0, records.Count), results,
            cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; closed.Count > 0; attempt++)
        {
            // Resharding closed those entries' shards before they were stored: route them again, to the children.
            if (attempt >= MaxClosedShardRetries)
                throw new InternalFailureException($"Stream {streamName} kept closing shards under {closed.Count} records; nothing of them was stored.");
            var current = await _router.GetRouteAsync(streamName, cancellationToken).ConfigureAwait(false);
            List<int> moreStale;
            (moreStale, closed) = await PutRoutedAsync(streamName, current, records, hashKeys, sizes, closed, results, cancellationToken).ConfigureAwait(false);
            stale.AddRange(moreStale);
        }
        if (stale.Count > 0)
        {
            // Those parts went to shards of a deleted incarnation of the stream (the cached route was stale). Only they
            // are routed again, so records another shard already stored are not written twice.
            var fresh = await _router.GetRouteAsync(streamName, cancellationToken).ConfigureAwait(false);
            if (fresh.Epoch == route.Epoch)
                throw new ResourceNotFoundException($"Stream {streamName} under account {_settings.AccountId} not found.");
            (stale, var closedAgain) = await PutRoutedAsync(streamName, fresh, records, hashKeys, sizes, stale, results, cancellationToken).ConfigureAwait(false);
            if (stale.Count > 0 || closedAgain.Count > 0)
                throw new ResourceNotFoundException($"Stream {streamName} under account {_settings.AccountId} not found.");
        }
        return new PutRecordsResult(results.Count(r => !r.Succeeded), results);
    }

    /// <summary>
    /// A record without a partition key for a stream that routes by key (USER_PARTITION_KEY, the default): AWS's
    /// violation of a required member, for each such record (at most 10 listed).
    /// </summary>
    private static ValidationException MissingPartitionKeys(IReadOnlyList<string> memberPaths)
    {
        var listed = memberPaths.Take(10).Select(p => $"Value null at '{p}' failed to satisfy constraint: Member must not be null").ToList();
        return new ValidationException($"{listed.Count} validation error{(listed.Count == 1 ? "" : "s")} detected: {string.Join("; ", listed)}");
    }

    /// <summary>
    /// Writes the entries at <paramref name="indexes"/> through <paramref name="route"/>, one append per shard, into
    /// <paramref name="results"/>. Returns the indexes whose shard no longer exists (a stale route) and those whose
    /// shard was closed by resharding; nothing of theirs was stored.
    /// </summary>
    private async Task<(List<int> Stale, List<int> Closed)> PutRoutedAsync(string streamName, StreamRoute route, IReadOnlyList<PutRecordsEntry> records,
        UInt128[] hashKeys, int[] sizes, IEnumerable<int> indexes, PutRecordsResultEntry[] results, CancellationToken cancellationToken)
    {
        var byShard = new Dictionary<int, List<int>>();
        foreach (var i in indexes)
        {
            var shard = route.ShardFor(hashKeys[i]);
            if (!byShard.TryGetValue(shard, out var list)) byShard[shard] = list = new List<int>();
            list.Add(i);
        }

        var stale = new List<int>();
        var closed = new List<int>();
        await Task.WhenAll(byShard.Select(async pair =>
        {
            var (shard, positions) = (pair.Key, pair.Value);
            var stored = positions.Select(i => new StoredRecord(records[i].PartitionKey ?? "", records[i].Data)).ToArray();
            AppendRecordsResult result;
            try
            {
                result = await _router.AppendAsync(route, shard, stored, positions.Sum(i => (long)sizes[i]), cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceNotFoundException)
            {
                lock (stale) stale.AddRange(positions);
                return;
            }
            catch (ShardClosedException)
            {
                lock (closed) closed.AddRange(positions);
                return;
            }
            catch (InternalFailureException e)
            {
                // As Kinesis answers a failure inside the service: the entries of this shard fail, the others stand.
                foreach (var i in positions) results[i] = new PutRecordsResultEntry(null, null, InternalFailureException.Code, e.Message);
                return;
            }
            var shardId = new StreamShardId(shard);
            for (var k = 0; k < positions.Count; k++)
            {
                results[positions[k]] = k < result.Accepted
                    ? new PutRecordsResultEntry(new SequenceNumber(result.EventNo, result.FirstIndex + k).Format(shardId, result.TimestampMs), shardId, null, null)
                    : new PutRecordsResultEntry(null, null, ProvisionedThroughputExceededException.Code,
                        $"Rate exceeded for shard {shardId} in stream {streamName} under account {_settings.AccountId}.");
            }
        })).ConfigureAwait(false);
        stale.Sort();
        closed.Sort();
        return (stale, closed);
    }

    // Each retry follows a shard closed since the last one, so this only bounds a stream resharded without pause.
    private const int MaxClosedShardRetries = 64;
}
