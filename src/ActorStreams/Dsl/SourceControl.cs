using Akka;
using Akka.Streams;

namespace ActorStreams.Dsl;

internal sealed class SourceControl : ISourceControl
{
    private readonly UniqueKillSwitch _killSwitch;
    private readonly Action? _stopping;

    public SourceControl(UniqueKillSwitch killSwitch, Task<Done> completion, Action? stopping = null)
    {
        _killSwitch = killSwitch;
        Completion = completion;
        _stopping = stopping;
    }

    public void Stop()
    {
        _stopping?.Invoke();
        _killSwitch.Shutdown();
    }

    public Task Completion { get; }
}
