using System.Diagnostics;

namespace ActorStreams.TestSupport;

/// <summary>
/// Retries an assertion or a condition in real time until it holds: the one way a test waits for something that
/// happens on its own (a server process, a delivery, a scrape). An attempt that throws counts as "not yet"; when the
/// time is up, the <see cref="TimeoutException"/> carries the last attempt's message (and exception), so a failure
/// says what was last seen rather than only that time ran out.
/// </summary>
public static class Eventually
{
    /// <summary>How long to wait between attempts unless a caller says otherwise.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs <paramref name="attempt"/> until it returns without throwing, and returns what it returned. Attempts are
    /// <paramref name="interval"/> apart (default <see cref="DefaultInterval"/>); after <paramref name="timeout"/> (and
    /// so at most about timeout / interval + 1 attempts) it throws with the last failure.
    /// </summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> attempt, TimeSpan timeout, TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        var pause = interval ?? DefaultInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pause, TimeSpan.Zero, nameof(interval));

        // Both bounds hold: the clock (an attempt that itself takes long) and the count (waits that return early).
        var maxAttempts = (long)Math.Ceiling(timeout / pause) + 1;
        var elapsed = Stopwatch.StartNew();
        Exception? last = null;
        for (var attempts = 1L; ; attempts++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await attempt();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                last = e;
            }
            if (elapsed.Elapsed >= timeout || attempts >= maxAttempts)
                throw new TimeoutException($"Not within {timeout} ({attempts} attempts): {last.Message}", last);
            await Task.Delay(pause, cancellationToken);
        }
    }

    /// <summary>Runs the assertion <paramref name="assertion"/> until it passes (see <see cref="EventuallyAsync{T}"/>).</summary>
    public static Task EventuallyAsync(Func<Task> assertion, TimeSpan timeout, TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        return EventuallyAsync(async () =>
        {
            await assertion();
            return true;
        }, timeout, interval, cancellationToken);
    }

    /// <summary>Runs the assertion <paramref name="assertion"/> until it passes (see <see cref="EventuallyAsync{T}"/>).</summary>
    public static Task EventuallyAsync(Action assertion, TimeSpan timeout, TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        return EventuallyAsync(() =>
        {
            assertion();
            return Task.FromResult(true);
        }, timeout, interval, cancellationToken);
    }

    /// <summary>
    /// Checks <paramref name="condition"/> until it is true; on timeout the exception says "not yet: <paramref name="what"/>".
    /// </summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return EventuallyAsync(async () =>
        {
            if (!await condition()) throw new ConditionNotMetException(what);
            return true;
        }, timeout, interval, cancellationToken);
    }

    /// <summary>
    /// Checks <paramref name="condition"/> until it is true; on timeout the exception says "not yet: <paramref name="what"/>".
    /// </summary>
    public static Task EventuallyAsync(Func<bool> condition, string what, TimeSpan timeout, TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return EventuallyAsync(() => Task.FromResult(condition()), what, timeout, interval, cancellationToken);
    }

    /// <summary>
    /// Checks <paramref name="condition"/> until it is true or the time is up, and says which: for a caller that does
    /// something else when it is not (moves a clock and tries again).
    /// </summary>
    public static async Task<bool> HoldsWithinAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            await EventuallyAsync(condition, "the condition", timeout, interval, cancellationToken);
            return true;
        }
        catch (TimeoutException e) when (e.InnerException is ConditionNotMetException)
        {
            return false;
        }
    }

    private sealed class ConditionNotMetException(string what) : Exception("not yet: " + what);
}
