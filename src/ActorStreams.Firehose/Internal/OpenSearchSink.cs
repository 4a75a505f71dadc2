using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// OpenSearch / Elasticsearch <c>_bulk</c> delivery: NDJSON, one <c>index</c> action per record with the document id
/// <c>&lt;buffer id&gt;-&lt;index&gt;</c>, so a buffer indexed again replaces its documents. Items answered 429 or 5xx are
/// sent again (only those); other refused items go to the error output.
/// </summary>
internal sealed class OpenSearchSink(OpenSearchDestination destination, HttpClient http, IObjectStore store) : DestinationSink
{
    public const string OpenSearchFailed = "AmazonOpenSearchService-failed";

    public OpenSearchDestination Destination { get; } = destination;

    public const string OpenSearchServerlessFailed = "AmazonOpenSearchServerless-failed";

    public override string FailureOutputType => Destination.Serverless ? OpenSearchServerlessFailed : OpenSearchFailed;

    public override TimeSpan? RetryDuration => TimeSpan.FromSeconds(Destination.RetryDurationInSeconds);

    /// <summary>The index a record goes to, by its arrival time.</summary>
    public string IndexFor(long arrivalMs)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(arrivalMs).UtcDateTime;
        var inv = CultureInfo.InvariantCulture;
        return Destination.IndexRotationPeriod switch
        {
            IndexRotationPeriod.OneHour => Destination.IndexName + t.ToString("-yyyy-MM-dd-HH", inv),
            IndexRotationPeriod.OneDay => Destination.IndexName + t.ToString("-yyyy-MM-dd", inv),
            IndexRotationPeriod.OneWeek => $"{Destination.IndexName}-{ISOWeek.GetYear(t)}-w{ISOWeek.GetWeekOfYear(t):D2}",
            IndexRotationPeriod.OneMonth => Destination.IndexName + t.ToString("-yyyy-MM", inv),
            _ => Destination.IndexName,
        };
    }

    public override PreparedDelivery? Prepare(DeliveryBuffer buffer, List<BufferedRecord> records, List<FailedRecord> failed)
    {
        var items = new List<BulkItem>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            byte[] document;
            try
            {
                // One line per document: re-written compactly (NDJSON has no room for the record's own newlines).
                using var doc = JsonDocument.Parse(record.Data);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException($"it is {doc.RootElement.ValueKind}, not an object");
                using var compact = new MemoryStream(record.Data.Length);
                using (var w = new Utf8JsonWriter(compact)) doc.WriteTo(w);
                document = compact.ToArray();
            }
            catch (JsonException e)
            {
                failed.Add(new FailedRecord(record, FailureOutputType, "OS.MalformedJson", $"The record is not a JSON object: {e.Message}", 0));
                continue;
            }
            var action = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["index"] = Destination.TypeName is { } type
                    ? new Dictionary<string, string> { ["_index"] = IndexFor(record.ArrivalMs), ["_type"] = type, ["_id"] = $"{buffer.BufferId:N}-{i}" }
                    : new Dictionary<string, string> { ["_index"] = IndexFor(record.ArrivalMs), ["_id"] = $"{buffer.BufferId:N}-{i}" },
            });
            items.Add(new BulkItem(record, action, document));
        }
        return items.Count == 0 ? null : new PreparedBulk(items);
    }

    public override async Task DeliverAsync(DeliveryBuffer buffer, PreparedDelivery prepared, CancellationToken cancellationToken)
    {
        var bulk = (PreparedBulk)prepared;
        var pending = bulk.Pending;
        using var body = new MemoryStream();
        foreach (var item in pending)
        {
            body.Write(item.Action);
            body.WriteByte((byte)'\n');
            body.Write(item.Document);
            body.WriteByte((byte)'\n');
        }
        using var message = new HttpRequestMessage(HttpMethod.Post, Destination.ClusterEndpoint.TrimEnd('/') + "/_bulk") { Content = new ByteArrayContent(body.ToArray()) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryException("OS.ConnectionFailed", $"Could not reach {Destination.ClusterEndpoint}: {e.Message}", inner: e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryException("OS.Timeout", $"{Destination.ClusterEndpoint} did not answer in time.", inner: e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge)
                throw new DeliveryException("OS.PayloadTooLarge", $"{Destination.ClusterEndpoint} answered 413.", permanent: true);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new DeliveryException($"OS.ErrorResponse{(int)response.StatusCode}", $"_bulk answered {DeliveryException.Status(response.StatusCode)}.");
            JsonElement items;
            try
            {
                items = JsonDocument.Parse(text).RootElement.GetProperty("items").Clone();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new DeliveryException("OS.InvalidResponse", "_bulk answered 200 without items.");
            }
            if (items.GetArrayLength() != pending.Count)
                throw new DeliveryException("OS.InvalidResponse", $"_bulk answered {items.GetArrayLength()} items for {pending.Count} actions.");
            var retry = new List<BulkItem>();
            var i = 0;
            foreach (var element in items.EnumerateArray())
            {
                var item = pending[i++];
                var result = element.EnumerateObject().First().Value;
                var status = result.GetProperty("status").GetInt32();
                if (status is >= 200 and < 300) continue;
                if (status == 429 || status >= 500)
                {
                    retry.Add(item);
                    continue;
                }
                var error = result.TryGetProperty("error", out var e) ? e : default;
                var type = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("type", out var t) ? t.GetString() : $"status {status}";
                var reason = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("reason", out var r) ? r.GetString() : $"status {status}";
                bulk.Refused.Add(new FailedRecord(item.Record, FailureOutputType, $"OS.{type}", reason ?? "", 1));
            }
            bulk.Pending = retry;
            if (retry.Count > 0)
                throw new DeliveryException("OS.TooManyRequests", $"{retry.Count} of {pending.Count} documents were refused for now (429 or 5xx); sending them again.");
        }
    }

    public override IReadOnlyList<FailedRecord> RefusedRecords(PreparedDelivery prepared) => ((PreparedBulk)prepared).Refused;

    public override IEnumerable<BufferedRecord> Undelivered(PreparedDelivery? prepared, IReadOnlyList<BufferedRecord> output) =>
        prepared is PreparedBulk bulk ? bulk.Pending.Select(i => i.Record).Concat(bulk.Refused.Select(f => f.Record)) : output;

    public override async Task AfterDeliveryAsync(DeliveryBuffer buffer, CancellationToken cancellationToken)
    {
        if (!Destination.BackupAllDocuments) return;
        var backup = Destination.S3Configuration;
        var obj = ObjectStoreSink.PrepareObject(backup, buffer, buffer.Records);
        await store.PutAsync(DirectoryObjectStore.BucketOfArn(backup.BucketArn, "S3Configuration.BucketARN"), obj.Key, obj.Bytes, cancellationToken).ConfigureAwait(false);
    }

    private sealed record BulkItem(BufferedRecord Record, byte[] Action, byte[] Document);

    /// <summary>What is still to send, and what the cluster refused for good, across the attempts of one buffer.</summary>
    private sealed record PreparedBulk : PreparedDelivery
    {
        public PreparedBulk(List<BulkItem> items) : base(items.Count) => Pending = items;

        public List<BulkItem> Pending { get; set; }

        public List<FailedRecord> Refused { get; } = new();
    }
}
