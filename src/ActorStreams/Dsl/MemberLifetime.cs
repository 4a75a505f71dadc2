using Akka.Streams;
using Akka.Streams.Stage;

namespace ActorStreams.Dsl;

/// <summary>
/// Passes elements through and tells how the stream around a consumer application member ended: true when it ended
/// gracefully (completed, or cancelled without a failure, as <see cref="ISourceControl.Stop"/> does), false when it
/// failed, was cancelled by a failure, or was torn down (materializer or system shutdown): a member ending that way
/// leaves its leases to expire, as a crashed process would.
/// </summary>
internal sealed class MemberLifetime<T> : GraphStage<FlowShape<T, T>>
{
    private readonly Action _started;
    private readonly Action<bool> _ended;

    public MemberLifetime(Action started, Action<bool> ended)
    {
        _started = started;
        _ended = ended;
        Shape = new FlowShape<T, T>(In, Out);
    }

    private Inlet<T> In { get; } = new("MemberLifetime.in");

    private Outlet<T> Out { get; } = new("MemberLifetime.out");

    public override FlowShape<T, T> Shape { get; }

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly MemberLifetime<T> _stage;
        private bool _reported;

        public Logic(MemberLifetime<T> stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandlers(stage.In, stage.Out, this);
        }

        public override void PreStart() => _stage._started();

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

        public override void OnDownstreamFinish(Exception cause)
        {
            Report(cause is SubscriptionWithCancelException.NonFailureCancellation);
            base.OnDownstreamFinish(cause);
        }

        public override void PostStop() => Report(false);

        private void Report(bool graceful)
        {
            if (_reported) return;
            _reported = true;
            _stage._ended(graceful);
        }
    }
}
