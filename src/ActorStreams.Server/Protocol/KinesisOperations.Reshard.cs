using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

internal sealed partial class KinesisOperations
{
    private async Task SplitShardAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        await _client.SplitShardAsync(name, request.ShardId("ShardToSplit") ?? throw KinesisRequest.Missing("shardToSplit"),
            request.RequiredString("NewStartingHashKey", "newStartingHashKey"), cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task MergeShardsAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        await _client.MergeShardsAsync(name, request.ShardId("ShardToMerge") ?? throw KinesisRequest.Missing("shardToMerge"),
            request.ShardId("AdjacentShardToMerge") ?? throw KinesisRequest.Missing("adjacentShardToMerge"), cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task UpdateShardCountAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var target = request.RequiredInt("TargetShardCount", "targetShardCount");
        var scalingType = request.RequiredString("ScalingType", "scalingType") switch
        {
            "UNIFORM_SCALING" => ScalingType.UniformScaling,
            var other => throw new ValidationException(
                $"1 validation error detected: Value '{other}' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]"),
        };
        var result = await _client.UpdateShardCountAsync(name, target, scalingType, cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("StreamName", result.StreamName);
            w.WriteNumber("CurrentShardCount", result.CurrentShardCount);
            w.WriteNumber("TargetShardCount", result.TargetShardCount);
            w.WriteString("StreamARN", result.StreamArn);
            w.WriteEndObject();
        });
    }

    private async Task UpdateStreamModeAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var details = request.Object("StreamModeDetails") ?? throw KinesisRequest.Missing("streamModeDetails");
        var mode = ParseMode(KinesisRequest.RequiredString(details, "StreamMode", "streamModeDetails.streamMode"));
        await _client.UpdateStreamModeAsync(name, mode, request.Int("WarmThroughputMiBps"), cancellationToken);
        await WriteEmptyAsync(output);
    }

    /// <summary>The <c>ChildShards</c> member of GetRecords (and of SubscribeToShard events).</summary>
    internal static void WriteChildShards(Utf8JsonWriter w, IReadOnlyList<ChildShard> children)
    {
        w.WriteStartArray("ChildShards");
        foreach (var child in children)
        {
            w.WriteStartObject();
            w.WriteString("ShardId", child.ShardId.ToString());
            w.WriteStartArray("ParentShards");
            foreach (var parent in child.ParentShards) w.WriteStringValue(parent.ToString());
            w.WriteEndArray();
            w.WriteStartObject("HashKeyRange");
            w.WriteString("StartingHashKey", child.HashKeyRange.StartingHashKeyText);
            w.WriteString("EndingHashKey", child.HashKeyRange.EndingHashKeyText);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>Base64 of this many bytes at a time: a multiple of 3, so that only the last piece is padded.</summary>
    private const int BlobPieceBytes = 48 * 1024;

    /// <summary>
    /// A blob member written in pieces: the writer asks its output for one piece's room at a time instead of one
    /// contiguous buffer for the whole encoded value (13.3 MiB for a 10 MiB record, rented from the shared array pool
    /// and kept there after the reply).
    /// </summary>
    internal static void WriteBlob(Utf8JsonWriter w, string name, ReadOnlySpan<byte> data)
    {
        if (data.Length <= BlobPieceBytes)
        {
            w.WriteBase64String(name, data);
            return;
        }
        w.WritePropertyName(name);
        for (var offset = 0; offset < data.Length; offset += BlobPieceBytes)
        {
            var piece = data.Slice(offset, Math.Min(BlobPieceBytes, data.Length - offset));
            w.WriteBase64StringSegment(piece, isFinalSegment: offset + piece.Length == data.Length);
        }
    }

    /// <summary>The <c>Records</c> member of GetRecords and of SubscribeToShard events.</summary>
    internal static void WriteRecords(Utf8JsonWriter w, IReadOnlyList<StreamRecord> records)
    {
        w.WriteStartArray("Records");
        foreach (var r in records)
        {
            w.WriteStartObject();
            w.WriteString("SequenceNumber", r.SequenceNumber);
            WriteTimestamp(w, "ApproximateArrivalTimestamp", r.ApproximateArrivalTimestamp);
            WriteBlob(w, "Data", r.Data.Span);
            w.WriteString("PartitionKey", r.PartitionKey);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
