using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

internal sealed partial class KinesisOperations
{
    private async Task PutRecordAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var data = KinesisRequest.Blob(request.Root, "Data") ?? throw KinesisRequest.Missing("data");
        // Optional on an AUTO stream; the client asks for it on others.
        var partitionKey = request.String("PartitionKey");
        var result = await _client.PutRecordAsync(name, data, partitionKey, request.String("ExplicitHashKey"),
            request.String("SequenceNumberForOrdering"), cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("ShardId", result.ShardId.ToString());
            w.WriteString("SequenceNumber", result.SequenceNumber);
            w.WriteEndObject();
        });
    }

    private async Task PutRecordsAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var array = request.Array("Records") ?? throw KinesisRequest.Missing("records");
        var entries = new PutRecordsEntry[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) throw KinesisProtocolException.BadBody("Records must be a list of objects.");
            var data = KinesisRequest.Blob(item, "Data") ?? throw KinesisRequest.Missing($"records.{i + 1}.member.data");
            var key = KinesisRequest.String(item, "PartitionKey");
            entries[i++] = new PutRecordsEntry(data, key, KinesisRequest.String(item, "ExplicitHashKey"));
        }
        var result = await _client.PutRecordsAsync(name, entries, cancellationToken);
        await WriteAsync(output, w => WritePutRecordsResult(w, result));
    }

    private static readonly JsonEncodedText FailedRecordCountName = JsonEncodedText.Encode("FailedRecordCount");
    private static readonly JsonEncodedText RecordsName = JsonEncodedText.Encode("Records");
    private static readonly JsonEncodedText SequenceNumberName = JsonEncodedText.Encode("SequenceNumber");
    private static readonly JsonEncodedText ShardIdName = JsonEncodedText.Encode("ShardId");
    private static readonly JsonEncodedText ErrorCodeName = JsonEncodedText.Encode("ErrorCode");
    private static readonly JsonEncodedText ErrorMessageName = JsonEncodedText.Encode("ErrorMessage");

    // "shardId-000000000042" as quoted UTF-8, per shard index (the first 4,096; beyond that encoded per use).
    private static readonly byte[]?[] QuotedShardIds = new byte[4096][];

    private static byte[] QuotedShardId(StreamShardId shard)
    {
        if ((uint)shard.Index >= (uint)QuotedShardIds.Length) return System.Text.Encoding.ASCII.GetBytes($"\"{shard}\"");
        return QuotedShardIds[shard.Index] ??= System.Text.Encoding.ASCII.GetBytes($"\"{shard}\"");
    }

    /// <summary>
    /// The PutRecords reply. A written entry's sequence number (digits) and shard id (<c>shardId-</c> and digits) need no
    /// escaping, so they go out as raw quoted ASCII, the shard id encoded once per shard rather than once per record;
    /// error entries go through the writer's escaping.
    /// </summary>
    internal static void WritePutRecordsResult(Utf8JsonWriter w, PutRecordsResult result)
    {
        w.WriteStartObject();
        w.WriteNumber(FailedRecordCountName, result.FailedRecordCount);
        w.WriteStartArray(RecordsName);
        Span<byte> quoted = stackalloc byte[64];
        foreach (var r in result.Records)
        {
            w.WriteStartObject();
            if (r.Succeeded && r.SequenceNumber is { Length: <= 62 } sequenceNumber && r.ShardId is { } shard)
            {
                quoted[0] = (byte)'"';
                var n = System.Text.Encoding.ASCII.GetBytes(sequenceNumber, quoted[1..]);
                quoted[n + 1] = (byte)'"';
                w.WritePropertyName(SequenceNumberName);
                w.WriteRawValue(quoted[..(n + 2)], skipInputValidation: true);
                w.WritePropertyName(ShardIdName);
                w.WriteRawValue(QuotedShardId(shard), skipInputValidation: true);
            }
            else if (r.Succeeded)
            {
                w.WriteString(SequenceNumberName, r.SequenceNumber);
                w.WriteString(ShardIdName, r.ShardId?.ToString());
            }
            else
            {
                w.WriteString(ErrorCodeName, r.ErrorCode);
                w.WriteString(ErrorMessageName, r.ErrorMessage);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private async Task GetShardIteratorAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var shardId = request.ShardId("ShardId") ?? throw KinesisRequest.Missing("shardId");
        var type = ParseIteratorType(request.RequiredString("ShardIteratorType", "shardIteratorType"));
        if (type == ShardIteratorType.AtTimestamp)
        {
            if (!request.TryGet("Timestamp", out var raw))
                throw new InvalidArgumentException(
                    "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.");
            // The model check has made it a number; a time past the server's clock is AWS's InvalidArgument, however far.
            var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (!raw.TryGetDecimal(out var seconds) || seconds * 1000m > now)
                throw new InvalidArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: {(raw.TryGetDecimal(out var s) ? (s * 1000m).ToString("0.###", CultureInfo.InvariantCulture) : raw.GetRawText())}, currentTimestampInMillis: {now}"));
        }
        var timestamp = request.Timestamp("Timestamp");
        var iterator = await _client.GetShardIteratorAsync(name, shardId, type, request.String("StartingSequenceNumber"),
            timestamp, cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("ShardIterator", iterator);
            w.WriteEndObject();
        });
    }

    private async Task GetRecordsAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var iterator = request.RequiredString("ShardIterator", "shardIterator");
        var result = await _client.GetRecordsAsync(iterator, request.Int("Limit"), request.String("StreamARN"), cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            WriteRecords(w, result.Records);
            if (result.NextShardIterator is not null) w.WriteString("NextShardIterator", result.NextShardIterator);
            w.WriteNumber("MillisBehindLatest", result.MillisBehindLatest);
            if (result.ChildShards is { } children) WriteChildShards(w, children);
            w.WriteEndObject();
        });
    }
}
