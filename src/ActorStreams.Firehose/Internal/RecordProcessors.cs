using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ActorStreams.Kinesis.Aggregation;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Firehose's built-in processors, around the transformation: Decompression, CloudWatchLogProcessing and
/// RecordDeAggregation before it, AppendDelimiterToRecord after it (and after MetadataExtraction). A record a processor
/// cannot take is that record's failure, never its buffer's: it goes to <c>failed</c> with the processor's error code.
/// </summary>
internal static class RecordProcessors
{
    public const string DecompressionErrorCode = "Decompression.InvalidInput";
    public const string CloudWatchLogsErrorCode = "CloudWatchLogProcessing.InvalidInput";
    public const string DeAggregationErrorCode = "RecordDeAggregation.InvalidInput";

    public const string Gzip = "GZIP";
    public const string Json = "JSON";
    public const string Delimited = "DELIMITED";
    public const string Kpl = "KPL";

    /// <summary>The newline AppendDelimiterToRecord appends when it has no Delimiter.</summary>
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    // A header of 10 bytes, an empty deflate block, and the trailer's CRC-32 and size.
    private const int GzipMinimumBytes = 20;

    // A decompressed record larger than this is refused (a small GZIP can unpack to gigabytes).
    private const int MaxDecompressedBytes = 64 * 1024 * 1024;

    public static bool ProcessesBeforeTransformation(ProcessingConfiguration p) =>
        p.DecompressionFormat is not null || p.CloudWatchLogDataMessageExtraction || p.DeAggregationSubRecordType is not null;

    /// <summary>Decompression, CloudWatchLogProcessing and RecordDeAggregation, in that order, record by record.</summary>
    public static List<BufferedRecord> BeforeTransformation(IReadOnlyList<BufferedRecord> records, ProcessingConfiguration p, List<FailedRecord> failed)
    {
        var output = new List<BufferedRecord>(records.Count);
        var delimiter = p.DeAggregationDelimiter is { } d ? Convert.FromBase64String(d) : null;
        var parts = new List<byte[]>();
        foreach (var record in records)
        {
            parts.Clear();
            var data = record.Data;
            string? error;
            if (p.DecompressionFormat is not null && !TryGunzip(data, out data, out error))
            {
                failed.Add(new FailedRecord(record, ObjectNaming.DecompressionFailed, DecompressionErrorCode, error, 1));
                continue;
            }
            if (p.CloudWatchLogDataMessageExtraction)
            {
                if (!TryExtractMessages(data, parts, out error))
                {
                    failed.Add(new FailedRecord(record, ObjectNaming.ProcessingFailed, CloudWatchLogsErrorCode, error, 1));
                    continue;
                }
            }
            else
            {
                parts.Add(data);
            }
            if (p.DeAggregationSubRecordType is { } type)
            {
                var split = new List<byte[]>();
                error = null;
                foreach (var part in parts)
                {
                    if (!TrySplit(part, type, delimiter, split, out error)) break;
                }
                if (error is not null)
                {
                    failed.Add(new FailedRecord(record, ObjectNaming.ProcessingFailed, DeAggregationErrorCode, error, 1));
                    continue;
                }
                parts.Clear();
                parts.AddRange(split);
            }
            foreach (var part in parts) output.Add(new BufferedRecord(record.ArrivalMs, part));
        }
        return output;
    }

    /// <summary>AppendDelimiterToRecord: the delimiter (a newline by default) after every record.</summary>
    public static void AppendDelimiter(List<BufferedRecord> records, ProcessingConfiguration p)
    {
        if (!p.AppendDelimiterToRecord) return;
        var delimiter = p.RecordDelimiter is { } d ? Convert.FromBase64String(d) : NewLine;
        for (var i = 0; i < records.Count; i++)
            records[i] = records[i] with { Data = [.. records[i].Data, .. delimiter] };
    }

    /// <summary>
    /// A Kinesis-sourced delivery stream's records: KPL aggregates become their user records, as Firehose does by itself;
    /// anything else (an aggregate that does not read included, as the KCL does) is one record.
    /// </summary>
    public static IEnumerable<byte[]> UserRecordsOf(ReadOnlyMemory<byte> data)
    {
        if (!KplAggregate.HasMagicBytes(data.Span)) return [data.ToArray()];
        var decoded = new List<DecodedUserRecord>();
        return KplAggregate.TryDecode(data, decoded) ? decoded.Select(u => u.Data.ToArray()) : [data.ToArray()];
    }

