using System.Net;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>The enhanced fan-out consumer operations and the ARN-based tag operations over raw HTTP.</summary>
public sealed class StreamConsumerOperationsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static string Arn(string stream) => $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}";

    private async Task<(string Stream, string StreamArn)> CreateStreamAsync(string prefix)
    {
        var name = await server.CreateStreamAsync(prefix);
        return (name, Arn(name));
    }

    [Fact]
    public async Task RegisterStreamConsumer_answers_an_active_consumer_with_an_ARN_under_the_stream()
    {
        var (stream, streamArn) = await CreateStreamAsync("register");

        var consumer = (await server.OkAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "app" })).GetProperty("Consumer");

        Assert.Equal("app", consumer.GetProperty("ConsumerName").GetString());
        Assert.Equal("ACTIVE", consumer.GetProperty("ConsumerStatus").GetString());
        Assert.Equal(JsonValueKind.Number, consumer.GetProperty("ConsumerCreationTimestamp").ValueKind);
        var created = (long)consumer.GetProperty("ConsumerCreationTimestamp").GetDouble();
        Assert.Equal($"{streamArn}/consumer/app:{created}", consumer.GetProperty("ConsumerARN").GetString());
        var summary = (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary");
        Assert.Equal(1, summary.GetProperty("ConsumerCount").GetInt32());
    }

    [Fact]
    public async Task DescribeStreamConsumer_finds_a_consumer_by_ARN_or_by_stream_and_name()
    {
        var (_, streamArn) = await CreateStreamAsync("describe-consumer");
        var consumerArn = (await server.OkAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "app" }))
            .GetProperty("Consumer").GetProperty("ConsumerARN").GetString();

        var byArn = (await server.OkAsync("DescribeStreamConsumer", new { ConsumerARN = consumerArn })).GetProperty("ConsumerDescription");
        var byName = (await server.OkAsync("DescribeStreamConsumer", new { StreamARN = streamArn, ConsumerName = "app" })).GetProperty("ConsumerDescription");

        Assert.Equal(byArn.GetRawText(), byName.GetRawText());
        Assert.Equal(consumerArn, byArn.GetProperty("ConsumerARN").GetString());
        Assert.Equal(streamArn, byArn.GetProperty("StreamARN").GetString());
        Assert.Equal("ACTIVE", byArn.GetProperty("ConsumerStatus").GetString());
    }

    [Fact]
    public async Task ListStreamConsumers_pages_with_MaxResults_and_NextToken()
    {
        var (_, streamArn) = await CreateStreamAsync("list-consumers");
        foreach (var name in new[] { "c", "a", "b" })
            await server.OkAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = name });

        var first = await server.OkAsync("ListStreamConsumers", new { StreamARN = streamArn, MaxResults = 2 });
        var token = first.GetProperty("NextToken").GetString();
        var second = await server.OkAsync("ListStreamConsumers", new { StreamARN = streamArn, MaxResults = 2, NextToken = token });

        Assert.Equal(["a", "b"], first.GetProperty("Consumers").EnumerateArray().Select(c => c.GetProperty("ConsumerName").GetString()));
        Assert.Equal(["c"], second.GetProperty("Consumers").EnumerateArray().Select(c => c.GetProperty("ConsumerName").GetString()));
        Assert.False(second.TryGetProperty("NextToken", out _));
        Assert.True(second.GetProperty("Consumers")[0].TryGetProperty("ConsumerARN", out _));
    }

    [Fact]
    public async Task DeregisterStreamConsumer_removes_a_consumer_by_ARN_or_by_stream_and_name()
    {
        var (_, streamArn) = await CreateStreamAsync("deregister");
        var arn = (await server.OkAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "one" }))
            .GetProperty("Consumer").GetProperty("ConsumerARN").GetString();
        await server.OkAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "two" });

        await server.OkAsync("DeregisterStreamConsumer", new { ConsumerARN = arn });
        await server.OkAsync("DeregisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "two" });

        Assert.Equal(0, (await server.OkAsync("ListStreamConsumers", new { StreamARN = streamArn })).GetProperty("Consumers").GetArrayLength());
        (await server.CallAsync("DescribeStreamConsumer", new { ConsumerARN = arn })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await server.CallAsync("DeregisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "two" }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
    }

    [Fact]
    public async Task Consumer_operations_answer_the_Kinesis_errors()
    {
        var (_, streamArn) = await CreateStreamAsync("consumer-errors");
        await server.OkAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "dup" });

        (await server.CallAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "dup" }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");
        (await server.CallAsync("RegisterStreamConsumer", new { StreamARN = streamArn }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "no spaces" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("RegisterStreamConsumer", new { StreamARN = "not-an-arn", ConsumerName = "x" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("RegisterStreamConsumer", new { StreamARN = Arn($"ghost-{Guid.NewGuid():N}"), ConsumerName = "x" }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await server.CallAsync("DescribeStreamConsumer", new { StreamARN = streamArn }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        (await server.CallAsync("DescribeStreamConsumer", new { ConsumerARN = "arn:aws:kinesis:us-east-1:000000000000:stream/x" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("ListStreamConsumers", new { StreamARN = streamArn, MaxResults = 0 }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("ListStreamConsumers", new { StreamARN = streamArn, NextToken = "bogus" }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        (await server.CallAsync("ListStreamConsumers", new { }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
    }

    [Fact]
    public async Task The_21st_consumer_is_a_LimitExceededException()
    {
        var (_, streamArn) = await CreateStreamAsync("consumer-limit");
        for (var i = 0; i < 20; i++) await server.OkAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = $"c{i}" });

        (await server.CallAsync("RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = "c20" }))
            .AssertError(HttpStatusCode.BadRequest, "LimitExceededException");
    }

    [Fact]
    public async Task TagResource_UntagResource_and_ListTagsForResource_work_on_the_stream_tags()
    {
        var (stream, streamArn) = await CreateStreamAsync("tag-resource");

        await server.OkAsync("TagResource", new { ResourceARN = streamArn, Tags = new Dictionary<string, string> { ["team"] = "data", ["env"] = "test" } });
        await server.OkAsync("UntagResource", new { ResourceARN = streamArn, TagKeys = new[] { "env" } });
        await server.OkAsync("AddTagsToStream", new { StreamName = stream, Tags = new Dictionary<string, string> { ["owner"] = "me" } });

        var tags = (await server.OkAsync("ListTagsForResource", new { ResourceARN = streamArn })).GetProperty("Tags");
        Assert.Equal(["owner=me", "team=data"],
            tags.EnumerateArray().Select(t => $"{t.GetProperty("Key").GetString()}={t.GetProperty("Value").GetString()}"));
        var viaStream = (await server.OkAsync("ListTagsForStream", new { StreamName = stream })).GetProperty("Tags");
        Assert.Equal(2, viaStream.GetArrayLength());
    }

    [Fact]
    public async Task Tag_operations_answer_the_Kinesis_errors()
    {
        (await server.CallAsync("ListTagsForResource", new { ResourceARN = Arn($"ghost-{Guid.NewGuid():N}") }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await server.CallAsync("ListTagsForResource", new { }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("TagResource", new { ResourceARN = "nonsense", Tags = new Dictionary<string, string> { ["a"] = "b" } }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        var (_, streamArn) = await CreateStreamAsync("tag-errors");
        (await server.CallAsync("TagResource", new { ResourceARN = streamArn }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UntagResource", new { ResourceARN = streamArn, TagKeys = Array.Empty<string>() }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
    }
}
