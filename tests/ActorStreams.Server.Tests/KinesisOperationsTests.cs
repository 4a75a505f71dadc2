using System.Net;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>Every operation of the first slice over raw HTTP/1.1 (and one over h2c), happy paths.</summary>
public sealed class KinesisOperationsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string MaxHashKey = "340282366920938463463374607431768211455";

    private static string[] Names(JsonElement array, string member) => array.EnumerateArray().Select(e => e.GetProperty(member).GetString()!).ToArray();

    [Fact]
    public async Task CreateStream_then_DescribeStream_reports_an_active_stream_with_its_shards()
    {
        var name = await server.CreateStreamAsync("describe", shards: 2);

        var reply = await server.CallAsync("DescribeStream", new { StreamName = name });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("application/x-amz-json-1.1", reply.ContentType);
        Assert.True(Guid.TryParse(reply.RequestId, out _));
        var d = reply.Json.GetProperty("StreamDescription");
        Assert.Equal(name, d.GetProperty("StreamName").GetString());
        Assert.Equal($"arn:aws:kinesis:us-east-1:000000000000:stream/{name}", d.GetProperty("StreamARN").GetString());
        Assert.Equal("ACTIVE", d.GetProperty("StreamStatus").GetString());
        Assert.Equal("PROVISIONED", d.GetProperty("StreamModeDetails").GetProperty("StreamMode").GetString());
        Assert.Equal(24, d.GetProperty("RetentionPeriodHours").GetInt32());
        Assert.False(d.GetProperty("HasMoreShards").GetBoolean());
        Assert.Equal("NONE", d.GetProperty("EncryptionType").GetString());
        Assert.Equal(JsonValueKind.Number, d.GetProperty("StreamCreationTimestamp").ValueKind);
        Assert.InRange(d.GetProperty("StreamCreationTimestamp").GetDouble(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        var shards = d.GetProperty("Shards");
        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], Names(shards, "ShardId"));
        Assert.Equal("0", shards[0].GetProperty("HashKeyRange").GetProperty("StartingHashKey").GetString());
        Assert.Equal(MaxHashKey, shards[1].GetProperty("HashKeyRange").GetProperty("EndingHashKey").GetString());
        Assert.False(shards[0].GetProperty("SequenceNumberRange").TryGetProperty("EndingSequenceNumber", out _));
    }

    [Fact]
    public async Task CreateStream_without_ShardCount_makes_one_shard()
    {
        var name = $"default-{Guid.NewGuid():N}";
        await server.OkAsync("CreateStream", new { StreamName = name });

        var summary = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name })).GetProperty("StreamDescriptionSummary");

        Assert.Equal(1, summary.GetProperty("OpenShardCount").GetInt32());
    }

    [Fact]
    public async Task DescribeStream_pages_shards_with_Limit_and_ExclusiveStartShardId()
    {
        var name = await server.CreateStreamAsync("paging", shards: 5);

        var first = (await server.OkAsync("DescribeStream", new { StreamName = name, Limit = 3 })).GetProperty("StreamDescription");
        var second = (await server.OkAsync("DescribeStream", new { StreamName = name, Limit = 3, ExclusiveStartShardId = "shardId-000000000002" }))
            .GetProperty("StreamDescription");

        Assert.Equal(3, first.GetProperty("Shards").GetArrayLength());
        Assert.True(first.GetProperty("HasMoreShards").GetBoolean());
        Assert.Equal(["shardId-000000000003", "shardId-000000000004"], Names(second.GetProperty("Shards"), "ShardId"));
        Assert.False(second.GetProperty("HasMoreShards").GetBoolean());
    }

    [Fact]
    public async Task DescribeStreamSummary_accepts_a_StreamARN()
    {
        var name = await server.CreateStreamAsync("summary", shards: 3);

        var s = (await server.OkAsync("DescribeStreamSummary", new { StreamARN = $"arn:aws:kinesis:us-east-1:000000000000:stream/{name}" }))
            .GetProperty("StreamDescriptionSummary");

        Assert.Equal(name, s.GetProperty("StreamName").GetString());
        Assert.Equal(3, s.GetProperty("OpenShardCount").GetInt32());
        Assert.Equal(0, s.GetProperty("ConsumerCount").GetInt32());
        Assert.Equal("ACTIVE", s.GetProperty("StreamStatus").GetString());
    }

    [Fact]
    public async Task ListStreams_pages_with_Limit_ExclusiveStartStreamName_and_NextToken()
    {
        var prefix = $"list-{Guid.NewGuid():N}";
        foreach (var suffix in new[] { "a", "b", "c" })
            await server.OkAsync("CreateStream", new { StreamName = $"{prefix}-{suffix}" });

        var page = await server.OkAsync("ListStreams", new { Limit = 2, ExclusiveStartStreamName = prefix });
        var next = await server.OkAsync("ListStreams", new { Limit = 1, NextToken = page.GetProperty("NextToken").GetString() });

        Assert.Equal([$"{prefix}-a", $"{prefix}-b"], page.GetProperty("StreamNames").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.True(page.GetProperty("HasMoreStreams").GetBoolean());
        Assert.Equal([$"{prefix}-a", $"{prefix}-b"], Names(page.GetProperty("StreamSummaries"), "StreamName"));
        Assert.Equal("ACTIVE", page.GetProperty("StreamSummaries")[0].GetProperty("StreamStatus").GetString());
        Assert.Equal($"{prefix}-c", next.GetProperty("StreamNames")[0].GetString());
    }

    [Fact]
    public async Task ListShards_pages_with_MaxResults_and_NextToken()
    {
        var name = await server.CreateStreamAsync("shards", shards: 3);

        var first = await server.OkAsync("ListShards", new { StreamName = name, MaxResults = 2 });
        var rest = await server.OkAsync("ListShards", new { NextToken = first.GetProperty("NextToken").GetString() });
        var after = await server.OkAsync("ListShards", new { StreamName = name, ExclusiveStartShardId = "shardId-000000000000" });
        var latest = await server.OkAsync("ListShards", new { StreamName = name, ShardFilter = new { Type = "AT_LATEST" } });

        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], Names(first.GetProperty("Shards"), "ShardId"));
        Assert.Equal(["shardId-000000000002"], Names(rest.GetProperty("Shards"), "ShardId"));
        Assert.False(rest.TryGetProperty("NextToken", out _));
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], Names(after.GetProperty("Shards"), "ShardId"));
        Assert.Equal(3, latest.GetProperty("Shards").GetArrayLength());
    }

    [Fact]
    public async Task PutRecord_and_GetRecords_round_trip_binary_data_through_base64()
    {
        var name = await server.CreateStreamAsync("binary", shards: 2);
        var data = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        // The explicit hash key routes to the second shard whatever the partition key hashes to.
        var put = await server.OkAsync("PutRecord", new { StreamName = name, Data = Convert.ToBase64String(data), PartitionKey = "any", ExplicitHashKey = MaxHashKey });
        Assert.Equal("shardId-000000000001", put.GetProperty("ShardId").GetString());
        var sequenceNumber = put.GetProperty("SequenceNumber").GetString();

        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-000000000001", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var got = await server.OkAsync("GetRecords", new { ShardIterator = iterator });

        var record = Assert.Single(got.GetProperty("Records").EnumerateArray());
        Assert.Equal(data, record.GetProperty("Data").GetBytesFromBase64());
        Assert.Equal("any", record.GetProperty("PartitionKey").GetString());
        Assert.Equal(sequenceNumber, record.GetProperty("SequenceNumber").GetString());
        Assert.Equal(JsonValueKind.Number, record.GetProperty("ApproximateArrivalTimestamp").ValueKind);
        Assert.False(string.IsNullOrEmpty(got.GetProperty("NextShardIterator").GetString()));
        Assert.True(got.GetProperty("MillisBehindLatest").GetInt64() >= 0);
    }

    [Fact]
    public async Task PutRecords_answers_per_entry_and_GetRecords_honours_Limit()
    {
        var name = await server.CreateStreamAsync("batch");
        var records = Enumerable.Range(0, 5).Select(i => new { Data = Convert.ToBase64String([(byte)i]), PartitionKey = $"k{i}" }).ToArray();

        var put = await server.OkAsync("PutRecords", new { StreamName = name, Records = records });

        Assert.Equal(0, put.GetProperty("FailedRecordCount").GetInt32());
        Assert.Equal(5, put.GetProperty("Records").GetArrayLength());
        Assert.All(put.GetProperty("Records").EnumerateArray(), r => Assert.Equal("shardId-000000000000", r.GetProperty("ShardId").GetString()));

        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var page1 = await server.OkAsync("GetRecords", new { ShardIterator = iterator, Limit = 3 });
        var page2 = await server.OkAsync("GetRecords", new { ShardIterator = page1.GetProperty("NextShardIterator").GetString() });

        Assert.Equal(["k0", "k1", "k2"], Names(page1.GetProperty("Records"), "PartitionKey"));
        Assert.Equal(["k3", "k4"], Names(page2.GetProperty("Records"), "PartitionKey"));
    }

    [Fact]
    public async Task GetShardIterator_starts_at_after_and_latest_as_asked()
    {
        var name = await server.CreateStreamAsync("iterators");
        var put = await server.OkAsync("PutRecords", new
        {
            StreamName = name,
            Records = new[] { new { Data = "AA==", PartitionKey = "a" }, new { Data = "AQ==", PartitionKey = "b" } },
        });
        var firstSequence = put.GetProperty("Records")[0].GetProperty("SequenceNumber").GetString();

        async Task<string[]> ReadKeys(object request)
        {
            var it = (await server.OkAsync("GetShardIterator", request)).GetProperty("ShardIterator").GetString();
            return Names((await server.OkAsync("GetRecords", new { ShardIterator = it })).GetProperty("Records"), "PartitionKey");
        }

        Assert.Equal(["a", "b"], await ReadKeys(new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "AT_SEQUENCE_NUMBER", StartingSequenceNumber = firstSequence }));
        Assert.Equal(["b"], await ReadKeys(new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber = firstSequence }));
        Assert.Empty(await ReadKeys(new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "LATEST" }));
        Assert.Equal(["a", "b"], await ReadKeys(new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "AT_TIMESTAMP", Timestamp = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() / 1000.0 }));
    }

    [Fact]
    public async Task Retention_period_goes_up_and_down()
    {
        var name = await server.CreateStreamAsync("retention");

        await server.OkAsync("IncreaseStreamRetentionPeriod", new { StreamName = name, RetentionPeriodHours = 48 });
        var raised = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name })).GetProperty("StreamDescriptionSummary");
        await server.OkAsync("DecreaseStreamRetentionPeriod", new { StreamName = name, RetentionPeriodHours = 24 });
        var lowered = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name })).GetProperty("StreamDescriptionSummary");

        Assert.Equal(48, raised.GetProperty("RetentionPeriodHours").GetInt32());
        Assert.Equal(24, lowered.GetProperty("RetentionPeriodHours").GetInt32());
    }

    [Fact]
    public async Task Tags_are_added_listed_and_removed()
    {
        var name = await server.CreateStreamAsync("tags");

        await server.OkAsync("AddTagsToStream", new { StreamName = name, Tags = new Dictionary<string, string> { ["team"] = "data", ["env"] = "test", ["tier"] = "1" } });
        var limited = await server.OkAsync("ListTagsForStream", new { StreamName = name, Limit = 2 });
        await server.OkAsync("RemoveTagsFromStream", new { StreamName = name, TagKeys = new[] { "env" } });
        var rest = await server.OkAsync("ListTagsForStream", new { StreamName = name });

        Assert.Equal(["env", "team"], Names(limited.GetProperty("Tags"), "Key"));
        Assert.True(limited.GetProperty("HasMoreTags").GetBoolean());
        Assert.Equal(["team", "tier"], Names(rest.GetProperty("Tags"), "Key"));
        Assert.Equal(["data", "1"], Names(rest.GetProperty("Tags"), "Value"));
        Assert.False(rest.GetProperty("HasMoreTags").GetBoolean());
    }

    [Fact]
    public async Task DescribeLimits_counts_open_shards()
    {
        await server.CreateStreamAsync("limits", shards: 2);

        var limits = await server.OkAsync("DescribeLimits", new { });

        Assert.Equal(500, limits.GetProperty("ShardLimit").GetInt32());
        Assert.True(limits.GetProperty("OpenShardCount").GetInt32() >= 2);
        Assert.Equal(0, limits.GetProperty("OnDemandStreamCount").GetInt32());
        Assert.True(limits.GetProperty("OnDemandStreamCountLimit").GetInt32() > 0);
    }

    [Fact]
    public async Task DeleteStream_removes_the_stream()
    {
        var name = await server.CreateStreamAsync("delete");

        await server.OkAsync("DeleteStream", new { StreamName = name });

        (await server.CallAsync("DescribeStream", new { StreamName = name })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
    }

    [Fact]
    public async Task Http2_with_prior_knowledge_is_served_on_the_same_port()
    {
        var name = await server.CreateStreamAsync("h2c");
        using var h2 = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await h2.SendAsync(ServerFixture.Request("DescribeStreamSummary", JsonSerializer.Serialize(new { StreamName = name }), HttpVersion.Version20));
        var reply = await KinesisReply.ReadAsync(response);

        Assert.Equal(HttpVersion.Version20, reply.Version);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.True(Guid.TryParse(reply.RequestId, out _));
        Assert.Equal(name, reply.Json.GetProperty("StreamDescriptionSummary").GetProperty("StreamName").GetString());

        using var http1 = await server.Http.SendAsync(ServerFixture.Request("DescribeStreamSummary", JsonSerializer.Serialize(new { StreamName = name })));
        Assert.Equal(HttpVersion.Version11, http1.Version);
    }

    [Fact]
    public async Task An_ON_DEMAND_stream_starts_with_four_shards()
    {
        var name = $"ondemand-{Guid.NewGuid():N}";

        await server.OkAsync("CreateStream", new { StreamName = name, StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        var summary = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name })).GetProperty("StreamDescriptionSummary");

        Assert.Equal("ON_DEMAND", summary.GetProperty("StreamModeDetails").GetProperty("StreamMode").GetString());
        Assert.Equal(4, summary.GetProperty("OpenShardCount").GetInt32());
    }

    [Fact]
    public async Task PutRecords_over_the_shard_write_limit_fails_entries_with_ProvisionedThroughputExceededException()
    {
        var name = await server.CreateStreamAsync("throttled");
        var records = Enumerable.Range(0, 500).Select(i => new { Data = "AA==", PartitionKey = $"k{i}" }).ToArray();

        // 3,000 records at once into one shard that takes 1,000 a second: some entries must be refused.
        var failed = new List<JsonElement>();
        for (var call = 0; call < 6; call++)
        {
            var put = await server.OkAsync("PutRecords", new { StreamName = name, Records = records });
            var entries = put.GetProperty("Records").EnumerateArray().Where(r => r.TryGetProperty("ErrorCode", out _)).ToList();
            Assert.Equal(entries.Count, put.GetProperty("FailedRecordCount").GetInt32());
            failed.AddRange(entries);
        }

        Assert.NotEmpty(failed);
        Assert.All(failed, r =>
        {
            Assert.Equal("ProvisionedThroughputExceededException", r.GetProperty("ErrorCode").GetString());
            Assert.False(string.IsNullOrEmpty(r.GetProperty("ErrorMessage").GetString()));
            Assert.False(r.TryGetProperty("SequenceNumber", out _));
        });
    }
}
