using ActorStreams.Internal;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>The group commit both entities journal their writes with: what joins a batch, and one batch in flight.</summary>
public sealed class GroupCommitQueueSpec
{
    private readonly record struct Write(string Name, string[] Records, int Accepted, long Bytes) : IGroupCommitWrite<string>;

    private static Write Of(string name, int records, long bytes, int? accepted = null) =>
        new(name, Enumerable.Range(0, records).Select(i => $"{name}{i}").ToArray(), accepted ?? records, bytes);

    [Fact]
    public void GroupCommitQueue_must_put_every_waiting_write_into_one_batch_while_the_caps_hold()
    {
        var queue = new GroupCommitQueue<Write, string>(maxBatchRecords: 10, maxBatchBytes: 1000);
        queue.Add(Of("a", 2, 20));
        queue.Add(Of("b", 3, 30));
        queue.Add(Of("c", 1, 10));

        var batch = queue.Take();

        Assert.Equal(["a", "b", "c"], batch.Writes.Select(w => w.Name));
        Assert.Equal(["a0", "a1", "b0", "b1", "b2", "c0"], batch.Records);
        Assert.Equal(60, batch.Bytes);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void GroupCommitQueue_must_copy_only_the_accepted_records_of_a_write()
    {
        var queue = new GroupCommitQueue<Write, string>(10, 1000);
        queue.Add(Of("a", 4, 20, accepted: 1));
        queue.Add(Of("b", 2, 20));

        var batch = queue.Take();

        Assert.Equal(["a0", "b0", "b1"], batch.Records);
    }

    [Fact]
    public void GroupCommitQueue_must_leave_the_write_that_would_pass_the_record_cap_for_the_next_batch()
    {
        var queue = new GroupCommitQueue<Write, string>(maxBatchRecords: 5, maxBatchBytes: 1000);
        queue.Add(Of("a", 3, 10));
        queue.Add(Of("b", 3, 10));
        queue.Add(Of("c", 1, 10));

        Assert.Equal(["a"], queue.Take().Writes.Select(w => w.Name));
        // The next batch starts at b, and c still fits with it; the queue keeps the order of arrival.
        Assert.Equal(["b", "c"], queue.Take().Writes.Select(w => w.Name));
    }

    [Fact]
    public void GroupCommitQueue_must_leave_the_write_that_would_pass_the_byte_cap_for_the_next_batch()
    {
        var queue = new GroupCommitQueue<Write, string>(maxBatchRecords: 100, maxBatchBytes: 100);
        queue.Add(Of("a", 1, 60));
        queue.Add(Of("b", 1, 40));
        queue.Add(Of("c", 1, 1));

        Assert.Equal(["a", "b"], queue.Take().Writes.Select(w => w.Name));
        Assert.Equal(["c"], queue.Take().Writes.Select(w => w.Name));
    }

    [Fact]
    public void GroupCommitQueue_must_take_a_single_write_over_the_caps_alone()
    {
        var queue = new GroupCommitQueue<Write, string>(maxBatchRecords: 2, maxBatchBytes: 10);
        queue.Add(Of("big", 5, 500));
        queue.Add(Of("small", 1, 1));

        var first = queue.Take();
        Assert.Equal(["big"], first.Writes.Select(w => w.Name));
        Assert.Equal(5, first.Records.Length);
        Assert.Equal(["small"], queue.Take().Writes.Select(w => w.Name));
    }

    [Fact]
    public void GroupCommitQueue_must_count_the_bytes_waiting_and_in_flight_until_the_batch_is_written()
    {
        var queue = new GroupCommitQueue<Write, string>(maxBatchRecords: 1, maxBatchBytes: 1000);
        queue.Add(Of("a", 1, 30));
        queue.Add(Of("b", 1, 12));
        Assert.Equal(42, queue.Bytes);
        Assert.False(queue.Writing);

        var batch = queue.Take();
        queue.Started(batch);
        Assert.True(queue.Writing);
        // a is in flight, b waits: both are taken in and not yet journaled.
        Assert.Equal(42, queue.Bytes);
        Assert.Equal(1, queue.Count);

        queue.Add(Of("c", 1, 8));
        Assert.Equal(50, queue.Bytes);

        queue.Completed();
        Assert.False(queue.Writing);
        Assert.Equal(20, queue.Bytes);
    }

    [Fact]
    public void GroupCommitQueue_must_forget_the_waiting_writes_on_clear_and_let_the_caller_answer_them()
    {
        var queue = new GroupCommitQueue<Write, string>(10, 1000);
        queue.Add(Of("a", 1, 5));
        queue.Add(Of("b", 1, 5));
        Assert.Equal(["a", "b"], queue.Pending.Select(w => w.Name));

        queue.Clear();

        Assert.Equal(0, queue.Count);
        Assert.Empty(queue.Pending);
        Assert.Equal(0, queue.Bytes);
    }
}
