using Akka.Streams;
using Akka.Streams.Stage;

namespace ActorStreams.Dsl;

/// <summary>
/// Passes elements through and tells the consumer application member upstream of it (attached to the materialized
/// <see cref="Handle"/>) when the stream started and when it ended, and whether its upstream completed (true) or
/// it ended any other way (false). Events that come before the member is attached are delivered when it is.
/// </summary>
internal sealed class MemberLifetime<T> : GraphStageWithMaterializedValue<FlowShape<T, T>, MemberLifetime<T>.Handle>
{
    public MemberLifetime() => Shape = new FlowShape<T, T>(In, Out);

    private Inlet<T> In { get; } = new("MemberLifetime.in");

    private Outlet<T> Out { get; } = new("MemberLifetime.out");

    public override FlowShape<T, T> Shape { get; }

    public override ILogicAndMaterializedValue<Handle> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var handle = new Handle();
        return new LogicAndMaterializedValue<Handle>(new Logic(this, handle), handle);
    }

    /// <summary>Connects the stage to its member.</summary>
    internal sealed class Handle
    {
        private readonly object _lock = new();
        private ConsumerApplicationMember? _member;
        private bool _started;
        private bool? _ended;

        public void Attach(ConsumerApplicationMember member)
        {
            bool started;
            bool? ended;
            lock (_lock)
            {
                _member = member;
                started = _started;
                ended = _ended;
            }
            if (started) member.OnStarted();
            if (ended is { } upstreamCompleted) member.OnTerminated(upstreamCompleted);
        }

        public void Started()
        {
            ConsumerApplicationMember? member;
            lock (_lock)
            {
                _started = true;
                member = _member;
            }
            member?.OnStarted();
        }

        public void Ended(bool upstreamCompleted)
        {
            ConsumerApplicationMember? member;
            lock (_lock)
            {
                _ended = upstreamCompleted;
                member = _member;
            }
            member?.OnTerminated(upstreamCompleted);
        }
    }

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly MemberLifetime<T> _stage;
        private readonly Handle _handle;
        private bool _reported;

        public Logic(MemberLifetime<T> stage, Handle handle) : base(stage.Shape)
        {
            _stage = stage;
            _handle = handle;
            SetHandlers(stage.In, stage.Out, this);
        }

        public override void PreStart() => _handle.Started();

        public override void OnPush() => Push(_stage.Out, Grab(_stage.In));

        public override void OnPull() => Pull(_stage.In);

        public override void OnUpstreamFinish()
        {
            Report(true);
            CompleteStage();
        }

        public override void OnUpstreamFailure(Exception e)
        {
            Report(false);
            FailStage(e);
        }

        public override void PostStop() => Report(false);

        private void Report(bool upstreamCompleted)
        {
            if (_reported) return;
            _reported = true;
            _handle.Ended(upstreamCompleted);
        }
    }
}
