using System.Formats.Cbor;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Subscriptions;
using ActorStreams.Server.Protocol;
using Akka.Actor;

namespace ActorStreams.Server.Tests;

/// <summary>
/// The server with a short resubscribe interval (500 ms) and heartbeat (1 s), so a test can see a takeover and
/// resubscribe without waiting Kinesis' 5 s.
/// </summary>
public sealed class EnhancedFanOutServerFixture : ServerFixture
{
    protected override string[] ExtraArgs()
    {
        var config = Path.Combine(DataDir, "efo.conf");
        File.WriteAllText(config, """
            actorstreams.enhanced-fan-out.resubscribe-interval = 500ms
            actorstreams.enhanced-fan-out.heartbeat-interval = 1s
            """);
        return ["--config", config];
    }
}

/// <summary>
/// SubscribeToShard over raw HTTP/2 (h2c prior knowledge) and HTTP/1.1: the event stream framing checked byte by byte
/// (both CRCs), events pushed while the request is open, errors before the stream as ordinary Kinesis errors, and
/// the exception message that ends a stream taken over by a newer subscription.
/// </summary>
public sealed class SubscribeToShardTests(EnhancedFanOutServerFixture server) : IClassFixture<EnhancedFanOutServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static string StreamArn(string stream) => $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}";

    private async Task<(string Stream, string ConsumerArn)> StreamWithConsumerAsync(string prefix)
    {
        var stream = await server.CreateStreamAsync(prefix);
        var consumer = await server.OkAsync("RegisterStreamConsumer", new { StreamARN = StreamArn(stream), ConsumerName = "raw" });
        return (stream, consumer.GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!);
    }

    /// <summary>The shard's own account of its subscriptions, asked inside the server's runtime.</summary>
    private async Task<ShardSubscriptionStats> StatsAsync(string stream)
    {
        var client = ActorStreamsExtension.Get(server.Services.GetRequiredService<ActorSystem>()).Client;
        var route = await client.Extension.Router.GetRouteAsync(stream, CancellationToken.None);
        return await client.Extension.SubscribeToShard.ShardRegion.Ask<ShardSubscriptionStats>(new GetShardSubscriptionStats(route.EntityId(0, "000000000000")), Timeout);
    }

    private static HttpRequestMessage Subscribe(string consumerArn, object startingPosition, Version version) =>
        ServerFixture.Request("SubscribeToShard",
            JsonSerializer.Serialize(new { ConsumerARN = consumerArn, ShardId = "shardId-000000000000", StartingPosition = startingPosition }), version);

    private async Task<List<string>> PutAsync(string stream, params string[] texts)
    {
        var reply = await server.OkAsync("PutRecords", new
        {
            StreamName = stream,
            Records = texts.Select(t => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(t)), PartitionKey = "pk" }).ToArray(),
        });
        return reply.GetProperty("Records").EnumerateArray().Select(r => r.GetProperty("SequenceNumber").GetString()!).ToList();
    }

    /// <summary>Reads SubscribeToShardEvent messages until <paramref name="count"/> records arrived; heartbeats are checked and skipped.</summary>
    private static async Task<List<JsonElement>> ReadRecordEventsAsync(EventStreamReader reader, int count)
    {
        var events = new List<JsonElement>();
        var records = 0;
        while (records < count)
        {
            var message = await reader.ReadAsync().WaitAsync(Timeout);
            Assert.NotNull(message);
            Assert.Equal("event", message.MessageType);
            Assert.Equal("SubscribeToShardEvent", message.EventType);
            Assert.Equal("application/json", message.Headers[":content-type"]);
            var e = JsonDocument.Parse(message.Payload).RootElement.Clone();
            Assert.Empty(e.GetProperty("ChildShards").EnumerateArray());
            Assert.True(e.GetProperty("MillisBehindLatest").GetInt64() >= 0);
            var continuation = e.GetProperty("ContinuationSequenceNumber").GetString()!;
            var list = e.GetProperty("Records").EnumerateArray().ToList();
            if (list.Count == 0) continue;
            Assert.Equal(list[^1].GetProperty("SequenceNumber").GetString(), continuation);
            events.Add(e);
            records += list.Count;
        }
        Assert.Equal(count, records);
        return events;
    }

    private static List<string> Texts(IEnumerable<JsonElement> events) =>
        events.SelectMany(e => e.GetProperty("Records").EnumerateArray())
            .Select(r => Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64())).ToList();

    [Fact]
    public async Task SubscribeToShard_over_h2c_streams_the_initial_response_then_events_pushed_as_records_are_put()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-h2");
        var history = await PutAsync(stream, "h0", "h1");

        using var response = await server.Http.SendAsync(Subscribe(consumer, new { Type = "TRIM_HORIZON" }, HttpVersion.Version20),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/vnd.amazon.eventstream", response.Content.Headers.ContentType?.MediaType);
        var reader = new EventStreamReader(await response.Content.ReadAsStreamAsync());

        var initial = await reader.ReadAsync().WaitAsync(Timeout);
        Assert.NotNull(initial);
        Assert.Equal("event", initial.MessageType);
        Assert.Equal("initial-response", initial.EventType);
        Assert.Equal("{}", initial.PayloadText);

        var old = await ReadRecordEventsAsync(reader, 2);
        Assert.Equal(["h0", "h1"], Texts(old));
        Assert.Equal(history, old.SelectMany(e => e.GetProperty("Records").EnumerateArray()).Select(r => r.GetProperty("SequenceNumber").GetString()));
        var record = old[0].GetProperty("Records")[0];
        Assert.Equal("pk", record.GetProperty("PartitionKey").GetString());
        Assert.True(Math.Abs(record.GetProperty("ApproximateArrivalTimestamp").GetDouble() - DateTimeOffset.UtcNow.ToUnixTimeSeconds()) < 60);

        // The request is still open: records put now are pushed on it.
        var live = await PutAsync(stream, "l0", "l1", "l2");
        var fresh = await ReadRecordEventsAsync(reader, 3);
        Assert.Equal(["l0", "l1", "l2"], Texts(fresh));
        Assert.Equal(live[^1], fresh[^1].GetProperty("ContinuationSequenceNumber").GetString());
        Assert.Equal(0, fresh[^1].GetProperty("MillisBehindLatest").GetInt64());
    }

    [Fact]
    public async Task SubscribeToShard_over_HTTP_1_1_streams_the_same_events()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-h1");
        using var response = await server.Http.SendAsync(Subscribe(consumer, new { Type = "LATEST" }, HttpVersion.Version11),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        var reader = new EventStreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("initial-response", (await reader.ReadAsync().WaitAsync(Timeout))!.EventType);

        await PutAsync(stream, "one");
        Assert.Equal(["one"], Texts(await ReadRecordEventsAsync(reader, 1)));
        // Idle: a heartbeat without records says where the subscription is.
        var heartbeat = await reader.ReadAsync().WaitAsync(Timeout);
        Assert.NotNull(heartbeat);
        var e = JsonDocument.Parse(heartbeat.Payload).RootElement;
        Assert.Empty(e.GetProperty("Records").EnumerateArray());
        Assert.Equal(0, e.GetProperty("MillisBehindLatest").GetInt64());
    }

    [Fact]
    public async Task Errors_before_the_stream_starts_are_ordinary_Kinesis_errors()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-err");

        async Task<KinesisReply> CallAsync(string json)
        {
            using var response = await server.Http.SendAsync(ServerFixture.Request("SubscribeToShard", json, HttpVersion.Version20));
            return await KinesisReply.ReadAsync(response);
        }

        (await CallAsync(JsonSerializer.Serialize(new { ConsumerARN = $"{StreamArn(stream)}/consumer/ghost:1700000000", ShardId = "shardId-000000000000", StartingPosition = new { Type = "LATEST" } })))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await CallAsync(JsonSerializer.Serialize(new { ConsumerARN = consumer, ShardId = "shardId-000000000009", StartingPosition = new { Type = "LATEST" } })))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await CallAsync(JsonSerializer.Serialize(new { ConsumerARN = consumer, ShardId = "shardId-000000000000" })))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await CallAsync(JsonSerializer.Serialize(new { ConsumerARN = consumer, ShardId = "shardId-000000000000", StartingPosition = new { Type = "SOMEWHERE" } })))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await CallAsync(JsonSerializer.Serialize(new { ConsumerARN = consumer, ShardId = "shardId-000000000000", StartingPosition = new { Type = "AT_SEQUENCE_NUMBER" } })))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        (await CallAsync(JsonSerializer.Serialize(new { ConsumerARN = consumer, ShardId = "shardId-000000000000", StartingPosition = new { Type = "AT_SEQUENCE_NUMBER", SequenceNumber = "42" } })))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");

        // One subscription open; a second one at once is ResourceInUseException, as JSON before any stream.
        using var open = await server.Http.SendAsync(Subscribe(consumer, new { Type = "LATEST" }, HttpVersion.Version20), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        using var second = await server.Http.SendAsync(Subscribe(consumer, new { Type = "LATEST" }, HttpVersion.Version20));
        (await KinesisReply.ReadAsync(second)).AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");
    }

    [Fact]
    public async Task A_newer_subscription_takes_over_and_the_older_stream_ends_with_an_exception_message()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-take");
        using var first = await server.Http.SendAsync(Subscribe(consumer, new { Type = "LATEST" }, HttpVersion.Version20), HttpCompletionOption.ResponseHeadersRead);
        var firstReader = new EventStreamReader(await first.Content.ReadAsStreamAsync());
        Assert.Equal("initial-response", (await firstReader.ReadAsync().WaitAsync(Timeout))!.EventType);

        server.Clock.Advance(TimeSpan.FromMilliseconds(700)); // past the 500 ms resubscribe interval of this fixture
        using var second = await server.Http.SendAsync(Subscribe(consumer, new { Type = "LATEST" }, HttpVersion.Version20), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        EventStreamMessage? message;
        do message = await firstReader.ReadAsync().WaitAsync(Timeout);
        while (message is { MessageType: "event" }); // a heartbeat may come first
        Assert.NotNull(message);
        Assert.Equal("exception", message.MessageType);
        Assert.Equal("ResourceInUseException", message.ExceptionType);
        Assert.Contains("taken over", JsonDocument.Parse(message.Payload).RootElement.GetProperty("message").GetString());
        Assert.Null(await firstReader.ReadAsync().WaitAsync(Timeout)); // and the stream ends

        var secondReader = new EventStreamReader(await second.Content.ReadAsStreamAsync());
        Assert.Equal("initial-response", (await secondReader.ReadAsync().WaitAsync(Timeout))!.EventType);
        await PutAsync(stream, "to-the-second");
        Assert.Equal(["to-the-second"], Texts(await ReadRecordEventsAsync(secondReader, 1)));
    }

    [Fact]
    public async Task A_client_that_disconnects_ends_its_subscription_and_can_resubscribe()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-gone");
        var first = await server.Http.SendAsync(Subscribe(consumer, new { Type = "TRIM_HORIZON" }, HttpVersion.Version20), HttpCompletionOption.ResponseHeadersRead);
        var firstReader = new EventStreamReader(await first.Content.ReadAsStreamAsync());
        Assert.Equal("initial-response", (await firstReader.ReadAsync().WaitAsync(Timeout))!.EventType);
        Assert.Equal(1, (await StatsAsync(stream)).HeldSlots);
        first.Dispose(); // resets the HTTP/2 stream

        // The server ends the subscription: its slot is free and the shard pushes to nobody.
        await Eventually.EventuallyAsync(async () =>
        {
            var stats = await StatsAsync(stream);
            Assert.Equal(0, stats.HeldSlots);
            Assert.Equal(0, stats.LiveSubscribers);
        }, Timeout, TimeSpan.FromMilliseconds(50));

        server.Clock.Advance(TimeSpan.FromMilliseconds(700)); // past the 500 ms resubscribe interval of this fixture
        var sequenceNumbers = await PutAsync(stream, "a", "b");
        using var again = await server.Http.SendAsync(Subscribe(consumer, new { Type = "AT_SEQUENCE_NUMBER", SequenceNumber = sequenceNumbers[1] }, HttpVersion.Version20),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var reader = new EventStreamReader(await again.Content.ReadAsStreamAsync());
        Assert.Equal("initial-response", (await reader.ReadAsync().WaitAsync(Timeout))!.EventType);
        Assert.Equal(["b"], Texts(await ReadRecordEventsAsync(reader, 1)));
    }

    [Fact]
    public async Task A_CBOR_request_gets_CBOR_events_with_byte_string_data_and_millisecond_timestamps()
    {
        var (stream, consumer) = await StreamWithConsumerAsync("efo-cbor");
        var sequenceNumbers = await PutAsync(stream, "cbor-record");

        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartMap(3);
        writer.WriteTextString("ConsumerARN");
        writer.WriteTextString(consumer);
        writer.WriteTextString("ShardId");
        writer.WriteTextString("shardId-000000000000");
        writer.WriteTextString("StartingPosition");
        writer.WriteStartMap(2);
        writer.WriteTextString("Type");
        writer.WriteTextString("AT_TIMESTAMP");
        writer.WriteTextString("Timestamp");
        writer.WriteTag(CborTag.UnixTimeSeconds);
        writer.WriteInt64(DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds());
        writer.WriteEndMap();
        writer.WriteEndMap();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new ByteArrayContent(writer.Encode()),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-cbor-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.SubscribeToShard");
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new EventStreamReader(await response.Content.ReadAsStreamAsync());
        var initial = (await reader.ReadAsync().WaitAsync(Timeout))!;
        Assert.Equal("initial-response", initial.EventType);
        Assert.Equal("application/x-amz-cbor-1.1", initial.Headers[":content-type"]);

        var message = (await reader.ReadAsync().WaitAsync(Timeout))!;
        Assert.Equal("SubscribeToShardEvent", message.EventType);
        Assert.Equal("application/x-amz-cbor-1.1", message.Headers[":content-type"]);
        var cbor = new CborReader(message.Payload, CborConformanceMode.Lax);
        byte[]? data = null;
        long? arrivalMs = null;
        string? continuation = null;
        var count = cbor.ReadStartMap();
        for (var i = 0; i < count; i++)
        {
            switch (cbor.ReadTextString())
            {
                case "Records":
                    Assert.Equal(1, cbor.ReadStartArray());
                    var fields = cbor.ReadStartMap();
                    for (var f = 0; f < fields; f++)
                    {
                        switch (cbor.ReadTextString())
                        {
                            case "Data":
                                data = cbor.ReadByteString();
                                break;
                            case "ApproximateArrivalTimestamp":
                                Assert.Equal(CborTag.UnixTimeSeconds, cbor.ReadTag());
                                arrivalMs = cbor.ReadInt64();
                                break;
                            default:
                                cbor.SkipValue();
                                break;
                        }
                    }
                    cbor.ReadEndMap();
                    cbor.ReadEndArray();
                    break;
                case "ContinuationSequenceNumber":
                    continuation = cbor.ReadTextString();
                    break;
                default:
                    cbor.SkipValue();
                    break;
            }
        }
        Assert.Equal("cbor-record", Encoding.UTF8.GetString(data!));
        Assert.InRange(arrivalMs!.Value, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
        Assert.Equal(sequenceNumbers[0], continuation);
    }

    [Fact]
    public async Task The_CRC_32_and_the_encoder_write_what_the_event_stream_format_specifies()
    {
        // The test's own CRC-32 (EventStreamReader) against the check value of the IEEE 802.3 CRC, and the platform's
        // System.IO.Hashing.Crc32 that the encoder uses against it, whole and in pieces.
        Assert.Equal(0xCBF43926u, EventStreamReader.Crc32("123456789"u8));
        var random = new Random(7).GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 4096);
        Assert.Equal(EventStreamReader.Crc32(random), System.IO.Hashing.Crc32.HashToUInt32(random));
        var pieces = new System.IO.Hashing.Crc32();
        pieces.Append(random.AsSpan(0, 1000));
        pieces.Append(random.AsSpan(1000));
        Assert.Equal(EventStreamReader.Crc32(random), pieces.GetCurrentHashAsUInt32());

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        EventStreamEncoder.WriteEvent(buffer, "SubscribeToShardEvent", "application/json", "{\"a\":1}"u8);
        var bytes = buffer.WrittenSpan.ToArray();
        // 12-byte prelude, three string headers, 7-byte payload, 4-byte CRC.
        var headers = (1 + 13 + 1 + 2 + 5) + (1 + 11 + 1 + 2 + 21) + (1 + 13 + 1 + 2 + 16);
        Assert.Equal(12 + headers + 7 + 4, bytes.Length);
        Assert.Equal((uint)bytes.Length, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes));
        Assert.Equal((uint)headers, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4)));
        var message = (await new EventStreamReader(new MemoryStream(bytes)).ReadAsync())!;
        Assert.Equal("event", message.MessageType);
        Assert.Equal("SubscribeToShardEvent", message.EventType);
        Assert.Equal("{\"a\":1}", message.PayloadText);
        bytes[^6] ^= 1; // a flipped payload bit no longer matches the message CRC
        await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => new EventStreamReader(new MemoryStream(bytes)).ReadAsync());
    }
}
