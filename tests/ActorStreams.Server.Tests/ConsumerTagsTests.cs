using System.Net;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>
/// TagResource, UntagResource and ListTagsForResource on consumer ARNs, RegisterStreamConsumer's Tags and
/// ListStreamConsumers' StreamCreationTimestamp, over raw HTTP and with the JavaScript SDK.
/// </summary>
public sealed class ConsumerTagsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static string Arn(string stream) => $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}";

    private static string[] Tags(JsonElement reply) =>
        reply.GetProperty("Tags").EnumerateArray().Select(t => $"{t.GetProperty("Key").GetString()}={t.GetProperty("Value").GetString()}").ToArray();

    private async Task<(string Stream, string ConsumerArn)> RegisterAsync(string prefix, object? tags = null)
    {
        var stream = await server.CreateStreamAsync(prefix);
        var reply = tags is null
            ? await server.OkAsync("RegisterStreamConsumer", new { StreamARN = Arn(stream), ConsumerName = "app" })
            : await server.OkAsync("RegisterStreamConsumer", new { StreamARN = Arn(stream), ConsumerName = "app", Tags = tags });
        return (stream, reply.GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!);
    }

    [Fact]
    public async Task A_consumer_ARN_has_its_own_tags_which_go_when_it_is_deregistered()
    {
        var (stream, consumerArn) = await RegisterAsync("consumer-tags", new Dictionary<string, string> { ["team"] = "data" });
        await server.OkAsync("AddTagsToStream", new { StreamName = stream, Tags = new Dictionary<string, string> { ["stream"] = "yes" } });

        await server.OkAsync("TagResource", new { ResourceARN = consumerArn, Tags = new Dictionary<string, string> { ["env"] = "test", ["tmp"] = "1" } });
        await server.OkAsync("UntagResource", new { ResourceARN = consumerArn, TagKeys = new[] { "tmp" } });

        Assert.Equal(["env=test", "team=data"], Tags(await server.OkAsync("ListTagsForResource", new { ResourceARN = consumerArn })));
        Assert.Equal(["stream=yes"], Tags(await server.OkAsync("ListTagsForResource", new { ResourceARN = Arn(stream) })));
        Assert.Equal(["stream=yes"], Tags(await server.OkAsync("ListTagsForStream", new { StreamName = stream })));

        await server.OkAsync("DeregisterStreamConsumer", new { ConsumerARN = consumerArn });
        (await server.CallAsync("ListTagsForResource", new { ResourceARN = consumerArn })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await server.CallAsync("TagResource", new { ResourceARN = consumerArn, Tags = new Dictionary<string, string> { ["a"] = "b" } }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        var again = await server.OkAsync("RegisterStreamConsumer", new { StreamARN = Arn(stream), ConsumerName = "app" });
        Assert.Empty(Tags(await server.OkAsync("ListTagsForResource", new { ResourceARN = again.GetProperty("Consumer").GetProperty("ConsumerARN").GetString() })));
    }

    [Fact]
    public async Task Consumer_tag_errors_are_the_Kinesis_ones()
    {
        var (stream, consumerArn) = await RegisterAsync("consumer-tag-errors");
        var ghost = $"{Arn(stream)}/consumer/ghost:1700000000";

        (await server.CallAsync("ListTagsForResource", new { ResourceARN = ghost })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await server.CallAsync("TagResource", new { ResourceARN = consumerArn, Tags = new Dictionary<string, string> { ["aws:reserved"] = "x" } }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        (await server.CallAsync("TagResource", new { ResourceARN = consumerArn, Tags = new Dictionary<string, string>() }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UntagResource", new { ResourceARN = consumerArn, TagKeys = Array.Empty<string>() }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("ListTagsForResource", new { ResourceARN = $"{Arn(stream)}/consumer/app" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("RegisterStreamConsumer", new { StreamARN = Arn(stream), ConsumerName = "bad-tags", Tags = new Dictionary<string, string> { ["aws:x"] = "y" } }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        var listed = await server.OkAsync("ListStreamConsumers", new { StreamARN = Arn(stream) });
        Assert.Equal(["app"], listed.GetProperty("Consumers").EnumerateArray().Select(c => c.GetProperty("ConsumerName").GetString()));
        for (var i = 0; i < 5; i++)
            await server.OkAsync("TagResource", new { ResourceARN = consumerArn, Tags = Enumerable.Range(i * 10, 10).ToDictionary(n => $"k{n}", _ => "v") });
        (await server.CallAsync("TagResource", new { ResourceARN = consumerArn, Tags = new Dictionary<string, string> { ["k50"] = "v" } }))
            .AssertError(HttpStatusCode.BadRequest, "LimitExceededException");
    }

    [Fact]
    public async Task ListStreamConsumers_checks_the_StreamCreationTimestamp_against_the_stream()
    {
        var (stream, _) = await RegisterAsync("consumer-incarnation");
        var created = (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream }))
            .GetProperty("StreamDescriptionSummary").GetProperty("StreamCreationTimestamp").GetDouble();

        var listed = await server.OkAsync("ListStreamConsumers", new { StreamARN = Arn(stream), StreamCreationTimestamp = created });
        var wrong = await server.CallAsync("ListStreamConsumers", new { StreamARN = Arn(stream), StreamCreationTimestamp = created - 86_400 });
        var withToken = await server.CallAsync("ListStreamConsumers", new { StreamARN = Arn(stream), StreamCreationTimestamp = created, NextToken = "bGMxOng=" });

        Assert.Single(listed.GetProperty("Consumers").EnumerateArray());
        wrong.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        withToken.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
    }

    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_tags_a_consumer_and_lists_consumers_by_stream_creation_time()
    {
        Assert.True(JavaScriptSdk.Node is not null, "node is not on PATH and CI is set.");
        await JavaScriptSdk.EnsureInstalledAsync();

        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["consumer-tags.mjs", endpoint], TimeSpan.FromMinutes(2));

        Assert.True(code == 0, $"node consumer-tags.mjs exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"consumerTags\": \"env=test,team=data\"", stdout);
    }
}
