using ActorStreams.Firehose.Internal;
using Xunit;

namespace ActorStreams.Tests.Firehose;

/// <summary>The undelivered records of a delivery stream's intake and of each partition, and the rule that closes them into buffers.</summary>
public sealed class DeliveryBuffersSpec
{
    private static BufferedRecord Record(int bytes, long arrivalMs = 0) => new(arrivalMs, new byte[bytes]);

    private static DeliveryBuffers Holding(params int[] sizes)
    {
        var buffers = new DeliveryBuffers();
        foreach (var size in sizes) buffers.Add(Record(size));
        return buffers;
    }

    private static SealedBuffer Close(DeliveryBuffers buffers, int count)
    {
        var buffer = new SealedBuffer(Guid.NewGuid(), count, 0);
        buffers.Seal(buffer);
        return buffer;
    }

    [Fact]
    public void DeliveryBuffers_must_close_no_buffer_before_the_open_records_reach_the_size_hint()
    {
        var buffers = Holding(10, 20);

        Assert.Equal(30, buffers.UnsealedBytes);
        Assert.Equal(0, buffers.NextBufferSize(all: false, sizeLimit: 31));
        Assert.Equal(2, buffers.NextBufferSize(all: false, sizeLimit: 30));
    }

    [Fact]
    public void DeliveryBuffers_must_close_everything_open_once_the_interval_elapsed_in_buffers_of_at_most_the_size_hint()
    {
        var buffers = Holding(10, 10, 10, 5);

        Assert.Equal(2, buffers.NextBufferSize(all: true, sizeLimit: 25));
        Close(buffers, 2);
        Assert.Equal(2, buffers.NextBufferSize(all: true, sizeLimit: 25));
        Close(buffers, 2);
        Assert.Equal(0, buffers.NextBufferSize(all: true, sizeLimit: 25));
        Assert.False(buffers.HasOpen);
        Assert.Equal(4, buffers.SealedRecords);
        Assert.Equal(0, buffers.UnsealedBytes);
    }

    [Fact]
    public void DeliveryBuffers_must_close_a_record_over_the_size_hint_alone()
    {
        var buffers = Holding(100, 1);

        Assert.Equal(1, buffers.NextBufferSize(all: false, sizeLimit: 50));
        Close(buffers, 1);
        Assert.Equal(0, buffers.NextBufferSize(all: false, sizeLimit: 50));
        Assert.Equal(1, buffers.NextBufferSize(all: true, sizeLimit: 50));
    }

    [Fact]
    public void DeliveryBuffers_must_hand_out_the_records_of_a_closed_buffer_and_drop_them_when_it_is_delivered()
    {
        var buffers = Holding(1, 2, 3, 4);
        var first = Close(buffers, 1);
        var second = Close(buffers, 2);

        Assert.Equal(1, buffers.IndexOf(second.BufferId));
        Assert.Equal(1, buffers.OffsetOf(1));
        Assert.Equal([2, 3], buffers.RecordsOf(1, 1).Select(r => r.Data.Length));
        Assert.Equal(-1, buffers.IndexOf(Guid.NewGuid()));

        // Partition buffers complete in any order: the second one first.
        Assert.Equal(5, buffers.Remove(second.BufferId));
        Assert.Equal([1, 4], buffers.Records.Select(r => r.Data.Length));
        Assert.Equal(1, buffers.SealedRecords);
        Assert.Equal(4, buffers.UnsealedBytes);
        Assert.Equal(1, buffers.Remove(first.BufferId));
        Assert.Equal(-1, buffers.Remove(first.BufferId));
        Assert.Equal([4], buffers.Records.Select(r => r.Data.Length));
    }

    [Fact]
    public void DeliveryBuffers_must_come_back_from_a_snapshot_with_the_open_bytes_counted()
    {
        var original = Holding(5, 6, 7);
        Close(original, 1);

        var restored = new DeliveryBuffers();
        var bytes = restored.Restore(original.RecordsSnapshot(), original.SealedSnapshot());

        Assert.Equal(18, bytes);
        Assert.Equal(1, restored.SealedRecords);
        Assert.Equal(13, restored.UnsealedBytes);
        Assert.Equal(original.Sealed, restored.Sealed);

        restored.Clear();
        Assert.Empty(restored.Records);
        Assert.Equal(0, restored.UnsealedBytes);
    }
}
