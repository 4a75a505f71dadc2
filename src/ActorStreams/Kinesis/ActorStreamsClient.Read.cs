using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Reads;
using ActorStreams.Kinesis.Internal.Shards;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Returns an iterator into a shard, valid for 5 minutes. <paramref name="startingSequenceNumber"/> goes with
    /// AT_/AFTER_SEQUENCE_NUMBER, <paramref name="timestamp"/> with AT_TIMESTAMP.
    /// </summary>
    /// <exception cref="ProvisionedThroughputExceededException">More than 5 calls per second for this shard.</exception>
    public async Task<string> GetShardIteratorAsync(string streamName, string shardId, ShardIteratorType shardIteratorType,
        string? startingSequenceNumber = null, DateTimeOffset? timestamp = null, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        var id = ParseShard(shardId, streamName);
        StreamRoute route;
        try
        {
            route = await _router.GetRouteAsync(streamName, cancellationToken).ConfigureAwait(false);
            if (!route.EntityIds.ContainsKey(id.Index))
            {
                // A shard created by resharding after the route was cached: look again.
                _router.ForgetRoute(streamName);
                route = await _router.GetRouteAsync(streamName, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ResourceNotFoundException)
        {
            // AWS names the shard, not the stream, when GetShardIterator's stream does not exist (or is not ACTIVE yet).
            throw ShardNotFound(id, streamName);
        }
        if (!route.EntityIds.ContainsKey(id.Index)) throw ShardNotFound(id, streamName);
        // AWS checks that the iterator type and StartingSequenceNumber go together before it reads the number.
        var start = ShardReads.ToStartingPosition(shardIteratorType, startingSequenceNumber, timestamp);
        if (startingSequenceNumber is not null)
        {
            if (!SequenceNumber.TryParse(startingSequenceNumber, out _, out var encodedShard))
            {
                // Another layout of Kinesis's still names a shard; AWS says so when it is not this one.
                if (SequenceNumber.EncodedShard(startingSequenceNumber) is { } other && other != id.Index)
                    throw new InvalidArgumentException(
                        $"Invalid StartingSequenceNumber. It encodes {SequenceNumber.ShardIdText(other)}, while it was used in a call to a shard with {id}");
                throw new InvalidArgumentException(
                    $"StartingSequenceNumber {startingSequenceNumber} used in GetShardIterator on shard {id} in stream {streamName} under account {_settings.AccountId} is invalid.");
            }
            // A sequence number names its shard; AWS refuses one of another shard.
            if (encodedShard >= 0 && encodedShard != id.Index)
                throw new InvalidArgumentException(
                    $"Invalid StartingSequenceNumber. It encodes {new StreamShardId(encodedShard)}, while it was used in a call to a shard with {id}");
        }
        var (position, minTs) = await _reads.ResolveAsync(route, id.Index, start, countCall: true, cancellationToken).ConfigureAwait(false);
        var iterators = await _iterators.GetAsync(cancellationToken).ConfigureAwait(false);
        return iterators.Encode(new ShardIteratorState(streamName, route.Epoch, id.Index, position, minTs, NowMs));
    }

    /// <summary>A time as AWS prints it in messages (Java's <c>Date.toString</c> in UTC): <c>Mon Dec 07 05:00:00 UTC 2026</c>.</summary>
    private static string JavaDate(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).ToString("ddd MMM dd HH:mm:ss 'UTC' yyyy", System.Globalization.CultureInfo.InvariantCulture);

    private ResourceNotFoundException ShardNotFound(StreamShardId id, string streamName) =>
        new($"Shard {id} in stream {streamName} under account {_settings.AccountId} does not exist");

    /// <summary>A shard id as the request gave it; one that names no shard number is not found, in AWS's words.</summary>
    private StreamShardId ParseShard(string text, string streamName) =>
        StreamShardId.TryParse(text, out var id)
            ? id
            : throw new ResourceNotFoundException($"Could not find shard {text} in stream {streamName} under account {_settings.AccountId}.");

    /// <summary>
    /// Reads up to <paramref name="limit"/> records (1-10,000, default 10,000; at most 10 MiB) from an iterator.
    /// The result's <see cref="GetRecordsResult.NextShardIterator"/> continues after them.
    /// </summary>
    /// <exception cref="ExpiredIteratorException">The iterator is older than 5 minutes.</exception>
    /// <exception cref="ProvisionedThroughputExceededException">The shard is at its read limit.</exception>
    public Task<GetRecordsResult> GetRecordsAsync(string shardIterator, int? limit = null, CancellationToken cancellationToken = default) =>
        GetRecordsAsync(shardIterator, limit, streamArn: null, cancellationToken);

    /// <summary>
    /// <see cref="GetRecordsAsync(string, int?, CancellationToken)"/> with the request's <c>StreamARN</c>: when given,
    /// the iterator must be one of that stream's.
    /// </summary>
    /// <exception cref="InvalidArgumentException">The iterator is of another stream than <paramref name="streamArn"/>.</exception>
    public async Task<GetRecordsResult> GetRecordsAsync(string shardIterator, int? limit, string? streamArn, CancellationToken cancellationToken = default)
    {
        Validate.Limit(limit, KinesisLimits.MaxGetRecordsLimit);
        var iterators = await _iterators.GetAsync(cancellationToken).ConfigureAwait(false);
        var it = iterators.Decode(shardIterator);
        var now = NowMs;
        if (it.IssuedAtMs > now + (long)ShardIteratorCodec.MaxClockSkew.TotalMilliseconds)
            throw new InvalidArgumentException(
                $"Invalid ShardIterator: it was issued at {DateTimeOffset.FromUnixTimeMilliseconds(it.IssuedAtMs):O}, which is in the future (now {DateTimeOffset.FromUnixTimeMilliseconds(now):O}).");
        if (streamArn is not null && streamArn != _settings.StreamArn(it.StreamName))
            throw new InvalidArgumentException(
                $"Invalid ShardIterator: it is an iterator of stream {_settings.StreamArn(it.StreamName)}, not of the StreamARN {streamArn} in the request.");
        var age = now - it.IssuedAtMs;
        if (age > (long)KinesisLimits.ShardIteratorLifetime.TotalMilliseconds)
            throw new ExpiredIteratorException(
                $"Iterator expired. The iterator was created at time {JavaDate(it.IssuedAtMs)} while right now it is {JavaDate(now)} which is further in the future than the tolerated delay of {(long)KinesisLimits.ShardIteratorLifetime.TotalMilliseconds} milliseconds.");
        var entityId = StreamShardEntity.EntityId(it.StreamName, it.Epoch, it.ShardIndex);
        var page = await _reads.ReadAsync(entityId, new StreamShardId(it.ShardIndex), it.Position, it.MinTimestampMs,
            limit ?? KinesisLimits.MaxGetRecordsLimit, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        if (page.ThrottledFor is not null)
            throw new ProvisionedThroughputExceededException(page.ThrottleMessage ?? "Rate exceeded for the shard.");
        // At the end of a closed shard there is nothing more to read from it: no next iterator, the children instead.
        var next = page.EndOfShard ? null : iterators.Encode(it with { Position = page.Next, IssuedAtMs = now });
        return new GetRecordsResult(page.Records, next, page.MillisBehindLatest) { ChildShards = page.ChildShards };
    }
}
