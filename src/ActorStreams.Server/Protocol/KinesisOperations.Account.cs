using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

// DescribeAccountSettings and UpdateAccountSettings: the minimum throughput billing commitment (On-demand Advantage).
internal sealed partial class KinesisOperations
{
    private async Task DescribeAccountSettingsAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var settings = await _client.DescribeAccountSettingsAsync(cancellationToken);
        await WriteAsync(output, w => WriteAccountSettings(w, settings));
    }

    private async Task UpdateAccountSettingsAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        // The model has checked that MinimumThroughputBillingCommitment.Status is there and ENABLED or DISABLED.
        var commitment = request.Object("MinimumThroughputBillingCommitment") ?? throw KinesisRequest.Missing("minimumThroughputBillingCommitment");
        var status = KinesisRequest.RequiredString(commitment, "Status", "minimumThroughputBillingCommitment.status");
        var settings = await _client.UpdateAccountSettingsAsync(status == "ENABLED", cancellationToken);
        await WriteAsync(output, w => WriteAccountSettings(w, settings));
    }

    private static void WriteAccountSettings(Utf8JsonWriter w, AccountSettings settings)
    {
        w.WriteStartObject();
        w.WriteStartObject("MinimumThroughputBillingCommitment");
        w.WriteString("Status", settings.Status switch
        {
            MinimumThroughputBillingCommitmentStatus.Enabled => "ENABLED",
            MinimumThroughputBillingCommitmentStatus.EnabledUntilEarliestAllowedEnd => "ENABLED_UNTIL_EARLIEST_ALLOWED_END",
            _ => "DISABLED",
        });
        if (settings.StartedAt is { } started) WriteTimestamp(w, "StartedAt", started);
        if (settings.EndedAt is { } ended) WriteTimestamp(w, "EndedAt", ended);
        if (settings.EarliestAllowedEndAt is { } earliest) WriteTimestamp(w, "EarliestAllowedEndAt", earliest);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
