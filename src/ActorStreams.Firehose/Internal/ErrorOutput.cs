using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Writes records that could not be transformed or delivered to the error output: one object per buffer and error
/// output type under the error output prefix, a JSON line per record
/// (<c>attemptsMade, arrivalTimestamp, errorCode, errorMessage, attemptEndingTimestamp, rawData</c>, plus the
/// destination's details), as Firehose does.
/// </summary>
internal static class ErrorOutput
{
    public static async Task WriteAsync(IObjectStore store, DeliveryBuffer buffer, IReadOnlyList<FailedRecord> failed, long nowMs,
        CancellationToken cancellationToken)
    {
        var destination = buffer.Plan.ErrorStore;
        var bucket = DirectoryObjectStore.BucketOfArn(destination.BucketArn, "BucketARN");
        foreach (var group in failed.GroupBy(f => f.ErrorOutputType))
        {
            using var output = new MemoryStream();
            foreach (var f in group)
            {
                using (var w = new Utf8JsonWriter(output))
                {
                    w.WriteStartObject();
                    w.WriteNumber("attemptsMade", f.AttemptsMade);
                    w.WriteNumber("arrivalTimestamp", f.Record.ArrivalMs);
                    w.WriteString("errorCode", f.ErrorCode);
                    w.WriteString("errorMessage", f.ErrorMessage);
                    w.WriteNumber("attemptEndingTimestamp", nowMs);
                    w.WriteBase64String("rawData", f.Record.Data);
                    switch (buffer.Plan.Sink)
                    {
                        case HttpEndpointSink http:
                            w.WriteString("EndpointUrl", http.Destination.Url);
                            if (http.Destination.Name is { } name) w.WriteString("EndpointName", name);
                            break;
                        case WarehouseSink warehouse:
                            w.WriteString("tableName", warehouse.Destination.TableName);
                            break;
                        case SplunkSink splunk:
                            w.WriteString("hecEndpoint", splunk.Destination.HecEndpoint);
                            break;
                        case OpenSearchSink search:
                            w.WriteString("esIndexName", search.IndexFor(f.Record.ArrivalMs));
                            break;
                    }
                    if (f.ErrorOutputType == ObjectNaming.ProcessingFailed && buffer.Plan.Processing?.LambdaArn is { } lambda)
                        w.WriteString("lambdaArn", lambda);
                    w.WriteEndObject();
                }
                output.WriteByte((byte)'\n');
            }
            var oldest = DateTimeOffset.FromUnixTimeMilliseconds(group.Min(f => f.Record.ArrivalMs));
            var id = ErrorObjectId(buffer.BufferId, group.Key);
            string? key;
            try
            {
                key = ObjectNaming.ObjectKey(destination, buffer.Plan.StreamName, buffer.Plan.Version, oldest, id, group.Key);
            }
            catch (FormatException)
            {
                key = null;
            }
            try
            {
                if (key is not null)
                {
                    await store.PutAsync(bucket, key, output.ToArray(), cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }
            catch (DeliveryException e) when (e.Permanent)
            {
                // The error output is where refused records go: when the store refuses its key too, the default
                // error prefix (ERROR-OUTPUT-TYPE/yyyy/MM/dd/HH/) takes them, so nothing waits for a key that never works.
            }
            var fallback = ObjectNaming.ObjectKey(destination with { ErrorOutputPrefix = null }, buffer.Plan.StreamName, buffer.Plan.Version, oldest, id, group.Key);
            await store.PutAsync(bucket, fallback, output.ToArray(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A fixed id per buffer and error type, so a retried write replaces its object and two types never share a key.</summary>
    private static Guid ErrorObjectId(Guid bufferId, string errorOutputType)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(bufferId.ToString("N") + "/" + errorOutputType), hash);
        return new Guid(hash[..16]);
    }
}
