using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>PutRecord and PutRecords route each record to the shard whose hash-key range holds its hash key.</summary>
public sealed class RoutingSpec(ITestOutputHelper output) : ActorStreamsSpec(output)
{
    [Fact]
    public async Task Put_records_must_route_by_md5_of_the_partition_key()
    {
        var stream = UniqueName("md5");
        var shards = (await Client.CreateStreamAsync(stream, 4)).Shards;
        var keys = Enumerable.Range(0, 40).Select(i => $"user-{i}").ToList();

        var result = await Client.PutRecordsAsync(stream, keys.Select(k => Entry(k, k)).ToList());
        var single = await Client.PutRecordAsync(stream, Bytes("single"), "the-single-key");

        Assert.Equal(0, result.FailedRecordCount);
        for (var i = 0; i < keys.Count; i++)
        {
            var expected = shards.Single(s => s.HashKeyRange.Contains(HashKey.OfPartitionKey(keys[i]))).ShardId;
            Assert.Equal(expected, result.Records[i].ShardId);
        }
        Assert.Equal(shards.Single(s => s.HashKeyRange.Contains(HashKey.OfPartitionKey("the-single-key"))).ShardId, single.ShardId);
        // 40 keys over 4 equal ranges: all four shards are used.
        Assert.Equal(4, result.Records.Select(r => r.ShardId).Distinct().Count());
    }

    [Fact]
    public async Task Put_record_with_an_explicit_hash_key_must_land_in_the_shard_whose_range_holds_it()
    {
        var stream = UniqueName("explicit");
        var shards = (await Client.CreateStreamAsync(stream, 4)).Shards;

        foreach (var shard in shards)
        {
            var range = shard.HashKeyRange;
            var middle = range.StartingHashKey + (range.EndingHashKey - range.StartingHashKey) / 2;
            foreach (var key in new[] { range.StartingHashKey, middle, range.EndingHashKey })
            {
                // The partition key hashes elsewhere; the explicit hash key must win.
                var put = await Client.PutRecordAsync(stream, Bytes("x"), "same-partition-key", explicitHashKey: key.ToString());
                Assert.Equal(shard.ShardId, put.ShardId);
            }
        }

        var batch = await Client.PutRecordsAsync(stream, [Entry("k", "a", "0"), Entry("k", "b", UInt128.MaxValue.ToString())]);
        Assert.Equal([shards[0].ShardId, shards[3].ShardId], batch.Records.Select(r => r.ShardId!.Value));
    }

    [Fact]
    public async Task Put_record_must_reject_an_invalid_explicit_hash_key_and_store_nothing()
    {
        var stream = UniqueName("badkey");
        await Client.CreateStreamAsync(stream);

        foreach (var explicitHashKey in new[] { "01", "340282366920938463463374607431768211456", "12a", "-1", "" })
        {
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.PutRecordAsync(stream, Bytes("x"), "k", explicitHashKey));
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.PutRecordsAsync(stream, [Entry("k", "x"), Entry("k", "y", explicitHashKey)]));
        }
        Assert.Empty(await ReadAllAsync(stream, Shard0));
    }
}
