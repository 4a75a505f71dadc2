using Akka.Streams;
using Akka.Streams.Stage;

namespace ActorStreams.Dsl;

/// <summary>
/// The last stage of an ActorStreams source, in one pass-through stage: it unwraps a single failure out of the
/// <see cref="AggregateException"/> that async stages fail with, completes the stream when <see cref="ISourceControl.Stop"/>
/// is called, and completes <see cref="ISourceControl.Completion"/> when the stream ends (successfully on completion,
/// stop or cancellation; with the failure otherwise). It replaces three stages (error mapping, kill switch,
/// termination watch) that every record went through, one hop each.
/// </summary>
internal sealed class SourceControlStage<T> : GraphStageWithMaterializedValue<FlowShape<T, T>, ISourceControl>
{
    public SourceControlStage() => Shape = new FlowShape<T, T>(In, Out);

    private Inlet<T> In { get; } = new("SourceControl.in");

    private Outlet<T> Out { get; } = new("SourceControl.out");

    public override FlowShape<T, T> Shape { get; }

    public override ILogicAndMaterializedValue<ISourceControl> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var control = new Control();
        return new LogicAndMaterializedValue<ISourceControl>(new Logic(this, control), control);
    }

    /// <summary>The failure a source reports: the single exception inside an <see cref="AggregateException"/>, else itself.</summary>
    internal static Exception Unwrap(Exception e) => e is AggregateException a && a.Flatten().InnerExceptions is [var single] ? single : e;

    private sealed class Control : ISourceControl
    {
        private readonly object _lock = new();
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Action? _stop;
        private bool _stopRequested;

        public Task Completion => _completion.Task;

        public void Stop()
        {
            Action? stop;
            lock (_lock)
            {
                _stopRequested = true;
                stop = _stop;
            }
            stop?.Invoke();
        }

        /// <summary>Called once the stage runs; a Stop that came before is carried out now.</summary>
        public void Bind(Action stop)
        {
            bool requested;
            lock (_lock)
            {
                _stop = stop;
                requested = _stopRequested;
            }
            if (requested) stop();
        }

        public void Completed() => _completion.TrySetResult();

        public void Failed(Exception cause) => _completion.TrySetException(cause);
    }

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly SourceControlStage<T> _stage;
        private readonly Control _control;
        private bool _ended;

        public Logic(SourceControlStage<T> stage, Control control) : base(stage.Shape)
        {
            _stage = stage;
            _control = control;
            SetHandlers(stage.In, stage.Out, this);
        }

        public override void PreStart()
        {
            var stop = GetAsyncCallback(() =>
            {
                _ended = true;
                _control.Completed();
                CompleteStage();
            });
            _control.Bind(stop);
        }

        public override void OnPush() => Push(_stage.Out, Grab(_stage.In));

        public override void OnPull() => Pull(_stage.In);

        public override void OnUpstreamFinish()
        {
            _ended = true;
            _control.Completed();
            CompleteStage();
        }

        public override void OnUpstreamFailure(Exception e)
        {
            var cause = Unwrap(e);
            _ended = true;
            _control.Failed(cause);
            FailStage(cause);
        }

        public override void OnDownstreamFinish(Exception cause)
        {
            // As WatchTermination: a plain cancellation completes, a cancellation that carries a failure fails.
            _ended = true;
            if (cause is SubscriptionWithCancelException.NonFailureCancellation) _control.Completed();
            else _control.Failed(cause);
            base.OnDownstreamFinish(cause);
        }

        public override void PostStop()
        {
            // Stopped without completing, failing or being cancelled: the materializer was shut down under it.
            if (!_ended) _control.Failed(new AbruptStageTerminationException(this));
        }
    }
}
