using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>CreateStream, DescribeStream(Summary), ListShards, ListStreams and DeleteStream.</summary>
public abstract class StreamLifecycleSpec(ITestOutputHelper output, SpecJournal journal)
    : ActorStreamsSpec(output, journal, "actorstreams.limits.max-shards = 6")
{
    [JournalFact]
    public async Task Create_stream_must_default_to_one_active_shard_over_the_whole_hash_key_space()
    {
        var name = UniqueName("one");
        var created = await Client.CreateStreamAsync(name);

        Assert.Equal(StreamStatus.Active, created.StreamStatus);
        var shard = Assert.Single(created.Shards);
        Assert.Equal(Shard0, shard.ShardId.ToString());
        Assert.Equal(HashKeyRange.All, shard.HashKeyRange);
        Assert.Equal("0", shard.HashKeyRange.StartingHashKeyText);
        Assert.Equal("340282366920938463463374607431768211455", shard.HashKeyRange.EndingHashKeyText);
        Assert.True(shard.IsOpen);

        var summary = await Client.DescribeStreamSummaryAsync(name);
        Assert.Equal(name, summary.StreamName);
        Assert.Equal(1, summary.OpenShardCount);
        Assert.Equal(24, summary.RetentionPeriodHours);
        Assert.Equal(StreamStatus.Active, summary.StreamStatus);
        Assert.Equal($"arn:aws:kinesis:us-east-1:000000000000:stream/{name}", summary.StreamArn);
    }

    [JournalFact]
    public async Task Describe_stream_must_show_uniform_hash_ranges_and_a_starting_sequence_number_at_or_below_the_first_record()
    {
        var name = UniqueName("desc");
        await Client.CreateStreamAsync(name, 4);
        var description = await Client.DescribeStreamAsync(name);

        Assert.Equal(HashKey.UniformRanges(4), description.Shards.Select(s => s.HashKeyRange).ToList());
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"shardId-{i:D12}"), description.Shards.Select(s => s.ShardId.ToString()));
        Assert.All(description.Shards, s =>
        {
            Assert.Null(s.ParentShardId);
            Assert.Null(s.SequenceNumberRange.EndingSequenceNumber);
            Assert.Matches("^(0|[1-9][0-9]{0,128})$", s.SequenceNumberRange.StartingSequenceNumber);
        });

        var put = await Client.PutRecordAsync(name, Bytes("first"), "some-key");
        var shard = description.Shards.Single(s => s.ShardId == put.ShardId);
        Assert.True(Numeric(shard.SequenceNumberRange.StartingSequenceNumber) <= Numeric(put.SequenceNumber));

        var listed = await Client.ListShardsAsync(name);
        Assert.Equal(description.Shards, listed);
    }

    [JournalFact]
    public async Task List_streams_must_page_with_limit_and_next_token()
    {
        var prefix = UniqueName("page");
        var names = Enumerable.Range(0, 5).Select(i => $"{prefix}-{i}").ToList();
        foreach (var name in names) await Client.CreateStreamAsync(name);

        var first = await Client.ListStreamsAsync(limit: 2);
        Assert.Equal(names.Take(2), first.StreamNames);
        Assert.True(first.HasMoreStreams);
        Assert.NotNull(first.NextToken);

        var second = await Client.ListStreamsAsync(limit: 2, nextToken: first.NextToken);
        Assert.Equal(names.Skip(2).Take(2), second.StreamNames);
        Assert.True(second.HasMoreStreams);

        var third = await Client.ListStreamsAsync(limit: 2, nextToken: second.NextToken);
        Assert.Equal(names.Skip(4), third.StreamNames);
        Assert.False(third.HasMoreStreams);
        Assert.Null(third.NextToken);

        var afterSecond = await Client.ListStreamsAsync(exclusiveStartStreamName: names[1]);
        Assert.Equal(names.Skip(2), afterSecond.StreamNames);
        Assert.All(afterSecond.StreamSummaries, s => Assert.Equal(StreamStatus.Active, s.StreamStatus));

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.ListStreamsAsync(nextToken: first.NextToken, exclusiveStartStreamName: names[0]));
        await Assert.ThrowsAsync<ValidationException>(() => Client.ListStreamsAsync(limit: 0));
    }

    [JournalFact]
    public async Task Create_stream_must_reject_a_name_that_is_taken()
    {
        var name = UniqueName("dup");
        await Client.CreateStreamAsync(name, 2);

        await Assert.ThrowsAsync<ResourceInUseException>(() => Client.CreateStreamAsync(name));
        Assert.Equal(2, (await Client.DescribeStreamAsync(name)).Shards.Count);
    }

    [JournalFact]
    public async Task Create_stream_must_reject_bad_names_and_shard_counts()
    {
        await Assert.ThrowsAsync<ValidationException>(() => Client.CreateStreamAsync(""));
        await Assert.ThrowsAsync<ValidationException>(() => Client.CreateStreamAsync(new string('a', 129)));
        await Assert.ThrowsAsync<ValidationException>(() => Client.CreateStreamAsync("a/b"));
        await Assert.ThrowsAsync<ValidationException>(() => Client.CreateStreamAsync("spaced name"));
        await Assert.ThrowsAsync<ValidationException>(() => Client.CreateStreamAsync(UniqueName("zero"), 0));

        var longest = UniqueName("x") + new string('a', 128 - 14);
        Assert.Equal(128, longest.Length);
        Assert.Equal(longest, (await Client.CreateStreamAsync(longest)).StreamName);
    }

    [JournalFact]
    public async Task Describe_and_delete_must_report_a_missing_stream_as_not_found()
    {
        var missing = UniqueName("missing");
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DescribeStreamAsync(missing));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DescribeStreamSummaryAsync(missing));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DeleteStreamAsync(missing));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.PutRecordAsync(missing, Bytes("x"), "k"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.GetShardIteratorAsync(missing, Shard0, ShardIteratorType.TrimHorizon));
    }

    [JournalFact]
    public async Task Delete_stream_must_remove_its_data_so_a_recreated_stream_starts_empty()
    {
        var name = UniqueName("recreate");
        await Client.CreateStreamAsync(name);
        await Client.PutRecordsAsync(name, [Entry("a", "1"), Entry("b", "2"), Entry("c", "3")]);
        var oldIterator = await Client.GetShardIteratorAsync(name, Shard0, ShardIteratorType.TrimHorizon);

        await Client.DeleteStreamAsync(name);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DescribeStreamAsync(name));
        Assert.DoesNotContain(name, (await Client.ListStreamsAsync()).StreamNames);

        await Client.CreateStreamAsync(name);
        var fresh = await Client.GetRecordsAsync(await Client.GetShardIteratorAsync(name, Shard0, ShardIteratorType.TrimHorizon));
        Assert.Empty(fresh.Records);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.GetRecordsAsync(oldIterator));

        var put = await Client.PutRecordAsync(name, Bytes("new"), "a");
        var records = await ReadAllAsync(name, Shard0);
        Assert.Equal(["new"], records.Select(r => Text(r.Data)));
        Assert.Equal(put.SequenceNumber, records[0].SequenceNumber);
    }

    [JournalFact]
    public async Task Create_stream_must_refuse_to_exceed_the_account_shard_limit()
    {
        // max-shards = 6 for this spec
        await Client.CreateStreamAsync(UniqueName("three"), 3);

        var ex = await Assert.ThrowsAsync<LimitExceededException>(() => Client.CreateStreamAsync(UniqueName("four"), 4));
        Assert.Equal("LimitExceededException", ex.ErrorCode);
        var three = UniqueName("fits");
        Assert.Equal(3, (await Client.CreateStreamAsync(three, 3)).Shards.Count);
        await Assert.ThrowsAsync<LimitExceededException>(() => Client.CreateStreamAsync(UniqueName("one-more"), 1));

        // Deleting a stream gives its shards back.
        await Client.DeleteStreamAsync(three);
        Assert.Single((await Client.CreateStreamAsync(UniqueName("again"), 1)).Shards);
    }
}

public sealed class StreamLifecycleSqliteSpec(ITestOutputHelper output) : StreamLifecycleSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class StreamLifecyclePostgreSqlSpec(ITestOutputHelper output) : StreamLifecycleSpec(output, SpecJournal.PostgreSql);
