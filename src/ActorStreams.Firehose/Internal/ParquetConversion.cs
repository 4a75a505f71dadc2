using System.Globalization;
using System.Text.Json;
using ActorStreams.Internal;
using Parquet;
using Parquet.Schema;

namespace ActorStreams.Firehose.Internal;

/// <summary>JSON records to one Parquet object by a declared schema; records that do not fit go to <c>format-conversion-failed</c>.</summary>
internal static class ParquetConversion
{
    public static readonly string[] Types = ["string", "int", "bigint", "double", "boolean", "timestamp"];

    public static void Validate(DataFormatConversion conversion, string member)
    {
        if (!conversion.Enabled) return;
        if (conversion.Columns.Count == 0) throw new InvalidArgumentException($"{member}: format conversion needs at least one column.");
        foreach (var column in conversion.Columns)
        {
            if (string.IsNullOrWhiteSpace(column.Name)) throw new InvalidArgumentException($"{member}: a column has no name.");
            if (!Types.Contains(column.Type)) throw new InvalidArgumentException($"{member}: column {column.Name} has type '{column.Type}'; use one of {string.Join(", ", Types)}.");
        }
        if (conversion.Columns.Select(c => c.Name.ToLowerInvariant()).Distinct().Count() != conversion.Columns.Count)
            throw new InvalidArgumentException($"{member}: column names must be unique (case-insensitive).");
    }

    /// <summary>The Parquet bytes of the records that fit; the others are added to <paramref name="failed"/>.</summary>
    public static byte[]? Convert(DataFormatConversion conversion, IReadOnlyList<BufferedRecord> records, List<FailedRecord> failed)
    {
        var columns = conversion.Columns;
        var rows = new List<object?[]>(records.Count);
        foreach (var record in records)
        {
            try
            {
                using var doc = JsonDocument.Parse(record.Data);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException($"the record is {doc.RootElement.ValueKind}, not a JSON object");
                var row = new object?[columns.Count];
                for (var i = 0; i < columns.Count; i++)
                {
                    JsonElement? value = null;
                    foreach (var m in doc.RootElement.EnumerateObject())
                    {
                        if (string.Equals(m.Name, columns[i].Name, StringComparison.OrdinalIgnoreCase))
                        {
                            value = m.Value;
                            break;
                        }
                    }
                    row[i] = value is null || value.Value.ValueKind == JsonValueKind.Null ? null : Value(columns[i], value.Value);
                }
                rows.Add(row);
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException or ArgumentException)
            {
                failed.Add(new FailedRecord(record, ObjectNaming.FormatConversionFailed, "DataFormatConversion.InvalidInput", e.Message, 0));
            }
        }
        if (rows.Count == 0) return null;

        var fields = columns.Select(Field).ToArray();
        using var stream = new MemoryStream();
        var options = new ParquetOptions
        {
            CompressionMethod = conversion.Compression switch
            {
                ParquetCompression.Gzip => CompressionMethod.Gzip,
                ParquetCompression.Uncompressed => CompressionMethod.None,
                _ => CompressionMethod.Snappy,
            },
        };
        // All in memory: the writes complete synchronously.
        WriteAsync(stream, fields, columns, rows, options).GetAwaiter().GetResult();
        return stream.ToArray();
    }

    private static async Task WriteAsync(MemoryStream stream, DataField[] fields, IReadOnlyList<ParquetColumn> columns, List<object?[]> rows, ParquetOptions options)
    {
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, options).ConfigureAwait(false);
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < fields.Length; i++)
        {
            var index = i;
            switch (columns[i].Type)
            {
                case "string":
                    await group.WriteAsync(fields[i], rows.Select(r => (string)r[index]!).ToArray()).ConfigureAwait(false);
                    break;
                case "int":
                    await group.WriteAsync<int>(fields[i], rows.Select(r => (int?)r[index]).ToArray().AsMemory()).ConfigureAwait(false);
                    break;
                case "bigint":
                    await group.WriteAsync<long>(fields[i], rows.Select(r => (long?)r[index]).ToArray().AsMemory()).ConfigureAwait(false);
                    break;
                case "double":
                    await group.WriteAsync<double>(fields[i], rows.Select(r => (double?)r[index]).ToArray().AsMemory()).ConfigureAwait(false);
                    break;
                case "boolean":
                    await group.WriteAsync<bool>(fields[i], rows.Select(r => (bool?)r[index]).ToArray().AsMemory()).ConfigureAwait(false);
                    break;
                case "timestamp":
                    await group.WriteAsync<DateTime>(fields[i], rows.Select(r => (DateTime?)r[index]).ToArray().AsMemory()).ConfigureAwait(false);
                    break;
            }
        }
    }

    private static DataField Field(ParquetColumn c) => c.Type switch
    {
        "string" => new DataField<string>(c.Name, true),
        "int" => new DataField<int?>(c.Name, true),
        "bigint" => new DataField<long?>(c.Name, true),
        "double" => new DataField<double?>(c.Name, true),
        "boolean" => new DataField<bool?>(c.Name, true),
        _ => new DataField<DateTime?>(c.Name, true),
    };

    private static object Value(ParquetColumn column, JsonElement v) => column.Type switch
    {
        "string" => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText(),
        "int" => v.ValueKind == JsonValueKind.Number ? v.GetInt32() : throw Mismatch(column, v),
        "bigint" => v.ValueKind == JsonValueKind.Number ? v.GetInt64() : throw Mismatch(column, v),
        "double" => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Mismatch(column, v),
        "boolean" => v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Mismatch(column, v),
        _ => v.ValueKind == JsonValueKind.Number ? Timestamp(column, v.GetInt64())
            : v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                ? t.UtcDateTime : throw Mismatch(column, v),
    };

    /// <summary>Epoch milliseconds within what a timestamp column holds (years 1 to 9999), else the record does not fit.</summary>
    private static DateTime Timestamp(ParquetColumn column, long epochMs) =>
        epochMs is < MinTimestampMs or > MaxTimestampMs
            ? throw new FormatException($"member {column.Name} is {epochMs} ms since the epoch, outside the range of column type timestamp (years 1 to 9999)")
            : DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime;

    private const long MinTimestampMs = -62_135_596_800_000, MaxTimestampMs = 253_402_300_799_999;

    private static FormatException Mismatch(ParquetColumn column, JsonElement v) =>
        new($"member {column.Name} is {v.ValueKind}, which does not fit column type {column.Type}");
}
