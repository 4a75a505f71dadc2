using System.IO.Pipelines;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

// UpdateStreamRecordDistributionStrategy (the stream named by its ARN, as in Kinesis' model); CreateStream takes
// RecordDistributionStrategy and DescribeStreamSummary reports it for ON_DEMAND streams.
internal sealed partial class KinesisOperations
{
    private async Task UpdateStreamRecordDistributionStrategyAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = KinesisRequest.StreamNameOfArn(request.RequiredString("StreamARN", "streamARN"));
        var strategy = ParseDistribution(request.RequiredString("RecordDistributionStrategy", "recordDistributionStrategy"));
        await _client.UpdateStreamRecordDistributionStrategyAsync(name, strategy, cancellationToken);
        await WriteEmptyAsync(output);
    }

    private static RecordDistributionStrategy ParseDistribution(string text) => text switch
    {
        "AUTO" => RecordDistributionStrategy.Auto,
        "USER_PARTITION_KEY" => RecordDistributionStrategy.UserPartitionKey,
        _ => throw new ValidationException(
            $"1 validation error detected: Value '{text}' at 'recordDistributionStrategy' failed to satisfy constraint: Member must satisfy enum value set: [AUTO, USER_PARTITION_KEY]"),
    };

    private static string DistributionText(RecordDistributionStrategy strategy) =>
        strategy == RecordDistributionStrategy.Auto ? "AUTO" : "USER_PARTITION_KEY";
}
