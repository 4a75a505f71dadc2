using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>Increase/DecreaseStreamRetentionPeriod and AddTagsToStream/RemoveTagsFromStream/ListTagsForStream.</summary>
public abstract class RetentionAndTagsSpec(ITestOutputHelper output, SpecJournal journal) : ActorStreamsSpec(output, journal)
{
    [JournalFact]
    public async Task Retention_period_must_move_up_and_down_within_24_to_8760_hours()
    {
        var stream = UniqueName("retention");
        await Client.CreateStreamAsync(stream);

        await Client.IncreaseStreamRetentionPeriodAsync(stream, 8760);
        Assert.Equal(8760, (await Client.DescribeStreamAsync(stream)).RetentionPeriodHours);
        await Client.DecreaseStreamRetentionPeriodAsync(stream, 48);
        Assert.Equal(48, (await Client.DescribeStreamSummaryAsync(stream)).RetentionPeriodHours);
        await Client.DecreaseStreamRetentionPeriodAsync(stream, 24);
        Assert.Equal(24, (await Client.DescribeStreamSummaryAsync(stream)).RetentionPeriodHours);
        // Asking for the current period is not an error in either direction.
        await Client.IncreaseStreamRetentionPeriodAsync(stream, 24);
        await Client.DecreaseStreamRetentionPeriodAsync(stream, 24);
        Assert.Equal(24, (await Client.DescribeStreamSummaryAsync(stream)).RetentionPeriodHours);
    }

    [JournalFact]
    public async Task Retention_period_must_reject_values_out_of_bounds_or_in_the_wrong_direction()
    {
        var stream = UniqueName("bounds");
        await Client.CreateStreamAsync(stream);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.IncreaseStreamRetentionPeriodAsync(stream, 23));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.IncreaseStreamRetentionPeriodAsync(stream, 8761));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.DecreaseStreamRetentionPeriodAsync(stream, 23));
        // Decreasing to more than the current period, and increasing to less, are both refused.
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.DecreaseStreamRetentionPeriodAsync(stream, 48));
        await Client.IncreaseStreamRetentionPeriodAsync(stream, 72);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.IncreaseStreamRetentionPeriodAsync(stream, 48));

        Assert.Equal(72, (await Client.DescribeStreamSummaryAsync(stream)).RetentionPeriodHours);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.IncreaseStreamRetentionPeriodAsync(UniqueName("missing"), 48));
    }

    [JournalFact]
    public async Task Tags_must_be_added_overwritten_listed_and_removed()
    {
        var stream = UniqueName("tags");
        await Client.CreateStreamAsync(stream);
        Assert.Empty(await Client.ListTagsForStreamAsync(stream));

        await Client.AddTagsToStreamAsync(stream, new Dictionary<string, string> { ["team"] = "data", ["env"] = "test", ["empty"] = "" });
        await Client.AddTagsToStreamAsync(stream, new Dictionary<string, string> { ["env"] = "prod" });
        Assert.Equal(new Dictionary<string, string> { ["empty"] = "", ["env"] = "prod", ["team"] = "data" }, await Client.ListTagsForStreamAsync(stream));

        await Client.RemoveTagsFromStreamAsync(stream, ["team", "not-there"]);
        Assert.Equal(new Dictionary<string, string> { ["empty"] = "", ["env"] = "prod" }, await Client.ListTagsForStreamAsync(stream));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.ListTagsForStreamAsync(UniqueName("missing")));
    }

    [JournalFact]
    public async Task Tags_must_be_limited_to_10_per_request_and_50_per_stream()
    {
        var stream = UniqueName("taglimit");
        await Client.CreateStreamAsync(stream);

        var eleven = Enumerable.Range(0, 11).ToDictionary(i => $"k{i}", i => $"v{i}");
        await Assert.ThrowsAsync<ValidationException>(() => Client.AddTagsToStreamAsync(stream, eleven));
        await Assert.ThrowsAsync<ValidationException>(() => Client.AddTagsToStreamAsync(stream, new Dictionary<string, string>()));
        await Assert.ThrowsAsync<ValidationException>(() => Client.AddTagsToStreamAsync(stream, new Dictionary<string, string> { [new string('k', 129)] = "v" }));
        await Assert.ThrowsAsync<ValidationException>(() => Client.RemoveTagsFromStreamAsync(stream, eleven.Keys));
        Assert.Empty(await Client.ListTagsForStreamAsync(stream));

        for (var batch = 0; batch < 5; batch++)
            await Client.AddTagsToStreamAsync(stream, Enumerable.Range(batch * 10, 10).ToDictionary(i => $"k{i:D2}", i => $"v{i}"));
        Assert.Equal(50, (await Client.ListTagsForStreamAsync(stream)).Count);

        // AWS answers InvalidArgumentException here, in words that say 10 although the limit is 50.
        var over = await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.AddTagsToStreamAsync(stream, new Dictionary<string, string> { ["one-more"] = "v" }));
        Assert.Equal($"Failed to add tags to stream {stream} under account 000000000000 because a given stream cannot have more than 10 tags associated with it.", over.Message);
        // Overwriting existing keys does not add tags, so it stays allowed at the limit.
        await Client.AddTagsToStreamAsync(stream, new Dictionary<string, string> { ["k00"] = "changed" });
        var tags = await Client.ListTagsForStreamAsync(stream);
        Assert.Equal(50, tags.Count);
        Assert.Equal("changed", tags["k00"]);
        Assert.False(tags.ContainsKey("one-more"));
    }
}

public sealed class RetentionAndTagsSqliteSpec(ITestOutputHelper output) : RetentionAndTagsSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class RetentionAndTagsPostgreSqlSpec(ITestOutputHelper output) : RetentionAndTagsSpec(output, SpecJournal.PostgreSql);
