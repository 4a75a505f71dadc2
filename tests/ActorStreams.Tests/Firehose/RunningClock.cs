using Microsoft.Extensions.Time.Testing;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// Moves a spec's fake clock forward in the background (by <c>step</c> every 20 ms of real time) until disposed: for
/// waits that depend on runtime-clock timers, such as consumer application lease renewals and the lease grace after
/// a restart, while the test itself waits on something else.
/// </summary>
internal sealed class RunningClock : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RunningClock(FakeTimeProvider clock, TimeSpan? step = null)
    {
        var by = step ?? TimeSpan.FromMilliseconds(500);
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                clock.Advance(by);
                try
                {
                    await Task.Delay(20, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
