using System.Collections.Immutable;
using System.Text;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Shards;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Creates a stream with <paramref name="shardCount"/> shards (default 1) splitting the hash-key space evenly.
    /// With <c>actorstreams.state-delays.create-stream</c> at 0 (the default) it returns once the stream is ACTIVE;
    /// with a delay (the server's 500 ms) it returns at once with the stream CREATING, as Kinesis does, and
    /// <see cref="WaitForStreamActiveAsync"/> waits for ACTIVE.
    /// </summary>
    /// <exception cref="ResourceInUseException">A stream with that name exists.</exception>
    /// <exception cref="LimitExceededException">The account's shard limit would be exceeded.</exception>
    public Task<StreamDescription> CreateStreamAsync(string streamName, int shardCount = 1, StreamMode mode = StreamMode.Provisioned,
        CancellationToken cancellationToken = default) =>
        CreateStreamAsync(streamName, shardCount, mode, warmThroughputMiBps: null, cancellationToken: cancellationToken);

    /// <summary>
    /// Creates a stream as <see cref="CreateStreamAsync(string, int, StreamMode, CancellationToken)"/> does; an ON_DEMAND
    /// stream with a <paramref name="warmThroughputMiBps"/> starts with at least one shard per MiB/s of it (see
    /// <see cref="UpdateStreamWarmThroughputAsync"/>); with a <paramref name="maxRecordSizeInKiB"/> (1,024 to 10,240) it takes
    /// records up to that size (see <see cref="UpdateMaxRecordSizeAsync"/>); an ON_DEMAND stream created with
    /// <paramref name="recordDistributionStrategy"/> AUTO spreads its records over its shards whatever their keys (see
    /// <see cref="UpdateStreamRecordDistributionStrategyAsync"/>).
    /// </summary>
    /// <exception cref="ValidationException">A warm throughput for a PROVISIONED stream, or below 0; a record size out of range.</exception>
    /// <exception cref="InvalidArgumentException">A warm throughput without the account's minimum throughput billing commitment; AUTO for a PROVISIONED stream.</exception>
    public async Task<StreamDescription> CreateStreamAsync(string streamName, int shardCount, StreamMode mode, int? warmThroughputMiBps,
        int? maxRecordSizeInKiB = null, RecordDistributionStrategy? recordDistributionStrategy = null, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        Validate.ShardCount(shardCount);
        ValidateWarmThroughput(warmThroughputMiBps);
        if (maxRecordSizeInKiB is { } kib) ValidateMaxRecordSize(kib);
        var entry = await AskAsync<StreamEntry>(_catalog, new CreateStreamCommand(streamName, shardCount, mode, warmThroughputMiBps, maxRecordSizeInKiB,
                    recordDistributionStrategy),
                cancellationToken)
            .ConfigureAwait(false);
        return ToDescription(entry);
    }

    /// <summary>
    /// Deletes a stream and all its data; a stream created later under the same name starts empty. With
    /// <c>actorstreams.state-delays.delete-stream</c> above 0 it returns at once and the stream is DELETING for that
    /// long (<see cref="WaitForStreamDeletedAsync"/> waits until it is gone).
    /// </summary>
    /// <exception cref="ResourceInUseException">The stream is CREATING, UPDATING or already DELETING.</exception>
    public async Task DeleteStreamAsync(string streamName, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        await AskAsync<ShardAck>(_catalog, new DeleteStreamCommand(streamName), cancellationToken).ConfigureAwait(false);
        _extension.ForgetStream(streamName);
    }

    /// <summary>
    /// Waits until the stream is ACTIVE (after CreateStream or an update, when <c>actorstreams.state-delays</c> are
    /// set) and describes it, polling the catalog every <see cref="StatePollInterval"/> of the runtime clock.
    /// </summary>
    /// <exception cref="ResourceNotFoundException">No such stream (or it was deleted while waiting).</exception>
    public async Task<StreamDescription> WaitForStreamActiveAsync(string streamName, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var entry = await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
            if (entry.Status == StreamStatus.Active) return ToDescription(entry);
            if (entry.Status == StreamStatus.Deleting)
                throw new ResourceNotFoundException($"Stream {streamName} under account {_settings.AccountId} is being deleted; it will not become ACTIVE.");
            await Task.Delay(StatePollInterval, _clock, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until a deleted stream is gone (DELETING lasts <c>actorstreams.state-delays.delete-stream</c>).</summary>
    public async Task WaitForStreamDeletedAsync(string streamName, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        while (true)
        {
            try
            {
                await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceNotFoundException)
            {
                return;
            }
            await Task.Delay(StatePollInterval, _clock, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How often (runtime clock) <see cref="WaitForStreamActiveAsync"/> and <see cref="WaitForStreamDeletedAsync"/> look at the stream.</summary>
    public static readonly TimeSpan StatePollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Describes a stream with its full shard list.</summary>
    public async Task<StreamDescription> DescribeStreamAsync(string streamName, CancellationToken cancellationToken = default) =>
        ToDescription(await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false));

    /// <summary>Describes a stream without its shard list.</summary>
    public async Task<StreamDescriptionSummary> DescribeStreamSummaryAsync(string streamName, CancellationToken cancellationToken = default) =>
        ToSummary(await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false));

    private StreamDescriptionSummary ToSummary(StreamEntry e) =>
        new(e.Name, _settings.StreamArn(e.Name), e.Status, e.Mode, e.RetentionHours, DateTimeOffset.FromUnixTimeMilliseconds(e.CreatedAtMs),
            EncryptionTypeOf(e), e.EncryptionKeyId, e.OpenShardCount, e.Consumers.Length)
        {
            EnhancedMonitoring = e.ShardLevelMetrics,
            WarmThroughput = WarmThroughputOf(e),
            MaxRecordSizeInKiB = e.MaxRecordSizeBytes / 1024,
            RecordDistributionStrategy = e.Mode == StreamMode.OnDemand ? e.RecordDistribution : null,
        };

    /// <summary>The shards of a stream (open and closed), ordered by shard id.</summary>
    public async Task<IReadOnlyList<StreamShardDescription>> ListShardsAsync(string streamName, CancellationToken cancellationToken = default) =>
        ToDescription(await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false)).Shards;

    /// <summary>
    /// The shards of a stream that <paramref name="filter"/> selects (the Kinesis ListShards <c>ShardFilter</c>), ordered
    /// by shard id: the shards open now, open at the trim horizon or at a time, or holding data since then.
    /// </summary>
    /// <param name="streamName">The stream.</param>
    /// <param name="filter">Which shards; null for all of them.</param>
    /// <param name="streamCreationTimestamp">
    /// When given, the stream of that name must have been created at this time (compared in whole seconds), which
    /// tells it from an earlier stream of the same name.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait for the answer.</param>
    /// <exception cref="InvalidArgumentException">The filter lacks the ShardId or Timestamp its type needs, or has one its type does not take.</exception>
    /// <exception cref="ResourceNotFoundException">No such stream, or it was created at another time than <paramref name="streamCreationTimestamp"/>.</exception>
    public async Task<IReadOnlyList<StreamShardDescription>> ListShardsAsync(string streamName, StreamShardFilter? filter,
        DateTimeOffset? streamCreationTimestamp = null, CancellationToken cancellationToken = default)
    {
        if (filter is not null) StreamShardSelection.Validate(filter);
        var entry = await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        CheckCreationTimestamp(entry, streamCreationTimestamp);
        var shards = filter is null ? entry.Shards.OrderBy(s => s.Index) : StreamShardSelection.Select(entry, filter, NowMs);
        return shards.Select(s => ToShardDescription(entry, s)).ToList();
    }

    /// <summary>A StreamCreationTimestamp names one incarnation of a stream name: whole seconds, as the AWS CLI sends it.</summary>
    private void CheckCreationTimestamp(StreamEntry entry, DateTimeOffset? streamCreationTimestamp)
    {
        if (streamCreationTimestamp is not { } created) return;
        var actual = DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedAtMs).ToUnixTimeSeconds();
        if (created.ToUnixTimeSeconds() != actual)
            throw new ResourceNotFoundException(
                $"Stream {entry.Name} under account {_settings.AccountId} created at {created.ToUnixTimeSeconds()} not found; the stream of that name was created at {actual}.");
    }

    /// <summary>
    /// A page of stream names in name order. Start after <paramref name="exclusiveStartStreamName"/>, or continue
    /// with the <see cref="ListStreamsResult.NextToken"/> of the previous page (not both).
    /// </summary>
    public async Task<ListStreamsResult> ListStreamsAsync(int? limit = null, string? exclusiveStartStreamName = null, string? nextToken = null,
        CancellationToken cancellationToken = default)
    {
        Validate.Limit(limit, KinesisLimits.MaxListStreamsLimit);
        if (exclusiveStartStreamName is not null) Validate.StreamName(exclusiveStartStreamName, "ExclusiveStartStreamName");
        if (nextToken is not null)
        {
            if (exclusiveStartStreamName is not null)
                throw new InvalidArgumentException("NextToken and ExclusiveStartStreamName cannot be provided together.");
            exclusiveStartStreamName = DecodeListToken(nextToken);
        }
        var listing = await AskAsync<StreamListing>(_catalog,
            new ListStreamsCommand(limit ?? KinesisLimits.DefaultListStreamsLimit, exclusiveStartStreamName), cancellationToken).ConfigureAwait(false);
        var summaries = listing.Streams.Select(e => new StreamSummary(e.Name, _settings.StreamArn(e.Name), e.Status, e.Mode,
            DateTimeOffset.FromUnixTimeMilliseconds(e.CreatedAtMs))).ToList();
        var token = listing.HasMore && summaries.Count > 0 ? EncodeListToken(summaries[^1].StreamName) : null;
        return new ListStreamsResult(summaries, listing.HasMore, token);
    }

    /// <summary>Raises the retention period (24 to 8,760 hours). Raising it does not bring back expired data.</summary>
    public Task IncreaseStreamRetentionPeriodAsync(string streamName, int retentionPeriodHours, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        return AskAsync<StreamEntry>(_catalog, new ChangeRetention(streamName, retentionPeriodHours, Increase: true), cancellationToken);
    }

    /// <summary>Lowers the retention period (24 to 8,760 hours); records older than the new period are trimmed.</summary>
    public Task DecreaseStreamRetentionPeriodAsync(string streamName, int retentionPeriodHours, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        return AskAsync<StreamEntry>(_catalog, new ChangeRetention(streamName, retentionPeriodHours, Increase: false), cancellationToken);
    }

    /// <summary>Adds or overwrites up to 10 tags (at most 50 per stream).</summary>
    public Task AddTagsToStreamAsync(string streamName, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        Validate.Tags(tags);
        return AskAsync<StreamEntry>(_catalog, new AddTags(streamName, tags.ToImmutableSortedDictionary(StringComparer.Ordinal)), cancellationToken);
    }

    /// <summary>Removes tags by key; unknown keys are ignored.</summary>
    public Task RemoveTagsFromStreamAsync(string streamName, IEnumerable<string> tagKeys, CancellationToken cancellationToken = default)
    {
        Validate.StreamName(streamName);
        return AskAsync<StreamEntry>(_catalog, new RemoveTags(streamName, TagKeysOf(tagKeys)), cancellationToken);
    }

    /// <summary>The tags of a stream, ordered by key.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ListTagsForStreamAsync(string streamName, CancellationToken cancellationToken = default) =>
        (await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false)).Tags;

    private Task<StreamEntry> GetEntryAsync(string streamName, CancellationToken cancellationToken) => _router.GetEntryAsync(streamName, cancellationToken);

    private static StreamShardDescription ToShardDescription(StreamEntry stream, ShardEntry s) => new(
        new StreamShardId(s.Index),
        s.ParentIndex is { } p ? new StreamShardId(p) : null,
        s.AdjacentParentIndex is { } a ? new StreamShardId(a) : null,
        s.HashKeyRange,
        new SequenceNumberRange(new SequenceNumber(1, 0).Format(new StreamShardId(s.Index)),
            s.EndingEventNo is { } end ? new SequenceNumber(end, SequenceNumber.MaxIndex).Format(new StreamShardId(s.Index), s.ClosedAtMs) : null))
    {
        OpenedAt = DateTimeOffset.FromUnixTimeMilliseconds(s.CreatedAtMs ?? stream.CreatedAtMs),
        ClosedAt = s.ClosedAtMs is { } closed ? DateTimeOffset.FromUnixTimeMilliseconds(closed) : null,
    };

    private StreamDescription ToDescription(StreamEntry e)
    {
        var shards = e.Shards.OrderBy(s => s.Index).Select(s => ToShardDescription(e, s)).ToList();
        return new StreamDescription(e.Name, _settings.StreamArn(e.Name), e.Status, e.Mode, shards, e.RetentionHours,
            DateTimeOffset.FromUnixTimeMilliseconds(e.CreatedAtMs), EncryptionTypeOf(e), e.EncryptionKeyId)
        {
            EnhancedMonitoring = e.ShardLevelMetrics,
        };
    }

    private static string EncryptionTypeOf(StreamEntry e) => e.EncryptionKeyId is null ? EncryptionTypeNone : EncryptionTypeKms;

    private static string EncodeListToken(string lastName) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("ls1:" + lastName));

    private static string DecodeListToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("ls1:", StringComparison.Ordinal)) return text[4..];
        }
        catch (FormatException)
        {
        }
        throw new InvalidArgumentException("NextToken is not a token returned by ListStreams.");
    }
}
