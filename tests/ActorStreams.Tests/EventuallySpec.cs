using ActorStreams.TestSupport;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>The tests' one way to wait for something real: retried until it holds, bounded, and saying what it last saw.</summary>
public sealed class EventuallySpec
{
    private static readonly TimeSpan Quick = TimeSpan.FromMilliseconds(5);

    [Fact]
    public async Task EventuallyAsync_must_retry_an_assertion_until_it_passes_and_return_its_value()
    {
        var attempts = 0;

        var value = await Eventually.EventuallyAsync(() =>
        {
            attempts++;
            Assert.True(attempts >= 3, $"attempt {attempts}");
            return Task.FromResult(attempts * 10);
        }, TimeSpan.FromSeconds(10), Quick);

        Assert.Equal(3, attempts);
        Assert.Equal(30, value);
    }

    [Fact]
    public async Task EventuallyAsync_must_fail_after_its_timeout_with_the_last_assertions_message()
    {
        var attempts = 0;

        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            Eventually.EventuallyAsync(() => Assert.Fail($"seen {++attempts}"), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(20)));

        Assert.Contains($"seen {attempts}", e.Message);
        Assert.IsAssignableFrom<Xunit.Sdk.XunitException>(e.InnerException);
        Assert.InRange(attempts, 2, 200 / 20 + 1);
    }

    [Fact]
    public async Task EventuallyAsync_must_name_the_condition_it_waited_for()
    {
        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            Eventually.EventuallyAsync(() => false, "the impossible", TimeSpan.FromMilliseconds(50), Quick));

        Assert.Contains("the impossible", e.Message);
    }

    [Fact]
    public async Task EventuallyAsync_must_stop_at_once_when_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Eventually.EventuallyAsync(() => false, "never", TimeSpan.FromMinutes(1), cancellationToken: cancelled.Token));
    }

    [Fact]
    public async Task HoldsWithinAsync_must_say_whether_the_condition_held_in_time()
    {
        var calls = 0;

        Assert.True(await Eventually.HoldsWithinAsync(() => Task.FromResult(++calls >= 2), TimeSpan.FromSeconds(10), Quick));
        Assert.False(await Eventually.HoldsWithinAsync(() => Task.FromResult(false), TimeSpan.FromMilliseconds(50), Quick));
    }
}
