using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

// UpdateStreamWarmThroughput, and the WarmThroughput that DescribeStreamSummary reports. CreateStream and
// UpdateStreamMode take WarmThroughputMiBps too.
internal sealed partial class KinesisOperations
{
    private async Task UpdateStreamWarmThroughputAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        var summary = await _client.UpdateStreamWarmThroughputAsync(name, request.RequiredInt("WarmThroughputMiBps", "warmThroughputMiBps"),
            cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("StreamARN", summary.StreamArn);
            w.WriteString("StreamName", summary.StreamName);
            if (summary.WarmThroughput is { } warm) WriteWarmThroughput(w, warm);
            w.WriteEndObject();
        });
    }

    private static void WriteWarmThroughput(Utf8JsonWriter w, WarmThroughput warm)
    {
        w.WriteStartObject("WarmThroughput");
        if (warm.TargetMiBps is { } target) w.WriteNumber("TargetMiBps", target);
        w.WriteNumber("CurrentMiBps", warm.CurrentMiBps);
        w.WriteEndObject();
    }
}
