using System.IO.Pipelines;

namespace ActorStreams.Server.Protocol;

// UpdateMaxRecordSize (the stream named by its ARN, as in Kinesis' model); CreateStream takes MaxRecordSizeInKiB and
// DescribeStreamSummary reports it.
internal sealed partial class KinesisOperations
{
    private async Task UpdateMaxRecordSizeAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = KinesisRequest.StreamNameOfArn(request.RequiredString("StreamARN", "streamARN"));
        await _client.UpdateMaxRecordSizeAsync(name, request.RequiredInt("MaxRecordSizeInKiB", "maxRecordSizeInKiB"), cancellationToken);
        await WriteEmptyAsync(output);
    }
}
