using Akka;
using Akka.Streams;

namespace ActorStreams.Dsl;

internal sealed class SourceControl : ISourceControl
{
    private readonly UniqueKillSwitch _killSwitch;

    public SourceControl(UniqueKillSwitch killSwitch, Task<Done> completion)
    {
        _killSwitch = killSwitch;
        Completion = completion;
    }

    public void Stop() => _killSwitch.Shutdown();

    public Task Completion { get; }
}
