using System.IO.Pipelines;

namespace ActorStreams.Server.Protocol;

// TagResource, UntagResource and ListTagsForResource: the ARN-based tag operations, on a stream (the tags that
// AddTagsToStream, RemoveTagsFromStream and ListTagsForStream also work on) or on an enhanced fan-out consumer.
internal sealed partial class KinesisOperations
{
    private async Task TagResourceAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var arn = request.RequiredString("ResourceARN", "resourceARN");
        var tags = ReadTags(request, streamName: null) ?? throw KinesisRequest.Missing("tags");
        await _client.TagResourceAsync(arn, tags, cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task UntagResourceAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var arn = request.RequiredString("ResourceARN", "resourceARN");
        await _client.UntagResourceAsync(arn, TagKeys(request, streamName: null), cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task ListTagsForResourceAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var tags = await _client.ListTagsForResourceAsync(request.RequiredString("ResourceARN", "resourceARN"), cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Tags");
            foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("Key", key);
                w.WriteString("Value", value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
