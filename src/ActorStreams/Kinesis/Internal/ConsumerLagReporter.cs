using Akka.Actor;

namespace ActorStreams.Kinesis.Internal;

/// <summary>
/// Answers <see cref="GetConsumerLagReport"/> with this node's <see cref="ConsumerLagTracker"/> report. One per node, at
/// <c>/user/</c><see cref="Name"/>, so a client on any node can ask every member of the cluster.
/// </summary>
internal sealed class ConsumerLagReporter : ReceiveActor
{
    public const string Name = "actorstreams-consumer-lag";

    public ConsumerLagReporter(ConsumerLagTracker tracker) =>
        Receive<GetConsumerLagReport>(q => Sender.Tell(tracker.Report(q.StreamName, q.Epoch)));

    public static Props Props(ConsumerLagTracker tracker) => Akka.Actor.Props.Create(() => new ConsumerLagReporter(tracker));
}