    private static bool TryGunzip(byte[] data, out byte[] output, out string error)
    {
        output = data;
        error = "";
        try
        {
            using var gzip = new GZipStream(new MemoryStream(data, writable: false), CompressionMode.Decompress);
            using var result = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = gzip.Read(chunk)) > 0)
            {
                if (result.Length + read > MaxDecompressedBytes)
                {
                    error = $"The record decompresses to more than {MaxDecompressedBytes} bytes.";
                    return false;
                }
                result.Write(chunk, 0, read);
            }
            // GZipStream ends quietly at the end of a truncated input; the trailer tells. Its last four bytes are the
            // size of the last member, which is the whole output for one member (what CloudWatch Logs sends) and less
            // for several; the bytes a cut leaves there are all but never a size that fits.
            if (data.Length < GzipMinimumBytes || BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 4)) > result.Length)
            {
                error = "The record is not complete GZIP-compressed data (truncated or empty).";
                return false;
            }
            output = result.ToArray();
            return true;
        }
        catch (InvalidDataException e)
        {
            error = $"The record is not valid GZIP-compressed data: {e.Message}";
            return false;
        }
    }

    /// <summary>
    /// CloudWatch Logs data message extraction: the messages of a <c>DATA_MESSAGE</c>'s log events; a
    /// <c>CONTROL_MESSAGE</c> gives none.
    /// </summary>
    private static bool TryExtractMessages(byte[] data, List<byte[]> messages, out string error)
    {
        error = "";
        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("messageType", out var type) || type.ValueKind != JsonValueKind.String)
            {
                error = "The record is not a CloudWatch Logs envelope (no messageType).";
                return false;
            }
            switch (type.GetString())
            {
                case "CONTROL_MESSAGE":
                    return true;
                case "DATA_MESSAGE" when root.TryGetProperty("logEvents", out var events) && events.ValueKind == JsonValueKind.Array:
                    foreach (var e in events.EnumerateArray())
                    {
                        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String)
                        {
                            error = "A log event of the CloudWatch Logs envelope has no message.";
                            return false;
                        }
                        messages.Add(Encoding.UTF8.GetBytes(message.GetString()!));
                    }
                    return true;
                default:
                    error = $"The CloudWatch Logs envelope has messageType {type.GetString()} and no logEvents array.";
                    return false;
            }
        }
        catch (JsonException e)
        {
            error = $"The record is not JSON: {e.Message}";
            return false;
        }
    }

    private static bool TrySplit(byte[] data, string type, byte[]? delimiter, List<byte[]> output, out string? error)
    {
        error = null;
        var before = output.Count;
        switch (type)
        {
            case Kpl:
                if (!KplAggregate.HasMagicBytes(data))
                {
                    output.Add(data);
                    return true;
                }
                var decoded = new List<DecodedUserRecord>();
                if (!KplAggregate.TryDecode(data, decoded))
                {
                    error = "The record has the KPL magic bytes but is not a well-formed aggregate (MD5, protobuf or key index).";
                    return false;
                }
                output.AddRange(decoded.Select(u => u.Data.ToArray()));
                break;
            case Json:
                if (!TrySplitJson(data, output, out error)) return false;
                break;
            default:
                var rest = data.AsSpan();
                while (rest.Length > 0)
                {
                    var at = rest.IndexOf(delimiter);
                    var piece = at < 0 ? rest : rest[..at];
                    if (piece.Length > 0) output.Add(piece.ToArray());
                    if (at < 0) break;
                    rest = rest[(at + delimiter!.Length)..];
                }
                break;
        }
        if (output.Count - before > FirehoseLimits.MaxDeAggregatedRecords)
        {
            error = $"The record holds {output.Count - before} records; RecordDeAggregation takes at most {FirehoseLimits.MaxDeAggregatedRecords} from one.";
            return false;
        }
        return true;
    }

    /// <summary>Consecutive JSON objects, with or without whitespace (newlines) between them; an array is not accepted.</summary>
    private static bool TrySplitJson(byte[] data, List<byte[]> output, out string? error)
    {
        error = null;
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    error = $"The record holds a JSON {reader.TokenType} where RecordDeAggregation (JSON) expects objects.";
                    return false;
                }
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                output.Add(data[start..(int)(reader.BytesConsumed)]);
            }
            return true;
        }
        catch (JsonException e)
        {
            error = $"The record is not consecutive JSON objects: {e.Message}";
            return false;
        }
    }
}
