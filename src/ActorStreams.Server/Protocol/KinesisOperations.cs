using System.IO.Pipelines;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ActorStreams.Kinesis;
using ActorStreams.Server.Protocol.Model;
using ActorStreams.Settings;
using Akka.Actor;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// The Kinesis operations of the JSON protocol. Each handler parses its request, calls <see cref="ActorStreamsClient"/>
/// and writes the reply with a <see cref="Utf8JsonWriter"/> straight into the response pipe; validation beyond
/// the JSON shape is the runtime's.
/// </summary>
internal sealed partial class KinesisOperations
{
    public delegate Task Handler(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken);

    private readonly ActorStreamsClient _client;
    private readonly ActorStreamsSettings _settings;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, Handler>.AlternateLookup<ReadOnlySpan<char>> _byName;

    public KinesisOperations(ActorStreamsClient client, ActorSystem system)
    {
        _client = client;
        _settings = ActorStreamsSettings.Create(system);
        _clock = ActorStreamsExtension.Get(system).Clock;
        var handlers = new Dictionary<string, Handler>(StringComparer.Ordinal)
        {
            ["CreateStream"] = CreateStreamAsync,
            ["DeleteStream"] = DeleteStreamAsync,
            ["DescribeStream"] = DescribeStreamAsync,
            ["DescribeStreamSummary"] = DescribeStreamSummaryAsync,
            ["ListStreams"] = ListStreamsAsync,
            ["ListShards"] = ListShardsAsync,
            ["PutRecord"] = PutRecordAsync,
            ["PutRecords"] = PutRecordsAsync,
            ["GetShardIterator"] = GetShardIteratorAsync,
            ["GetRecords"] = GetRecordsAsync,
            ["IncreaseStreamRetentionPeriod"] = IncreaseStreamRetentionPeriodAsync,
            ["DecreaseStreamRetentionPeriod"] = DecreaseStreamRetentionPeriodAsync,
            ["StartStreamEncryption"] = StartStreamEncryptionAsync,
            ["StopStreamEncryption"] = StopStreamEncryptionAsync,
            ["AddTagsToStream"] = AddTagsToStreamAsync,
            ["RemoveTagsFromStream"] = RemoveTagsFromStreamAsync,
            ["ListTagsForStream"] = ListTagsForStreamAsync,
            ["DescribeLimits"] = DescribeLimitsAsync,
            ["RegisterStreamConsumer"] = RegisterStreamConsumerAsync,
            ["DescribeStreamConsumer"] = DescribeStreamConsumerAsync,
            ["ListStreamConsumers"] = ListStreamConsumersAsync,
            ["DeregisterStreamConsumer"] = DeregisterStreamConsumerAsync,
            ["TagResource"] = TagResourceAsync,
            ["UntagResource"] = UntagResourceAsync,
            ["ListTagsForResource"] = ListTagsForResourceAsync,
            ["SplitShard"] = SplitShardAsync,
            ["MergeShards"] = MergeShardsAsync,
            ["UpdateShardCount"] = UpdateShardCountAsync,
            ["UpdateStreamMode"] = UpdateStreamModeAsync,
            ["EnableEnhancedMonitoring"] = EnableEnhancedMonitoringAsync,
            ["DisableEnhancedMonitoring"] = DisableEnhancedMonitoringAsync,
            ["DescribeAccountSettings"] = DescribeAccountSettingsAsync,
            ["UpdateStreamWarmThroughput"] = UpdateStreamWarmThroughputAsync,
            ["UpdateMaxRecordSize"] = UpdateMaxRecordSizeAsync,
            ["UpdateStreamRecordDistributionStrategy"] = UpdateStreamRecordDistributionStrategyAsync,
            ["PutResourcePolicy"] = PutResourcePolicyAsync,
            ["GetResourcePolicy"] = GetResourcePolicyAsync,
            ["DeleteResourcePolicy"] = DeleteResourcePolicyAsync,
            ["UpdateAccountSettings"] = UpdateAccountSettingsAsync,
        };
        _byName = WithModelChecks(ApiModel.Instance.Kinesis, handlers).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// The request pipeline: every handler runs only on a body that passed its operation's type check and validation
    /// against the API model (<see cref="RequestValidator"/>), so a handler's own checks are the operation's semantics.
    /// </summary>
    internal static Dictionary<string, Handler> WithModelChecks(ApiService service, Dictionary<string, Handler> handlers)
    {
        var checkedHandlers = new Dictionary<string, Handler>(StringComparer.Ordinal);
        foreach (var (name, handler) in handlers)
        {
            checkedHandlers[name] = service.Operations.TryGetValue(name, out var input) && input is not null
                ? (request, output, cancellationToken) =>
                {
                    RequestValidator.Check(service, input, request.Root);
                    return handler(request, output, cancellationToken);
                }
                : handler;
        }
        return checkedHandlers;
    }

    public bool TryGet(ReadOnlySpan<char> operation, out Handler handler) => _byName.TryGetValue(operation, out handler!);

    private static ValidationException OutOfRange(string member, int value, int min, int max) =>
        new($"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value " +
            (value < min ? $"greater than or equal to {min}" : $"less than or equal to {max}"));

    private static int? Range(int? value, string member, int min, int max) =>
        value is { } v && (v < min || v > max) ? throw OutOfRange(member, v, min, max) : value;

    /// <summary>Messages and keys keep their quotes and non-ASCII characters readable, as AWS writes them.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static async Task WriteAsync(PipeWriter output, Action<Utf8JsonWriter> write)
    {
        await using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            write(writer);
        }
        await output.FlushAsync();
    }

