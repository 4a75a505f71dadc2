using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

internal sealed partial class KinesisOperations
{
    private async Task RegisterStreamConsumerAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var streamArn = request.RequiredString("StreamARN", "streamARN");
        var consumerName = request.RequiredString("ConsumerName", "consumerName");
        var c = await _client.RegisterStreamConsumerAsync(StreamArnOnly(streamArn), consumerName, ReadTags(request, streamName: null), cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("Consumer");
            WriteConsumerMembers(w, c);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private async Task DescribeStreamConsumerAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var c = await FindConsumerAsync(request, cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("ConsumerDescription");
            WriteConsumerMembers(w, c);
            w.WriteString("StreamARN", c.StreamArn);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private async Task ListStreamConsumersAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var streamArn = StreamArnOnly(request.RequiredString("StreamARN", "streamARN"));
        var maxResults = Range(request.Int("MaxResults"), "maxResults", 1, KinesisLimits.MaxListStreamConsumersResults);
        var result = await _client.ListStreamConsumersAsync(streamArn, maxResults, request.String("NextToken"),
            request.Timestamp("StreamCreationTimestamp"), cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Consumers");
            foreach (var c in result.Consumers)
            {
                w.WriteStartObject();
                WriteConsumerMembers(w, c);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (result.NextToken is not null) w.WriteString("NextToken", result.NextToken);
            w.WriteEndObject();
        });
    }

    private async Task DeregisterStreamConsumerAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var c = await FindConsumerAsync(request, cancellationToken);
        await _client.DeregisterStreamConsumerAsync(c.ConsumerArn, cancellationToken);
        await WriteEmptyAsync(output);
    }

    /// <summary>DescribeStreamConsumer and DeregisterStreamConsumer name a consumer by ConsumerARN, or by StreamARN and ConsumerName.</summary>
    private async Task<StreamConsumer> FindConsumerAsync(KinesisRequest request, CancellationToken cancellationToken)
    {
        var consumerArn = request.String("ConsumerARN");
        var streamArn = request.String("StreamARN");
        var consumerName = request.String("ConsumerName");
        if (consumerArn is not null)
        {
            var byArn = await _client.DescribeStreamConsumerAsync(consumerArn, cancellationToken);
            if ((streamArn is not null && StreamArnOnly(streamArn) != byArn.StreamArn) || (consumerName is not null && consumerName != byArn.ConsumerName))
                throw new InvalidArgumentException($"ConsumerARN {consumerArn} does not name the consumer given by StreamARN and ConsumerName.");
            return byArn;
        }
        if (streamArn is null || consumerName is null)
            throw new InvalidArgumentException("Either ConsumerARN or both StreamARN and ConsumerName must be provided.");
        return await _client.DescribeStreamConsumerAsync(StreamArnOnly(streamArn), consumerName, cancellationToken);
    }

    /// <summary>The consumer operations take a stream ARN, never a bare name.</summary>
    private static string StreamArnOnly(string streamArn)
    {
        KinesisRequest.StreamNameOfArn(streamArn);
        return streamArn;
    }

    private static void WriteConsumerMembers(Utf8JsonWriter w, StreamConsumer c)
    {
        w.WriteString("ConsumerName", c.ConsumerName);
        w.WriteString("ConsumerARN", c.ConsumerArn);
        w.WriteString("ConsumerStatus", c.ConsumerStatus switch
        {
            ConsumerStatus.Creating => "CREATING",
            ConsumerStatus.Deleting => "DELETING",
            _ => "ACTIVE",
        });
        WriteTimestamp(w, "ConsumerCreationTimestamp", c.ConsumerCreationTimestamp);
    }
}
