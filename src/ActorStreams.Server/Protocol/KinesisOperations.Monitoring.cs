using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

// EnableEnhancedMonitoring and DisableEnhancedMonitoring: a stream's shard-level metrics, reported by DescribeStream and
// DescribeStreamSummary as EnhancedMonitoring and exported per shard on /metrics.
internal sealed partial class KinesisOperations
{
    /// <summary>The shard-level metrics in the order Kinesis' API model lists them (ALL expands to all of them).</summary>
    private static readonly (string Name, ShardLevelMetrics Flag)[] ShardLevelMetricNames =
    [
        ("IncomingBytes", ShardLevelMetrics.IncomingBytes),
        ("IncomingRecords", ShardLevelMetrics.IncomingRecords),
        ("OutgoingBytes", ShardLevelMetrics.OutgoingBytes),
        ("OutgoingRecords", ShardLevelMetrics.OutgoingRecords),
        ("WriteProvisionedThroughputExceeded", ShardLevelMetrics.WriteProvisionedThroughputExceeded),
        ("ReadProvisionedThroughputExceeded", ShardLevelMetrics.ReadProvisionedThroughputExceeded),
        ("IteratorAgeMilliseconds", ShardLevelMetrics.IteratorAgeMilliseconds),
    ];

    private Task EnableEnhancedMonitoringAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken) =>
        ChangeEnhancedMonitoringAsync(request, output, enable: true, cancellationToken);

    private Task DisableEnhancedMonitoringAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken) =>
        ChangeEnhancedMonitoringAsync(request, output, enable: false, cancellationToken);

    private async Task ChangeEnhancedMonitoringAsync(KinesisRequest request, PipeWriter output, bool enable, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        // The model has checked the list (1-7 members, each a MetricsName) before this handler runs, all but null members.
        var metrics = ShardLevelMetrics.None;
        var n = 0;
        foreach (var item in (request.Array("ShardLevelMetrics") ?? throw KinesisRequest.Missing("shardLevelMetrics")).EnumerateArray())
        {
            n++;
            var text = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (text == "ALL")
            {
                metrics |= ShardLevelMetrics.All;
                continue;
            }
            var known = ShardLevelMetricNames.FirstOrDefault(m => m.Name == text);
            metrics |= known.Name is not null
                ? known.Flag
                : throw new ValidationException(
                    $"1 validation error detected: Value null at 'shardLevelMetrics.{n}.member' failed to satisfy constraint: Member must not be null");
        }
        var result = enable
            ? await _client.EnableEnhancedMonitoringAsync(name, metrics, cancellationToken)
            : await _client.DisableEnhancedMonitoringAsync(name, metrics, cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("StreamName", result.StreamName);
            w.WriteString("StreamARN", result.StreamArn);
            WriteShardLevelMetrics(w, "CurrentShardLevelMetrics", result.Current);
            WriteShardLevelMetrics(w, "DesiredShardLevelMetrics", result.Desired);
            w.WriteEndObject();
        });
    }

    private static void WriteShardLevelMetrics(Utf8JsonWriter w, string name, ShardLevelMetrics metrics)
    {
        w.WriteStartArray(name);
        foreach (var (text, flag) in ShardLevelMetricNames)
        {
            if ((metrics & flag) != 0) w.WriteStringValue(text);
        }
        w.WriteEndArray();
    }

    /// <summary>DescribeStream's and DescribeStreamSummary's <c>EnhancedMonitoring</c>: one entry listing the enabled metrics.</summary>
    private static void WriteEnhancedMonitoring(Utf8JsonWriter w, ShardLevelMetrics metrics)
    {
        w.WriteStartArray("EnhancedMonitoring");
        w.WriteStartObject();
        WriteShardLevelMetrics(w, "ShardLevelMetrics", metrics);
        w.WriteEndObject();
        w.WriteEndArray();
    }
}
