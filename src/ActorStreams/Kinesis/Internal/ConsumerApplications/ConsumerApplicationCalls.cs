using Akka.Actor;

namespace ActorStreams.Kinesis.Internal.ConsumerApplications;

/// <summary>The consumer application entities, as the application members and the Firehose source graph call them: leases and checkpoints.</summary>
internal sealed class ConsumerApplicationCalls(EntityAsks asks, StreamRouter router, IActorRef region)
{
    /// <summary>Renews a member's leases and learns its assignment.</summary>
    public Task<LeaseAssignment> HeartbeatAsync(ConsumerHeartbeat heartbeat, CancellationToken cancellationToken) =>
        asks.AskAsync<LeaseAssignment>(region, heartbeat, cancellationToken);

    /// <summary>Journals a member's checkpoints.</summary>
    public Task<CheckpointsCommitted> CommitCheckpointsAsync(CommitCheckpoints commit, CancellationToken cancellationToken) =>
        asks.AskAsync<CheckpointsCommitted>(region, commit, cancellationToken);

    /// <summary>The checkpoints and leases of a consumer application of the stream as it exists now.</summary>
    public async Task<ConsumerApplicationState> GetAsync(string streamName, string applicationName, CancellationToken cancellationToken)
    {
        var entry = await router.GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        return await asks.AskAsync<ConsumerApplicationState>(region,
            new GetConsumerApplication(ConsumerApplicationEntity.EntityId(entry.Name, entry.Epoch, applicationName)), cancellationToken).ConfigureAwait(false);
    }
}
