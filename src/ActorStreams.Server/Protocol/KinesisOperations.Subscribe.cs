using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Kinesis;
using ActorStreams.Server.Protocol.Model;

namespace ActorStreams.Server.Protocol;

internal sealed partial class KinesisOperations
{
    public const string SubscribeToShardOperation = "SubscribeToShard";

    /// <summary>The event type of the events, and the operation name <see cref="KinesisCbor"/> knows their blob and timestamp members by.</summary>
    public const string SubscribeToShardEventType = "SubscribeToShardEvent";

    private const string EventJsonContentType = "application/json";

    /// <summary>
    /// SubscribeToShard: checks the request and starts the subscription first, so every error up to there is an ordinary
    /// Kinesis error response (thrown to <see cref="KinesisEndpoint"/>). Then answers 200 with an event stream: the
    /// <c>initial-response</c> event, then one <c>SubscribeToShardEvent</c> per event of the subscription, each flushed
    /// as it is written. An error after that ends the stream with an exception message. A client that goes away
    /// cancels the request, which ends the subscription and frees its slot.
    /// </summary>
    public async Task SubscribeToShardAsync(KinesisRequest request, HttpResponse response, bool cbor, CancellationToken cancellationToken)
    {
        var model = ApiModel.Instance.Kinesis;
        RequestValidator.Check(model, model.Operations[SubscribeToShardOperation]!, request.Root);
        var consumerArn = request.RequiredString("ConsumerARN", "consumerARN");
        var shardId = request.ShardId("ShardId") ?? throw KinesisRequest.Missing("shardId");
        var position = request.Object("StartingPosition") ?? throw KinesisRequest.Missing("startingPosition");
        var start = ParseStartingPosition(new KinesisRequest(position));

        await using var subscription = await _client.SubscribeToShardAsync(consumerArn, shardId, start, cancellationToken);
        var contentType = cbor ? KinesisCbor.ContentType : EventJsonContentType;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = EventStreamEncoder.ContentType;
        var output = response.BodyWriter;
        EventStreamEncoder.WriteEvent(output, "initial-response", contentType, cbor ? KinesisCbor.WriteResponse(SubscribeToShardOperation, "{}"u8.ToArray()) : "{}"u8);
        await output.FlushAsync(cancellationToken);

        var json = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            await foreach (var e in subscription.WithCancellation(cancellationToken))
            {
                json.ResetWrittenCount();
                WriteEvent(json, e);
                if (cbor)
                    EventStreamEncoder.WriteEvent(output, SubscribeToShardEventType, contentType, KinesisCbor.WriteResponse(SubscribeToShardEventType, json.WrittenMemory));
                else
                    EventStreamEncoder.WriteEvent(output, SubscribeToShardEventType, contentType, json.WrittenSpan);
                var flushed = await output.FlushAsync(cancellationToken);
                if (flushed.IsCompleted || flushed.IsCanceled) return;
            }
        }
        catch (ActorStreamsException e) when (!cancellationToken.IsCancellationRequested)
        {
            // ResourceInUseException (a newer subscription took over), ResourceNotFoundException (consumer or stream gone), ...
            await WriteExceptionAsync(output, e.ErrorCode, e.Message, cbor, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Anything else still ends the stream the way a client can read; the endpoint logs it.
            await WriteExceptionAsync(output, InternalFailureException.Code, e.Message, cbor, cancellationToken);
            throw;
        }
    }

    private static async Task WriteExceptionAsync(PipeWriter output, string code, string message, bool cbor, CancellationToken cancellationToken)
    {
        byte[] payload;
        if (cbor)
        {
            payload = KinesisCbor.WriteError(code, message);
        }
        else
        {
            var json = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(json, WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("message", message);
                writer.WriteEndObject();
            }
            payload = json.WrittenSpan.ToArray();
        }
        // The event stream names its errors by the union member: the InternalFailure error is "InternalFailureException" there.
        var exceptionType = code == InternalFailureException.Code ? "InternalFailureException" : code;
        EventStreamEncoder.WriteException(output, exceptionType, cbor ? KinesisCbor.ContentType : EventJsonContentType, payload);
        await output.FlushAsync(cancellationToken);
    }

    private static StartingPosition ParseStartingPosition(KinesisRequest position)
    {
        var type = ParseIteratorType(position.RequiredString("Type", "startingPosition.type"));
        var sequenceNumber = position.String("SequenceNumber");
        var timestamp = position.Timestamp("Timestamp");
        switch (type)
        {
            case ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber:
                if (sequenceNumber is null)
                    throw new InvalidArgumentException("StartingPosition.SequenceNumber is required for AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER.");
                return type == ShardIteratorType.AtSequenceNumber
                    ? StartingPosition.AtSequenceNumber(sequenceNumber)
                    : StartingPosition.AfterSequenceNumber(sequenceNumber);
            case ShardIteratorType.AtTimestamp:
                return StartingPosition.AtTimestamp(timestamp ?? throw new InvalidArgumentException("StartingPosition.Timestamp is required for AT_TIMESTAMP."));
            default:
                return type == ShardIteratorType.TrimHorizon ? StartingPosition.TrimHorizon : StartingPosition.Latest;
        }
    }

    private static void WriteEvent(IBufferWriter<byte> output, SubscribeToShardEvent e)
    {
        using var w = new Utf8JsonWriter(output, WriterOptions);
        w.WriteStartObject();
        w.WriteStartArray("Records");
        foreach (var r in e.Records)
        {
            w.WriteStartObject();
            w.WriteString("SequenceNumber", r.SequenceNumber);
            WriteTimestamp(w, "ApproximateArrivalTimestamp", r.ApproximateArrivalTimestamp);
            WriteBlob(w, "Data", r.Data.Span);
            w.WriteString("PartitionKey", r.PartitionKey);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (e.ContinuationSequenceNumber is not null) w.WriteString("ContinuationSequenceNumber", e.ContinuationSequenceNumber);
        w.WriteNumber("MillisBehindLatest", e.MillisBehindLatest);
        WriteChildShards(w, e.ChildShards);
        w.WriteEndObject();
    }
}
