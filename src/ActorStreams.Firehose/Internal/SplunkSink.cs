using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Splunk HTTP Event Collector delivery. Event endpoint: each record becomes one HEC event (a record that already is
/// a JSON object with an <c>event</c> member is sent as it is; any other record is wrapped as
/// <c>{"time":&lt;arrival s&gt;,"event":&lt;the record's JSON, or its text&gt;}</c>). Raw endpoint: the records' bytes, one per
/// line. A 400 (the data is malformed) is permanent; other failures, and an indexer acknowledgment that does not
/// come in time, are retried.
/// </summary>
internal sealed class SplunkSink(SplunkDestination destination, HttpClient http, IObjectStore store, string streamName, TimeProvider? clock = null)
    : DestinationSink
{
    // The acknowledgment timeout runs on the runtime's clock, as the delivery retries do.
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public const string SplunkFailed = "splunk-failed";
    private static readonly TimeSpan AckPollInterval = TimeSpan.FromMilliseconds(100);

    // One channel per delivery stream, stable across restarts, as HEC's indexer acknowledgment wants.
    private readonly string _channel = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes("splunk-channel/" + streamName))[..16]).ToString("D");

    public SplunkDestination Destination { get; } = destination;

    public override string FailureOutputType => SplunkFailed;

    public override TimeSpan? RetryDuration => TimeSpan.FromSeconds(Destination.RetryDurationInSeconds);

    private string Url(string path) => Destination.HecEndpoint.TrimEnd('/') + path;

    public override PreparedDelivery? Prepare(DeliveryBuffer buffer, List<BufferedRecord> records, List<FailedRecord> failed)
    {
        if (records.Count == 0) return null;
        using var body = new MemoryStream();
        foreach (var record in records)
        {
            if (!Destination.EventEndpoint)
            {
                body.Write(record.Data);
                if (record.Data.Length == 0 || record.Data[^1] != (byte)'\n') body.WriteByte((byte)'\n');
                continue;
            }
            if (IsHecEvent(record.Data))
            {
                body.Write(record.Data);
            }
            else
            {
                using var w = new Utf8JsonWriter(body);
                w.WriteStartObject();
                w.WriteNumber("time", record.ArrivalMs / 1000m);
                w.WritePropertyName("event");
                if (IsJson(record.Data)) w.WriteRawValue(record.Data, skipInputValidation: true);
                else w.WriteStringValue(Encoding.UTF8.GetString(record.Data));
                w.WriteEndObject();
            }
            body.WriteByte((byte)'\n');
        }
        return new PreparedHec(records.Count, body.ToArray());
    }

    private static bool IsJson(byte[] data)
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsHecEvent(byte[] data)
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("event", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public override async Task DeliverAsync(DeliveryBuffer buffer, PreparedDelivery prepared, CancellationToken cancellationToken)
    {
        var hec = (PreparedHec)prepared;
        var path = Destination.EventEndpoint ? "/services/collector/event" : "/services/collector/raw";
        using var reply = await SendAsync(Url(path), hec.Body, cancellationToken).ConfigureAwait(false);
        if (reply.Status == HttpStatusCode.BadRequest)
            throw new DeliveryException("Splunk.InvalidDataFormat", $"HEC refused the data as malformed (400{HecCode(reply)}).", permanent: true);
        if (reply.Status != HttpStatusCode.OK)
            throw new DeliveryException($"Splunk.ErrorResponse{(int)reply.Status}", $"HEC answered {DeliveryException.Status(reply.Status)}{HecCode(reply)}.");
        if (reply.Json is not { } json || !json.TryGetProperty("code", out var code) || code.GetInt32() != 0)
            throw new DeliveryException("Splunk.InvalidResponse", $"HEC answered 200 without code 0{HecCode(reply)}.");
        if (!json.TryGetProperty("ackId", out var ackElement)) return;

        // Indexer acknowledgment: the events count once the indexers confirm them.
        var ackId = ackElement.GetInt64();
        var deadline = _clock.GetUtcNow() + TimeSpan.FromSeconds(Destination.HecAcknowledgmentTimeoutInSeconds);
        var ackBody = Encoding.UTF8.GetBytes($"{{\"acks\":[{ackId.ToString(CultureInfo.InvariantCulture)}]}}");
        while (true)
        {
            using var ack = await SendAsync(Url("/services/collector/ack?channel=" + _channel), ackBody, cancellationToken).ConfigureAwait(false);
            if (ack.Status == HttpStatusCode.OK && ack.Json is { } a && a.TryGetProperty("acks", out var acks)
                && acks.ValueKind == JsonValueKind.Object && acks.TryGetProperty(ackId.ToString(CultureInfo.InvariantCulture), out var done) && done.ValueKind == JsonValueKind.True)
                return;
            if (_clock.GetUtcNow() > deadline)
                throw new DeliveryException("Splunk.AckTimeout", $"HEC did not acknowledge ackId {ackId} within {Destination.HecAcknowledgmentTimeoutInSeconds} s.");
            await Task.Delay(AckPollInterval, _clock, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>HEC's numeric status code, never its text: what a destination answers stays out of the statistics.</summary>
    private static string HecCode(HecReply reply) =>
        reply.Json is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number
            ? $", HEC code {code.GetRawText()}" : "";

    private async Task<HecReply> SendAsync(string url, byte[] body, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!string.IsNullOrEmpty(Destination.HecToken)) message.Headers.TryAddWithoutValidation("Authorization", "Splunk " + Destination.HecToken);
        message.Headers.TryAddWithoutValidation("X-Splunk-Request-Channel", _channel);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryException("Splunk.ConnectionFailed", $"Could not reach {Destination.HecEndpoint}: {e.Message}", inner: e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryException("Splunk.Timeout", $"{Destination.HecEndpoint} did not answer in time.", inner: e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            JsonElement? json = null;
            try
            {
                json = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
            }
            return new HecReply(response.StatusCode, text, json);
        }
    }

    public override async Task AfterDeliveryAsync(DeliveryBuffer buffer, CancellationToken cancellationToken)
    {
        if (!Destination.BackupAllEvents) return;
        var backup = Destination.S3Configuration;
        var obj = ObjectStoreSink.PrepareObject(backup, buffer, buffer.Records);
        await store.PutAsync(DirectoryObjectStore.BucketOfArn(backup.BucketArn, "S3Configuration.BucketARN"), obj.Key, obj.Bytes, cancellationToken).ConfigureAwait(false);
    }

    private sealed record HecReply(HttpStatusCode Status, string Text, JsonElement? Json) : IDisposable
    {
        public void Dispose() { }
    }

    private sealed record PreparedHec(int RecordCount, byte[] Body) : PreparedDelivery(RecordCount);
}
