using ActorStreams.Kinesis;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers and DeregisterStreamConsumer.</summary>
public abstract class StreamConsumerSpec(ITestOutputHelper output, SpecJournal journal) : ActorStreamsSpec(output, journal)
{
    private static string Arn(string stream) => $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}";

    [JournalFact]
    public async Task Consumers_must_be_registered_listed_described_and_deregistered()
    {
        var stream = UniqueName("consumers");
        await Client.CreateStreamAsync(stream);

        var registered = await Client.RegisterStreamConsumerAsync(Arn(stream), "app-b");
        await Client.RegisterStreamConsumerAsync(stream, "app-a");

        Assert.Equal("app-b", registered.ConsumerName);
        Assert.Equal(ConsumerStatus.Active, registered.ConsumerStatus);
        Assert.Equal(Arn(stream), registered.StreamArn);
        Assert.Equal($"{Arn(stream)}/consumer/app-b:{registered.ConsumerCreationTimestamp.ToUnixTimeSeconds()}", registered.ConsumerArn);
        Assert.Equal(registered, await Client.DescribeStreamConsumerAsync(registered.ConsumerArn));
        Assert.Equal(registered, await Client.DescribeStreamConsumerAsync(Arn(stream), "app-b"));
        Assert.Equal(2, (await Client.DescribeStreamSummaryAsync(stream)).ConsumerCount);

        var listed = await Client.ListStreamConsumersAsync(Arn(stream));
        Assert.Equal(["app-a", "app-b"], listed.Consumers.Select(c => c.ConsumerName));
        Assert.Null(listed.NextToken);

        await Client.DeregisterStreamConsumerAsync(registered.ConsumerArn);
        await Client.DeregisterStreamConsumerAsync(Arn(stream), "app-a");
        Assert.Empty((await Client.ListStreamConsumersAsync(Arn(stream))).Consumers);
        Assert.Equal(0, (await Client.DescribeStreamSummaryAsync(stream)).ConsumerCount);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DescribeStreamConsumerAsync(registered.ConsumerArn));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DeregisterStreamConsumerAsync(Arn(stream), "app-a"));
    }

    [JournalFact]
    public async Task Consumers_must_be_limited_to_20_per_stream_and_unique_by_name()
    {
        var stream = UniqueName("limit");
        await Client.CreateStreamAsync(stream);
        for (var i = 0; i < KinesisLimits.MaxConsumersPerStream; i++) await Client.RegisterStreamConsumerAsync(stream, $"c{i:00}");

        await Assert.ThrowsAsync<ResourceInUseException>(() => Client.RegisterStreamConsumerAsync(stream, "c07"));
        await Assert.ThrowsAsync<LimitExceededException>(() => Client.RegisterStreamConsumerAsync(stream, "one-too-many"));
        Assert.Equal(20, (await Client.DescribeStreamSummaryAsync(stream)).ConsumerCount);

        var first = await Client.ListStreamConsumersAsync(Arn(stream), maxResults: 15);
        Assert.Equal(15, first.Consumers.Count);
        Assert.NotNull(first.NextToken);
        var second = await Client.ListStreamConsumersAsync(Arn(stream), maxResults: 15, nextToken: first.NextToken);
        Assert.Equal(Enumerable.Range(15, 5).Select(i => $"c{i:00}"), second.Consumers.Select(c => c.ConsumerName));
        Assert.Null(second.NextToken);
    }

    [JournalFact]
    public async Task Consumer_arguments_must_be_validated()
    {
        var stream = UniqueName("args");
        await Client.CreateStreamAsync(stream);

        await Assert.ThrowsAsync<ValidationException>(() => Client.RegisterStreamConsumerAsync(stream, ""));
        await Assert.ThrowsAsync<ValidationException>(() => Client.RegisterStreamConsumerAsync(stream, "bad name"));
        await Assert.ThrowsAsync<ValidationException>(() => Client.RegisterStreamConsumerAsync(stream, new string('x', 129)));
        await Assert.ThrowsAsync<ValidationException>(() => Client.DescribeStreamConsumerAsync("not-an-arn"));
        await Assert.ThrowsAsync<ValidationException>(() => Client.ListStreamConsumersAsync(Arn(stream), maxResults: 0));
        await Assert.ThrowsAsync<ValidationException>(() => Client.ListStreamConsumersAsync(Arn(stream), maxResults: 10_001));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.ListStreamConsumersAsync(Arn(stream), nextToken: "bogus"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.RegisterStreamConsumerAsync(UniqueName("missing"), "c"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DescribeStreamConsumerAsync(stream, "never-registered"));
    }

    [JournalFact]
    public async Task A_consumer_ARN_must_name_one_registration()
    {
        var stream = UniqueName("rereg");
        await Client.CreateStreamAsync(stream);
        var old = await Client.RegisterStreamConsumerAsync(stream, "app");
        await Client.DeregisterStreamConsumerAsync(old.ConsumerArn);
        Clock.Advance(TimeSpan.FromSeconds(2));

        var renewed = await Client.RegisterStreamConsumerAsync(stream, "app");

        Assert.NotEqual(old.ConsumerArn, renewed.ConsumerArn);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DescribeStreamConsumerAsync(old.ConsumerArn));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DeregisterStreamConsumerAsync(old.ConsumerArn));
        Assert.Equal(renewed, await Client.DescribeStreamConsumerAsync(renewed.ConsumerArn));
    }

    [JournalFact]
    public async Task Consumers_must_be_removed_with_their_stream()
    {
        var stream = UniqueName("removed");
        await Client.CreateStreamAsync(stream);
        await Client.RegisterStreamConsumerAsync(stream, "app");

        await Client.DeleteStreamAsync(stream);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.ListStreamConsumersAsync(Arn(stream)));
        await Client.CreateStreamAsync(stream);

        Assert.Empty((await Client.ListStreamConsumersAsync(Arn(stream))).Consumers);
        Assert.Equal(0, (await Client.DescribeStreamSummaryAsync(stream)).ConsumerCount);
    }

    [JournalFact]
    public async Task Consumers_must_survive_a_restart_on_the_same_data()
    {
        var stream = UniqueName("durable");
        await Client.CreateStreamAsync(stream);
        var kept = await Client.RegisterStreamConsumerAsync(stream, "kept");
        var dropped = await Client.RegisterStreamConsumerAsync(stream, "dropped");
        await Client.DeregisterStreamConsumerAsync(dropped.ConsumerArn);

        await Sys.Terminate();
        var system = StartAnotherSystem("actorstreams-recovered");
        try
        {
            var client = ActorStreamsExtension.Get(system).Client;
            Assert.Equal([kept], (await client.ListStreamConsumersAsync(Arn(stream))).Consumers);
            Assert.Equal(kept, await client.DescribeStreamConsumerAsync(kept.ConsumerArn));
            Assert.Equal(1, (await client.DescribeStreamSummaryAsync(stream)).ConsumerCount);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [JournalFact]
    public async Task Consumer_tags_must_be_kept_apart_from_the_stream_tags_survive_a_restart_and_go_with_the_registration()
    {
        var stream = UniqueName("consumer-tags");
        await Client.CreateStreamAsync(stream);
        await Client.AddTagsToStreamAsync(stream, new Dictionary<string, string> { ["stream-tag"] = "s" });
        var app = await Client.RegisterStreamConsumerAsync(stream, "app", new Dictionary<string, string> { ["team"] = "data" });
        await Client.TagResourceAsync(app.ConsumerArn, new Dictionary<string, string> { ["env"] = "test", ["tmp"] = "x" });
        await Client.UntagResourceAsync(app.ConsumerArn, ["tmp", "never-set"]);

        Assert.Equal(new Dictionary<string, string> { ["env"] = "test", ["team"] = "data" }, await Client.ListTagsForResourceAsync(app.ConsumerArn));
        Assert.Equal(new Dictionary<string, string> { ["stream-tag"] = "s" }, await Client.ListTagsForResourceAsync(Arn(stream)));

        await Sys.Terminate();
        var system = StartAnotherSystem("actorstreams-recovered");
        try
        {
            var client = ActorStreamsExtension.Get(system).Client;
            Assert.Equal(new Dictionary<string, string> { ["env"] = "test", ["team"] = "data" }, await client.ListTagsForResourceAsync(app.ConsumerArn));

            await client.DeregisterStreamConsumerAsync(app.ConsumerArn);
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => client.ListTagsForResourceAsync(app.ConsumerArn));
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => client.TagResourceAsync(app.ConsumerArn, new Dictionary<string, string> { ["a"] = "b" }));
            // Registered again a second later: a new ARN, and none of the old registration's tags.
            Clock.Advance(TimeSpan.FromSeconds(1));
            var again = await client.RegisterStreamConsumerAsync(stream, "app");
            Assert.NotEqual(app.ConsumerArn, again.ConsumerArn);
            Assert.Empty(await client.ListTagsForResourceAsync(again.ConsumerArn));
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => client.UntagResourceAsync(app.ConsumerArn, ["env"]));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [JournalFact]
    public async Task Consumer_tags_must_be_limited_like_stream_tags()
    {
        var stream = UniqueName("consumer-tag-limits");
        await Client.CreateStreamAsync(stream);
        var app = await Client.RegisterStreamConsumerAsync(stream, "app");
        for (var i = 0; i < KinesisLimits.MaxTagsPerConsumer; i += 10)
            await Client.TagResourceAsync(app.ConsumerArn, Enumerable.Range(i, 10).ToDictionary(n => $"k{n}", n => "v"));

        await Assert.ThrowsAsync<LimitExceededException>(() => Client.TagResourceAsync(app.ConsumerArn, new Dictionary<string, string> { ["one-more"] = "v" }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.TagResourceAsync(app.ConsumerArn, new Dictionary<string, string> { ["aws:x"] = "v" }));
        await Assert.ThrowsAsync<ValidationException>(() => Client.TagResourceAsync(app.ConsumerArn, new Dictionary<string, string>()));
        await Assert.ThrowsAsync<ValidationException>(() => Client.ListTagsForResourceAsync("app"));
        await Assert.ThrowsAsync<ValidationException>(() => Client.RegisterStreamConsumerAsync(stream, "tagged", new Dictionary<string, string> { [""] = "v" }));
        Assert.Equal(KinesisLimits.MaxTagsPerConsumer, (await Client.ListTagsForResourceAsync(app.ConsumerArn)).Count);
        // The rejected registration registered nothing.
        Assert.Equal(["app"], (await Client.ListStreamConsumersAsync(stream)).Consumers.Select(c => c.ConsumerName));
    }

    [JournalFact]
    public async Task ListStreamConsumers_with_a_StreamCreationTimestamp_must_match_the_current_stream_of_that_name()
    {
        var stream = UniqueName("incarnation");
        var first = await Client.CreateStreamAsync(stream);
        await Client.DeleteStreamAsync(stream);
        Clock.Advance(TimeSpan.FromSeconds(5));
        var second = await Client.CreateStreamAsync(stream);
        await Client.RegisterStreamConsumerAsync(stream, "app");

        var listed = await Client.ListStreamConsumersAsync(Arn(stream), null, null, second.StreamCreationTimestamp);
        // Whole seconds, as the AWS CLI sends timestamps: 999 ms later is still the same second.
        var sameSecond = DateTimeOffset.FromUnixTimeSeconds(second.StreamCreationTimestamp.ToUnixTimeSeconds()).AddMilliseconds(999);
        var listedToo = await Client.ListStreamConsumersAsync(Arn(stream), null, null, sameSecond);

        Assert.Equal(["app"], listed.Consumers.Select(c => c.ConsumerName));
        Assert.Equal(["app"], listedToo.Consumers.Select(c => c.ConsumerName));
        var gone = await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            Client.ListStreamConsumersAsync(Arn(stream), null, null, first.StreamCreationTimestamp));
        Assert.Contains("created at", gone.Message);
        await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Client.ListStreamConsumersAsync(Arn(stream), 1, "bGMxOnNvbWV0aGluZw==", second.StreamCreationTimestamp));
    }
}

public sealed class StreamConsumerSqliteSpec(ITestOutputHelper output) : StreamConsumerSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class StreamConsumerPostgreSqlSpec(ITestOutputHelper output) : StreamConsumerSpec(output, SpecJournal.PostgreSql);
