using System.IO.Pipelines;
using System.Text.Json;

namespace ActorStreams.Server.Protocol;

// TagResource, UntagResource and ListTagsForResource: the ARN-based tag operations, on the stream's tags that
// AddTagsToStream, RemoveTagsFromStream and ListTagsForStream also work on.
internal sealed partial class KinesisOperations
{
    private async Task TagResourceAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = TaggedStreamName(request);
        var tags = ReadTags(request) ?? throw KinesisRequest.Missing("tags");
        await _client.AddTagsToStreamAsync(name, tags, cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task UntagResourceAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = TaggedStreamName(request);
        await _client.RemoveTagsFromStreamAsync(name, TagKeys(request), cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task ListTagsForResourceAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var tags = await _client.ListTagsForStreamAsync(TaggedStreamName(request), cancellationToken);
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

    /// <summary>The stream a ResourceARN names. Kinesis also tags consumers by their ARN; ActorStreams tags streams only.</summary>
    private static string TaggedStreamName(KinesisRequest request)
    {
        var arn = request.RequiredString("ResourceARN", "resourceARN");
        if (arn.Contains("/consumer/", StringComparison.Ordinal))
            throw new InvalidArgumentException($"ResourceARN {arn} is a consumer; ActorStreams keeps tags on streams only.");
        return KinesisRequest.StreamNameOfArn(arn);
    }
}
