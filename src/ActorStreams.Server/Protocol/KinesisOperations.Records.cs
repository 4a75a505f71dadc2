using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Streams;

namespace ActorStreams.Server.Protocol;

internal sealed partial class KinesisOperations
{
    private async Task PutRecordAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var data = KinesisRequest.Blob(request.Root, "Data") ?? throw KinesisRequest.Missing("data");
        var partitionKey = request.RequiredString("PartitionKey", "partitionKey");
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
            var key = KinesisRequest.String(item, "PartitionKey") ?? throw KinesisRequest.Missing($"records.{i + 1}.member.partitionKey");
            entries[i++] = new PutRecordsEntry(data, key, KinesisRequest.String(item, "ExplicitHashKey"));
        }
        var result = await _client.PutRecordsAsync(name, entries, cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("FailedRecordCount", result.FailedRecordCount);
            w.WriteStartArray("Records");
            foreach (var r in result.Records)
            {
                w.WriteStartObject();
                if (r.Succeeded)
                {
                    w.WriteString("SequenceNumber", r.SequenceNumber);
                    w.WriteString("ShardId", r.ShardId?.ToString());
                }
                else
                {
                    w.WriteString("ErrorCode", r.ErrorCode);
                    w.WriteString("ErrorMessage", r.ErrorMessage);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private async Task GetShardIteratorAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var shardId = request.RequiredString("ShardId", "shardId");
        var type = ParseIteratorType(request.RequiredString("ShardIteratorType", "shardIteratorType"));
        var iterator = await _client.GetShardIteratorAsync(name, shardId, type, request.String("StartingSequenceNumber"),
            request.Timestamp("Timestamp"), cancellationToken);
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
        var result = await _client.GetRecordsAsync(iterator, request.Int("Limit"), cancellationToken);
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