    /// <summary>
    /// Operations without an output shape in AWS's model (AddTagsToStream, CreateStream, SplitShard...) answer HTTP 200 with an
    /// empty body, as Kinesis does: nothing is written, so the response goes out with <c>Content-Length: 0</c> and the
    /// request's content type (CBOR: <see cref="KinesisCbor.WriteResponse"/> keeps an empty reply empty).
    /// </summary>
    private static Task WriteEmptyAsync(PipeWriter output) => Task.CompletedTask;

    /// <summary>Kinesis timestamps are epoch seconds with a millisecond fraction.</summary>
    private static void WriteTimestamp(Utf8JsonWriter w, string name, DateTimeOffset time) =>
        w.WriteNumber(name, time.ToUnixTimeMilliseconds() / 1000m);

    private static string StatusText(StreamStatus status) => status switch
    {
        StreamStatus.Creating => "CREATING",
        StreamStatus.Deleting => "DELETING",
        StreamStatus.Updating => "UPDATING",
        _ => "ACTIVE",
    };

    private static string ModeText(StreamMode mode) => mode == StreamMode.OnDemand ? "ON_DEMAND" : "PROVISIONED";

    private static void WriteModeDetails(Utf8JsonWriter w, StreamMode mode)
    {
        w.WriteStartObject("StreamModeDetails");
        w.WriteString("StreamMode", ModeText(mode));
        w.WriteEndObject();
    }

    private static void WriteShard(Utf8JsonWriter w, StreamShardDescription s)
    {
        w.WriteStartObject();
        w.WriteString("ShardId", s.ShardId.ToString());
        if (s.ParentShardId is { } parent) w.WriteString("ParentShardId", parent.ToString());
        if (s.AdjacentParentShardId is { } adjacent) w.WriteString("AdjacentParentShardId", adjacent.ToString());
        w.WriteStartObject("HashKeyRange");
        w.WriteString("StartingHashKey", s.HashKeyRange.StartingHashKeyText);
        w.WriteString("EndingHashKey", s.HashKeyRange.EndingHashKeyText);
        w.WriteEndObject();
        w.WriteStartObject("SequenceNumberRange");
        w.WriteString("StartingSequenceNumber", s.SequenceNumberRange.StartingSequenceNumber);
        if (s.SequenceNumberRange.EndingSequenceNumber is { } end) w.WriteString("EndingSequenceNumber", end);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static StreamMode ParseMode(string text) => text switch
    {
        "PROVISIONED" => StreamMode.Provisioned,
        "ON_DEMAND" => StreamMode.OnDemand,
        _ => throw new ValidationException(
            $"1 validation error detected: Value '{text}' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]"),
    };

    private static ShardIteratorType ParseIteratorType(string text) => text switch
    {
        "AT_SEQUENCE_NUMBER" => ShardIteratorType.AtSequenceNumber,
        "AFTER_SEQUENCE_NUMBER" => ShardIteratorType.AfterSequenceNumber,
        "TRIM_HORIZON" => ShardIteratorType.TrimHorizon,
        "LATEST" => ShardIteratorType.Latest,
        "AT_TIMESTAMP" => ShardIteratorType.AtTimestamp,
        _ => throw new ValidationException(
            $"1 validation error detected: Value '{text}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]"),
    };

    /// <summary>Shards after <paramref name="exclusiveStartShardId"/> (by index); an id that is not a shard id starts at the beginning, as Kinesis does.</summary>
    private static int StartAfter(IReadOnlyList<StreamShardDescription> shards, string? exclusiveStartShardId)
    {
        if (exclusiveStartShardId is null || !StreamShardId.TryParse(exclusiveStartShardId, out var after)) return 0;
        var i = 0;
        while (i < shards.Count && shards[i].ShardId.Index <= after.Index) i++;
        return i;
    }

    private static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
