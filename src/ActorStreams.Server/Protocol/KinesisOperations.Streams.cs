using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

internal sealed partial class KinesisOperations
{
    private const string ListShardsTokenPrefix = "lsh2:";

    // The range of epoch milliseconds a DateTimeOffset holds: a token's filter time outside it is forged.
    private const long MinTimestampMs = -62_135_596_800_000;
    private const long MaxTimestampMs = 253_402_300_799_999;

    private async Task CreateStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.RequiredString("StreamName", "streamName");
        var mode = request.Object("StreamModeDetails") is { } details
            ? ParseMode(KinesisRequest.RequiredString(details, "StreamMode", "streamModeDetails.streamMode"))
            : StreamMode.Provisioned;
        var shardCount = request.Int("ShardCount") ?? (mode == StreamMode.OnDemand ? ProtocolLimits.OnDemandInitialShards : 1);
        var tags = ReadTags(request, name);
        var distribution = request.String("RecordDistributionStrategy") is { } strategy ? ParseDistribution(strategy) : (RecordDistributionStrategy?)null;
        await _client.CreateStreamAsync(name, shardCount, mode, request.Int("WarmThroughputMiBps"), request.Int("MaxRecordSizeInKiB"), distribution,
            cancellationToken);
        if (tags is { Count: > 0 }) await _client.AddTagsToStreamAsync(name, tags, cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task DeleteStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        await _client.DeleteStreamAsync(request.StreamName(), cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task DescribeStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var limit = Range(request.Int("Limit"), "limit", 1, ProtocolLimits.MaxDescribeStreamLimit) ?? ProtocolLimits.DefaultDescribeStreamLimit;
        var exclusiveStart = request.ShardId("ExclusiveStartShardId");
        var d = await _client.DescribeStreamAsync(name, cancellationToken);
        // While a stream is CREATING, AWS lists no shards yet.
        IReadOnlyList<StreamShardDescription> shards = d.StreamStatus == StreamStatus.Creating ? [] : d.Shards;
        var first = StartAfter(shards, exclusiveStart);
        var end = Math.Min(shards.Count, first + limit);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("StreamDescription");
            w.WriteString("StreamName", d.StreamName);
            w.WriteString("StreamARN", d.StreamArn);
            w.WriteString("StreamStatus", StatusText(d.StreamStatus));
            WriteModeDetails(w, d.StreamMode);
            w.WriteStartArray("Shards");
            for (var i = first; i < end; i++) WriteShard(w, shards[i]);
            w.WriteEndArray();
            w.WriteBoolean("HasMoreShards", end < shards.Count);
            w.WriteNumber("RetentionPeriodHours", d.RetentionPeriodHours);
            WriteTimestamp(w, "StreamCreationTimestamp", d.StreamCreationTimestamp);
            WriteEnhancedMonitoring(w, d.EnhancedMonitoring);
            w.WriteString("EncryptionType", d.EncryptionType);
            if (d.KeyId is not null) w.WriteString("KeyId", d.KeyId);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private async Task DescribeStreamSummaryAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var s = await _client.DescribeStreamSummaryAsync(request.StreamName(), cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("StreamDescriptionSummary");
            w.WriteString("StreamName", s.StreamName);
            w.WriteString("StreamARN", s.StreamArn);
            w.WriteString("StreamStatus", StatusText(s.StreamStatus));
            WriteModeDetails(w, s.StreamMode);
            w.WriteNumber("RetentionPeriodHours", s.RetentionPeriodHours);
            WriteTimestamp(w, "StreamCreationTimestamp", s.StreamCreationTimestamp);
            WriteEnhancedMonitoring(w, s.EnhancedMonitoring);
            w.WriteString("EncryptionType", s.EncryptionType);
            if (s.KeyId is not null) w.WriteString("KeyId", s.KeyId);
            w.WriteNumber("OpenShardCount", s.OpenShardCount);
            w.WriteNumber("ConsumerCount", s.ConsumerCount);
            if (s.WarmThroughput is { } warm) WriteWarmThroughput(w, warm);
            w.WriteNumber("MaxRecordSizeInKiB", s.MaxRecordSizeInKiB);
            if (s.RecordDistributionStrategy is { } distribution) w.WriteString("RecordDistributionStrategy", DistributionText(distribution));
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private async Task ListStreamsAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var result = await _client.ListStreamsAsync(request.Int("Limit"), request.String("ExclusiveStartStreamName"), request.String("NextToken"),
            cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("StreamNames");
            foreach (var s in result.StreamSummaries) w.WriteStringValue(s.StreamName);
            w.WriteEndArray();
            w.WriteBoolean("HasMoreStreams", result.HasMoreStreams);
            if (result.NextToken is not null) w.WriteString("NextToken", result.NextToken);
            w.WriteStartArray("StreamSummaries");
            foreach (var s in result.StreamSummaries)
            {
                w.WriteStartObject();
                w.WriteString("StreamName", s.StreamName);
                w.WriteString("StreamARN", s.StreamArn);
                w.WriteString("StreamStatus", StatusText(s.StreamStatus));
                WriteModeDetails(w, s.StreamMode);
                WriteTimestamp(w, "StreamCreationTimestamp", s.StreamCreationTimestamp);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private async Task ListShardsAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var nextToken = request.String("NextToken");
        var exclusiveStart = request.ShardId("ExclusiveStartShardId");
        var maxResults = Range(request.Int("MaxResults"), "maxResults", 1, ProtocolLimits.MaxListShardsResults) ?? ProtocolLimits.DefaultListShardsResults;
        var filter = ReadShardFilter(request);
        var created = request.Timestamp("StreamCreationTimestamp");
        string name;
        if (nextToken is not null)
        {
            if (request.String("StreamName") is not null || request.String("StreamARN") is not null)
                throw new InvalidArgumentException("NextToken and StreamName cannot be provided together.");
            if (created is not null)
                throw new InvalidArgumentException("NextToken and StreamCreationTimestamp cannot be provided together; the token already names the stream.");
            if (exclusiveStart is not null || filter is not null)
                throw new InvalidArgumentException("NextToken cannot be provided together with ExclusiveStartShardId or ShardFilter; the token carries them.");
            (name, exclusiveStart, filter) = DecodeListShardsToken(nextToken);
        }
        else
        {
            if (request.String("StreamName") is null && request.String("StreamARN") is null)
                throw new InvalidArgumentException("Either NextToken or StreamName should be provided.");
            name = request.StreamName();
            if (filter is not null && exclusiveStart is not null)
                throw new InvalidArgumentException("ExclusiveStartShardId and ShardFilter cannot be provided together; use a ShardFilter of type AFTER_SHARD_ID.");
        }

        var shards = await _client.ListShardsAsync(name, filter, created, cancellationToken);
        var first = StartAfter(shards, exclusiveStart);
        var end = Math.Min(shards.Count, first + maxResults);
        // AFTER_SHARD_ID needs nothing more on later pages: they start after a shard that already follows its ShardId.
        var token = end < shards.Count
            ? EncodeListShardsToken(name, shards[end - 1].ShardId, filter?.Type == StreamShardFilterType.AfterShardId ? null : filter)
            : null;
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Shards");
            for (var i = first; i < end; i++) WriteShard(w, shards[i]);
            w.WriteEndArray();
            if (token is not null) w.WriteString("NextToken", token);
            w.WriteEndObject();
        });
    }

    private static StreamShardFilter? ReadShardFilter(KinesisRequest request)
    {
        if (request.Object("ShardFilter") is not { } f) return null;
        var type = KinesisRequest.RequiredString(f, "Type", "shardFilter.type") switch
        {
            "AFTER_SHARD_ID" => StreamShardFilterType.AfterShardId,
            "AT_TRIM_HORIZON" => StreamShardFilterType.AtTrimHorizon,
            "FROM_TRIM_HORIZON" => StreamShardFilterType.FromTrimHorizon,
            "AT_LATEST" => StreamShardFilterType.AtLatest,
            "AT_TIMESTAMP" => StreamShardFilterType.AtTimestamp,
            "FROM_TIMESTAMP" => StreamShardFilterType.FromTimestamp,
            var other => throw new ValidationException(
                $"1 validation error detected: Value '{other}' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]"),
        };
        return new StreamShardFilter(type, KinesisRequest.String(f, "ShardId") is { } filterShard ? KinesisRequest.NormalizeShardId(filterShard) : null, KinesisRequest.Timestamp(f, "Timestamp"));
    }

    // The token: "lsh2:<issued ms>:<last shard index>:<filter type or empty>:<filter timestamp ms or empty>:<stream name>",
    // base64. Stream names have no ':'.
    private string EncodeListShardsToken(string streamName, StreamShardId last, StreamShardFilter? filter) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{ListShardsTokenPrefix}{_clock.GetUtcNow().ToUnixTimeMilliseconds()}:{last.Index}:{(filter is null ? "" : (int)filter.Type)}:{filter?.Timestamp?.ToUnixTimeMilliseconds()}:{streamName}")));

    private (string StreamName, string LastShardId, StreamShardFilter? Filter) DecodeListShardsToken(string token)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw new InvalidArgumentException("NextToken is not a token returned by ListShards.");
        }
        var parts = text.StartsWith(ListShardsTokenPrefix, StringComparison.Ordinal) ? text[ListShardsTokenPrefix.Length..].Split(':', 5) : [];
        if (parts.Length != 5 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var issuedMs)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !TryParseOptional(parts[2], out var type) || !TryParseOptional(parts[3], out var timestampMs)
            || (type is { } t && !Enum.IsDefined((StreamShardFilterType)t)))
            throw new InvalidArgumentException("NextToken is not a token returned by ListShards.");
        if (_clock.GetUtcNow().ToUnixTimeMilliseconds() - issuedMs > (long)ProtocolLimits.ListShardsTokenLifetime.TotalMilliseconds)
            throw new KinesisProtocolException(KinesisProtocolException.ExpiredNextToken, "The NextToken has expired; list the shards again.");
        if (timestampMs is < MinTimestampMs or > MaxTimestampMs)
            throw new InvalidArgumentException("NextToken is not a token returned by ListShards.");
        var filter = type is { } filterType
            ? new StreamShardFilter((StreamShardFilterType)filterType, null, timestampMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null)
            : null;
        return (parts[4], new StreamShardId(index).ToString(), filter);
    }

    private static bool TryParseOptional(string text, out long? value)
    {
        value = null;
        if (text.Length == 0) return true;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)) return false;
        value = parsed;
        return true;
    }

    private async Task IncreaseStreamRetentionPeriodAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        await _client.IncreaseStreamRetentionPeriodAsync(name, request.RequiredInt("RetentionPeriodHours", "retentionPeriodHours"), cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task DecreaseStreamRetentionPeriodAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        await _client.DecreaseStreamRetentionPeriodAsync(name, request.RequiredInt("RetentionPeriodHours", "retentionPeriodHours"), cancellationToken);
        await WriteEmptyAsync(output);
    }

    /// <summary>The <c>Tags</c> map of a request, refused if a key or value has a character Kinesis does not allow (<see cref="TagRules"/>).</summary>
    private Dictionary<string, string>? ReadTags(KinesisRequest request, string? streamName)
    {
        if (request.Object("Tags") is not { } obj) return null;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            tags[p.Name] = p.Value.ValueKind == JsonValueKind.String
                ? p.Value.GetString()!
                : throw KinesisProtocolException.BadBody($"The value of tag '{p.Name}' must be a string.");
        }
        TagRules.CheckAdd(tags, streamName, _settings.AccountId);
        return tags;
    }

    private async Task AddTagsToStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var tags = ReadTags(request, name) ?? throw KinesisRequest.Missing("tags");
        await _client.AddTagsToStreamAsync(name, tags, cancellationToken);
        await WriteEmptyAsync(output);
    }

    /// <summary>The <c>TagKeys</c> member of RemoveTagsFromStream and UntagResource: a required list of strings.</summary>
    private List<string> TagKeys(KinesisRequest request, string? streamName)
    {
        var array = request.Array("TagKeys") ?? throw KinesisRequest.Missing("tagKeys");
        var keys = new List<string>(array.GetArrayLength());
        foreach (var k in array.EnumerateArray())
            keys.Add(k.ValueKind == JsonValueKind.String ? k.GetString()! : throw KinesisProtocolException.BadBody("TagKeys must be a list of strings."));
        TagRules.CheckRemove(keys, streamName, _settings.AccountId);
        return keys;
    }

    private async Task RemoveTagsFromStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        List<string> keys;
        try
        {
            keys = TagKeys(request, name);
        }
        catch (InvalidArgumentException)
        {
            // AWS looks the stream up before it judges the keys: a stream that does not exist is ResourceNotFound.
            await _client.ListTagsForStreamAsync(name, cancellationToken);
            throw;
        }
        await _client.RemoveTagsFromStreamAsync(name, keys, cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task ListTagsForStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var limit = Range(request.Int("Limit"), "limit", 1, ProtocolLimits.MaxListTagsLimit) ?? ProtocolLimits.MaxListTagsLimit;
        var exclusiveStart = request.String("ExclusiveStartTagKey");
        var tags = await _client.ListTagsForStreamAsync(name, cancellationToken);
        var ordered = tags.Where(t => exclusiveStart is null || string.CompareOrdinal(t.Key, exclusiveStart) > 0)
            .OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Tags");
            foreach (var (key, value) in ordered.Take(limit))
            {
                w.WriteStartObject();
                w.WriteString("Key", key);
                w.WriteString("Value", value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteBoolean("HasMoreTags", ordered.Count > limit);
            w.WriteEndObject();
        });
    }

    private async Task DescribeLimitsAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        // Sums over every stream; the runtime keeps no account-wide counter yet.
        var openShards = 0;
        var onDemand = 0;
        string? token = null;
        do
        {
            var page = await _client.ListStreamsAsync(nextToken: token, cancellationToken: cancellationToken);
            foreach (var s in page.StreamSummaries)
            {
                if (s.StreamMode == StreamMode.OnDemand) onDemand++;
                try
                {
                    openShards += (await _client.DescribeStreamSummaryAsync(s.StreamName, cancellationToken)).OpenShardCount;
                }
                catch (ResourceNotFoundException)
                {
                    // deleted since it was listed
                }
            }
            token = page.HasMoreStreams ? page.NextToken : null;
        } while (token is not null);

        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("ShardLimit", _settings.MaxShards);
            w.WriteNumber("OpenShardCount", openShards);
            w.WriteNumber("OnDemandStreamCount", onDemand);
            w.WriteNumber("OnDemandStreamCountLimit", ProtocolLimits.OnDemandStreamCountLimit);
            w.WriteEndObject();
        });
    }
}
