using ActorStreams.Kinesis;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// <c>actorstreams.state-delays</c> in the library: calls return at once with the stream CREATING, UPDATING or DELETING,
/// the states end on the runtime clock (the spec's fake clock), and WaitForStreamActiveAsync waits them out.
/// </summary>
public sealed class StateDelaySpec(ITestOutputHelper output) : ActorStreamsSpec(output, SpecJournal.Sqlite, """
    actorstreams.state-delays {
      create-stream = 5s, update-stream = 5s, delete-stream = 5s, register-consumer = 5s, deregister-consumer = 5s
    }
    """)
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(5);

    private async Task<StreamDescription> ActiveAsync(string stream, ActorStreamsClient? client = null) =>
        await WithClockRunningAsync((client ?? Client).WaitForStreamActiveAsync(stream), TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task A_new_stream_is_CREATING_until_the_delay_has_passed_on_the_runtime_clock()
    {
        var stream = UniqueName("creating");

        var created = await Client.CreateStreamAsync(stream, 2);

        Assert.Equal(StreamStatus.Creating, created.StreamStatus);
        Assert.Equal(StreamStatus.Creating, (await Client.DescribeStreamSummaryAsync(stream)).StreamStatus);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.PutRecordAsync(stream, Bytes("x"), "k"));
        var waiting = Client.WaitForStreamActiveAsync(stream);
        Assert.False(waiting.IsCompleted);

        Clock.Advance(Delay);
        Assert.Equal(StreamStatus.Active, (await WithClockRunningAsync(waiting, TimeSpan.FromMilliseconds(100))).StreamStatus);
        await Client.PutRecordAsync(stream, Bytes("x"), "k");
    }

    [Fact]
    public async Task A_stream_CREATING_when_the_node_restarts_comes_back_CREATING_and_turns_ACTIVE()
    {
        var stream = UniqueName("restart");
        await Client.CreateStreamAsync(stream);
        await Sys.Terminate();

        var system = StartAnotherSystem("actorstreams-restarted");
        try
        {
            var client = ActorStreamsExtension.Get(system).Client;
            Assert.Equal(StreamStatus.Creating, (await client.DescribeStreamSummaryAsync(stream)).StreamStatus);
            Clock.Advance(Delay);
            Assert.Equal(StreamStatus.Active, (await ActiveAsync(stream, client)).StreamStatus);
            await client.PutRecordAsync(stream, Bytes("after the restart"), "k");
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_reshard_returns_at_once_and_the_stream_is_UPDATING_until_the_delay_has_passed()
    {
        var stream = UniqueName("updating");
        await Client.CreateStreamAsync(stream, 2);
        Clock.Advance(Delay);
        await ActiveAsync(stream);

        var scaled = await Client.UpdateShardCountAsync(stream, 4);

        Assert.Equal((2, 4), (scaled.CurrentShardCount, scaled.TargetShardCount));
        Assert.Equal(StreamStatus.Updating, (await Client.DescribeStreamSummaryAsync(stream)).StreamStatus);
        var second = await Assert.ThrowsAsync<ResourceInUseException>(() => Client.SplitShardAsync(stream, Shard0, "1000"));
        Assert.Contains("not ACTIVE, instead in state UPDATING", second.Message);
        await Client.PutRecordAsync(stream, Bytes("while updating"), "k");

        Clock.Advance(Delay);
        var active = await ActiveAsync(stream);
        Assert.Equal(4, active.Shards.Count(s => s.IsOpen));
    }

    [Fact]
    public async Task A_stream_still_CREATING_may_be_deleted_as_in_Kinesis_and_its_name_taken_again()
    {
        var stream = UniqueName("creating-deleted");
        await Client.CreateStreamAsync(stream, 2);

        await Client.DeleteStreamAsync(stream);

        Assert.Equal(StreamStatus.Deleting, (await Client.DescribeStreamSummaryAsync(stream)).StreamStatus);
        await WithClockRunningAsync(Client.WaitForStreamDeletedAsync(stream).ContinueWith(t => t.IsCompletedSuccessfully), TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DescribeStreamSummaryAsync(stream));

        // The name is free again; the new stream's shards start empty.
        await Client.CreateStreamAsync(stream, 1);
        Clock.Advance(Delay);
        await ActiveAsync(stream);
        await Client.PutRecordAsync(stream, Bytes("x"), "k");
        Assert.Single(await Client.ListShardsAsync(stream));
    }

    [Fact]
    public async Task A_deleted_stream_is_DELETING_until_the_delay_has_passed_then_gone()
    {
        var stream = UniqueName("deleting");
        await Client.CreateStreamAsync(stream);
        Clock.Advance(Delay);
        await ActiveAsync(stream);

        await Client.DeleteStreamAsync(stream);

        Assert.Equal(StreamStatus.Deleting, (await Client.DescribeStreamSummaryAsync(stream)).StreamStatus);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.PutRecordAsync(stream, Bytes("x"), "k"));
        await WithClockRunningAsync(Client.WaitForStreamDeletedAsync(stream).ContinueWith(t => t.IsCompletedSuccessfully), TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.DescribeStreamSummaryAsync(stream));
    }
}
