using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>How a shard answers a resent append without writing it twice (the rule AppendResendSpec checks end to end).</summary>
public sealed class AppendDeduplicationSpec
{
    private sealed record Caller(string Name);

    private static readonly AppendRecordsResult Written = new(EventNo: 7, FirstIndex: 0, Accepted: 3, RetryAfter: TimeSpan.Zero);

    [Fact]
    public void AppendDeduplication_must_answer_a_resend_of_a_written_append_with_the_same_result()
    {
        var appends = new AppendDeduplication<Caller>();
        var id = Guid.NewGuid();
        Assert.Equal(AppendSeen.New, appends.Check(id, new Caller("first"), out _));
        appends.Started(id);
        Assert.Null(appends.Finish(id, Written));

        Assert.Equal(AppendSeen.Answered, appends.Check(id, new Caller("resend"), out var answer));
        Assert.Same(Written, answer);
    }

    [Fact]
    public void AppendDeduplication_must_hold_a_resend_of_an_append_being_written_until_its_answer()
    {
        var appends = new AppendDeduplication<Caller>();
        var id = Guid.NewGuid();
        appends.Started(id);
        var first = new Caller("resend 1");
        var second = new Caller("resend 2");

        Assert.Equal(AppendSeen.InFlight, appends.Check(id, first, out var answer));
        Assert.Null(answer);
        Assert.Equal(AppendSeen.InFlight, appends.Check(id, second, out _));

        Assert.Equal([first, second], appends.Finish(id, Written)!);
        Assert.Equal(AppendSeen.Answered, appends.Check(id, new Caller("later"), out _));
    }

    [Fact]
    public void AppendDeduplication_must_treat_a_resend_after_a_refusal_as_a_new_append()
    {
        var appends = new AppendDeduplication<Caller>();
        var id = Guid.NewGuid();
        appends.Started(id);
        var waiting = new Caller("resend");
        appends.Check(id, waiting, out _);

        // A refusal (closed shard, failed write) reaches the waiting resenders but is not remembered.
        Assert.Equal([waiting], appends.Finish(id, written: null)!);

        Assert.Equal(AppendSeen.New, appends.Check(id, new Caller("again"), out _));
    }

    [Fact]
    public void AppendDeduplication_must_never_match_appends_without_a_request_id()
    {
        var appends = new AppendDeduplication<Caller>();
        appends.Started(Guid.Empty);
        Assert.Null(appends.Finish(Guid.Empty, Written));

        Assert.Equal(AppendSeen.New, appends.Check(Guid.Empty, new Caller("a"), out _));
    }

    [Fact]
    public void AppendDeduplication_must_forget_the_oldest_answers_past_the_remembered_count()
    {
        var appends = new AppendDeduplication<Caller>(remembered: 2);
        var ids = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
        foreach (var id in ids)
        {
            appends.Started(id);
            appends.Finish(id, Written);
        }

        Assert.Equal(AppendSeen.New, appends.Check(ids[0], new Caller("x"), out _));
        Assert.Equal(AppendSeen.Answered, appends.Check(ids[1], new Caller("x"), out _));
        Assert.Equal(AppendSeen.Answered, appends.Check(ids[2], new Caller("x"), out _));
    }
}
