using System.Globalization;
using System.Numerics;
using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// As in Kinesis, a child shard numbers its records above its parents' last one, so a client that compares sequence
/// numbers across a split or a merge (numerically, as AWS documents) sees them increase. The shards here are chosen so
/// that the children's indexes (16, 17, 18) have lower last hexadecimal digits than their parent's (15): an order that
/// came from the index's digits rather than from the layout's shard-creation field would fail.
/// </summary>
public sealed class ChildSequenceNumberSpec(ITestOutputHelper output) : ActorStreamsSpec(output, SpecJournal.Sqlite)
{
    private static readonly UInt128 Shard15Start = (UInt128)15 << 124;
    private static readonly UInt128 Shard15Middle = Shard15Start + ((UInt128)1 << 123);

    private static BigInteger Number(string sequenceNumber) => BigInteger.Parse(sequenceNumber, NumberStyles.None, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Children_of_a_split_and_of_a_merge_must_number_their_records_after_their_parents_last()
    {
        var stream = UniqueName("child-seq");
        await Client.CreateStreamAsync(stream, 16);
        var parent = await PutAsync(stream, Shard15Start, 30, "shardId-000000000015");

        await Client.SplitShardAsync(stream, "shardId-000000000015", Shard15Middle.ToString(CultureInfo.InvariantCulture));
        await ActiveAsync(stream);
        var lower = await PutAsync(stream, Shard15Start, 3, "shardId-000000000016");
        var upper = await PutAsync(stream, Shard15Middle, 3, "shardId-000000000017");
        Assert.True(await FirstAsync(stream, "shardId-000000000016") > parent.Last, "the split's lower child numbers a record below its parent's last");
        Assert.True(upper.First > parent.Last, "the split's upper child numbers a record below its parent's last");

        await Client.MergeShardsAsync(stream, "shardId-000000000016", "shardId-000000000017");
        await ActiveAsync(stream);
        var merged = await PutAsync(stream, Shard15Start, 3, "shardId-000000000018");
        Assert.True(merged.First > lower.Last, "the merge's child numbers a record below its lower parent's last");
        Assert.True(merged.First > upper.Last, "the merge's child numbers a record below its upper parent's last");
    }

    private async Task<(BigInteger First, BigInteger Last)> PutAsync(string stream, UInt128 explicitHashKey, int count, string shardId)
    {
        var first = BigInteger.Zero;
        var last = BigInteger.Zero;
        for (var i = 0; i < count; i++)
        {
            var put = await Client.PutRecordAsync(stream, Bytes($"r{i}"), "k", explicitHashKey.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(shardId, put.ShardId.ToString());
            var number = Number(put.SequenceNumber);
            Assert.True(number > last, $"{put.SequenceNumber} does not follow the record before it in its shard");
            if (i == 0) first = number;
            last = number;
        }
        return (first, last);
    }

    private async Task ActiveAsync(string stream) =>
        await AwaitAssertAsync(async () => Assert.Equal(StreamStatus.Active, (await Client.DescribeStreamSummaryAsync(stream)).StreamStatus),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));

    private async Task<BigInteger> FirstAsync(string stream, string shardId)
    {
        var iterator = await Client.GetShardIteratorAsync(stream, shardId, ShardIteratorType.TrimHorizon);
        var page = await Client.GetRecordsAsync(iterator);
        Assert.NotEmpty(page.Records);
        return Number(page.Records[0].SequenceNumber);
    }
}
