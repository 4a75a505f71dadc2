using System.Globalization;
using System.Text.Json;
using ActorStreams.Kinesis;
using ActorStreams.Server.Protocol;

namespace ActorStreams.Server;

/// <summary>
/// <see cref="ShardEstimator"/> over HTTP: <c>GET /estimate-shards?averageRecordSizeKiB=1&amp;recordsPerSecond=2500&amp;consumers=2</c>,
/// or <c>POST /estimate-shards</c> with the same members in a JSON object. Names are matched without regard to case;
/// <c>consumers</c> defaults to 1. The answer is the estimate with its breakdown (the shard count each limit needs
/// and which limits decided); a missing, malformed or out-of-range input is a 400 with the AWS error body
/// <c>{"__type": "InvalidArgumentException", "message": ...}</c>. It reads no data, so it needs no signature.
/// </summary>
internal static class ShardEstimateEndpoint
{
    public const string Path = "/estimate-shards";

    private const string AverageRecordSizeKiB = "averageRecordSizeKiB";
    private const string RecordsPerSecond = "recordsPerSecond";
    private const string Consumers = "consumers";
    private const int DefaultConsumers = 1;

    /// <summary>The largest JSON body accepted: three numbers need far less.</summary>
    private const int MaxBodyBytes = 16 * 1024;

    public static void Map(WebApplication app)
    {
        app.MapGet(Path, (HttpContext context) => HandleAsync(context, name =>
            context.Request.Query.TryGetValue(name, out var values) ? values.ToString() : null));
        app.MapPost(Path, async (HttpContext context) =>
        {
            JsonDocument document;
            try
            {
                if (context.Request.ContentLength > MaxBodyBytes)
                    throw new InvalidArgumentException($"The request body exceeds {MaxBodyBytes} bytes.");
                // Read at most one byte more than allowed, so a large chunked body is refused without being buffered.
                var buffer = new byte[MaxBodyBytes + 1];
                var length = 0;
                int read;
                while (length < buffer.Length && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
                    length += read;
                if (length > MaxBodyBytes) throw new InvalidArgumentException($"The request body exceeds {MaxBodyBytes} bytes.");
                document = length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(buffer.AsMemory(0, length));
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    document.Dispose();
                    throw new InvalidArgumentException("The request body must be a JSON object with averageRecordSizeKiB, recordsPerSecond and consumers.");
                }
            }
            catch (JsonException e)
            {
                await WriteErrorAsync(context, $"The request body is not valid JSON: {e.Message}");
                return;
            }
            catch (InvalidArgumentException e)
            {
                await WriteErrorAsync(context, e.Message);
                return;
            }
            using (document)
                await HandleAsync(context, name => Member(document.RootElement, name));
        });
    }

    /// <summary>A member of the JSON object by case-insensitive name, as text; a number or a numeric string.</summary>
    private static string? Member(JsonElement obj, string name)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (!p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) continue;
            return p.Value.ValueKind switch
            {
                JsonValueKind.Number => p.Value.GetRawText(),
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Null => null,
                _ => throw new InvalidArgumentException($"{name} must be a number, not {p.Value.ValueKind.ToString().ToLowerInvariant()}."),
            };
        }
        return null;
    }

    private static async Task HandleAsync(HttpContext context, Func<string, string?> input)
    {
        ShardEstimate estimate;
        double size, rate;
        int consumers;
        try
        {
            size = Number(input(AverageRecordSizeKiB), AverageRecordSizeKiB);
            rate = Number(input(RecordsPerSecond), RecordsPerSecond);
            var consumersText = input(Consumers);
            consumers = consumersText is null ? DefaultConsumers
                : int.TryParse(consumersText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c
                : throw new InvalidArgumentException($"{Consumers} must be a whole number, not '{consumersText}'.");
            estimate = ShardEstimator.Estimate(size, rate, consumers);
        }
        catch (InvalidArgumentException e)
        {
            await WriteErrorAsync(context, e.Message);
            return;
        }
        catch (ArgumentOutOfRangeException e)
        {
            await WriteErrorAsync(context, $"{e.ParamName} = {Convert.ToString(e.ActualValue, CultureInfo.InvariantCulture)}: {Reason(e)}");
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await using (var w = new Utf8JsonWriter(response.BodyWriter, KinesisOperations.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("Shards", estimate.Shards);
            w.WriteStartObject("Input");
            w.WriteNumber("AverageRecordSizeKiB", size);
            w.WriteNumber("RecordsPerSecond", rate);
            w.WriteNumber("Consumers", consumers);
            w.WriteEndObject();
            w.WriteStartObject("Breakdown");
            w.WriteNumber("IncomingKiBPerSecond", estimate.IncomingKiBPerSecond);
            w.WriteNumber("OutgoingKiBPerSecond", estimate.OutgoingKiBPerSecond);
            w.WriteNumber("ForWriteBytes", estimate.ForWriteBytes);
            w.WriteNumber("ForWriteRecords", estimate.ForWriteRecords);
            w.WriteNumber("ForReadBytes", estimate.ForReadBytes);
            w.WriteEndObject();
            w.WriteStartArray("DecidedBy");
            foreach (var limit in DecidedBy(estimate)) w.WriteStringValue(limit);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync();
    }

    /// <summary>The per-shard limits whose shard count equals the estimate (none when only the minimum of 1 shard decided).</summary>
    private static IEnumerable<string> DecidedBy(ShardEstimate e)
    {
        if (e.ForWriteBytes == e.Shards) yield return "WriteBytes";
        if (e.ForWriteRecords == e.Shards) yield return "WriteRecords";
        if (e.ForReadBytes == e.Shards) yield return "ReadBytes";
    }

    private static double Number(string? text, string name)
    {
        if (text is null) throw new InvalidArgumentException($"{name} is required.");
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new InvalidArgumentException($"{name} must be a number, not '{text}'.");
    }

    /// <summary>The estimator's own words, without the " (Parameter 'x')" and "Actual value was" lines .NET appends.</summary>
    private static string Reason(ArgumentOutOfRangeException e)
    {
        var message = e.Message;
        var newline = message.IndexOf('\n');
        if (newline >= 0) message = message[..newline];
        var suffix = $" (Parameter '{e.ParamName}')";
        return (message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message).Trim();
    }

    private static async Task WriteErrorAsync(HttpContext context, string message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status400BadRequest;
        response.ContentType = "application/json";
        response.Headers[KinesisEndpoint.ErrorTypeHeader] = InvalidArgumentException.Code;
        await using (var w = new Utf8JsonWriter(response.BodyWriter, KinesisOperations.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("__type", InvalidArgumentException.Code);
            w.WriteString("message", message);
            w.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync();
    }
}
