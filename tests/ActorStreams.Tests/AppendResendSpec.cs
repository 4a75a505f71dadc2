using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Shards;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// The client sends an append again when its shard did not answer in time (sharding drops messages during a hand-off).
/// The shard recognizes the repeat by its request id: one write, the same answer to every copy.
/// </summary>
public sealed class AppendResendSpec(ITestOutputHelper output) : ActorStreamsSpec(output)
{
    [Fact]
    public async Task An_append_sent_again_with_its_request_id_must_be_stored_once_and_answered_alike()
    {
        var name = UniqueName("resend");
        await Client.CreateStreamAsync(name, 1);
        var extension = ActorStreamsExtension.Get(Sys);
        var stream = await extension.CatalogRegion.Ask<StreamEntry>(new GetStream(name), TimeSpan.FromSeconds(10));
        var entityId = StreamShardEntity.EntityId(name, stream.Epoch, 0);
        var region = extension.StreamShardRegion;

        var once = new AppendRecords(entityId, [new StoredRecord("k", Bytes("once"))], 5, Guid.NewGuid());
        // The second copy arrives while the first is being written, the third after it was answered.
        var first = region.Ask<AppendRecordsResult>(once, TimeSpan.FromSeconds(10));
        var second = region.Ask<AppendRecordsResult>(once, TimeSpan.FromSeconds(10));
        var answers = await Task.WhenAll(first, second);
        var third = await region.Ask<AppendRecordsResult>(once, TimeSpan.FromSeconds(10));
        var other = await region.Ask<AppendRecordsResult>(
            new AppendRecords(entityId, [new StoredRecord("k", Bytes("other"))], 6, Guid.NewGuid()), TimeSpan.FromSeconds(10));

        Assert.Equal(1, answers[0].Accepted);
        Assert.Equal(answers[0], answers[1]);
        Assert.Equal(answers[0], third);
        Assert.True(other.EventNo > answers[0].EventNo, $"the next append went to event {other.EventNo}, the first to {answers[0].EventNo}");

        var iterator = await Client.GetShardIteratorAsync(name, Shard0, ShardIteratorType.TrimHorizon);
        var records = (await Client.GetRecordsAsync(iterator)).Records;
        Assert.Equal(["once", "other"], records.Select(r => Text(r.Data)));
    }

    [Fact]
    public async Task An_append_written_before_its_shard_closed_and_sent_again_after_must_get_its_own_answer_not_a_re_route()
    {
        var name = UniqueName("resendclosed");
        await Client.CreateStreamAsync(name, 1);
        var extension = ActorStreamsExtension.Get(Sys);
        var stream = await extension.CatalogRegion.Ask<StreamEntry>(new GetStream(name), TimeSpan.FromSeconds(10));
        var entityId = StreamShardEntity.EntityId(name, stream.Epoch, 0);
        var region = extension.StreamShardRegion;

        var written = new AppendRecords(entityId, [new StoredRecord("k", Bytes("written"))], 8, Guid.NewGuid());
        var answer = await region.Ask<AppendRecordsResult>(written, TimeSpan.FromSeconds(10));
        // The shard closes (as a split's parent does) before the client's resend of the same append arrives.
        var closed = await region.Ask<ShardClosedResult>(
            new CloseShard(entityId, [new ChildShardEntry(1, 0, null, new HashKeyRange(0, UInt128.MaxValue))]), TimeSpan.FromSeconds(10));
        var resent = await region.Ask<object>(written, TimeSpan.FromSeconds(10));
        var fresh = await region.Ask<object>(new AppendRecords(entityId, [new StoredRecord("k", Bytes("late"))], 5, Guid.NewGuid()), TimeSpan.FromSeconds(10));

        Assert.Equal(answer.EventNo, closed.EndingEventNo);
        Assert.Equal(answer, resent); // written once: the resend must not be sent on to the children
        var refused = Assert.IsType<AppendRefusedClosed>(fresh); // a new append is re-routed, not lost
        Assert.Equal(0, refused.ShardIndex);
        Assert.Equal(closed.EndingEventNo, refused.Closed.EndingEventNo);
        var iterator = await Client.GetShardIteratorAsync(name, Shard0, ShardIteratorType.TrimHorizon);
        Assert.Equal(["written"], (await Client.GetRecordsAsync(iterator)).Records.Select(r => Text(r.Data)));
    }

    [Fact]
    public async Task Appends_without_a_request_id_must_each_be_stored()
    {
        var name = UniqueName("noid");
        await Client.CreateStreamAsync(name, 1);
        var extension = ActorStreamsExtension.Get(Sys);
        var stream = await extension.CatalogRegion.Ask<StreamEntry>(new GetStream(name), TimeSpan.FromSeconds(10));
        var append = new AppendRecords(StreamShardEntity.EntityId(name, stream.Epoch, 0), [new StoredRecord("k", Bytes("x"))], 2);

        await extension.StreamShardRegion.Ask<AppendRecordsResult>(append, TimeSpan.FromSeconds(10));
        await extension.StreamShardRegion.Ask<AppendRecordsResult>(append, TimeSpan.FromSeconds(10));

        var iterator = await Client.GetShardIteratorAsync(name, Shard0, ShardIteratorType.TrimHorizon);
        Assert.Equal(2, (await Client.GetRecordsAsync(iterator)).Records.Count);
    }
}
