using ActorStreams.Internal;

namespace ActorStreams;

public sealed partial class ActorStreamsClient
{
    internal Task<LeaseAssignment> HeartbeatAsync(ConsumerHeartbeat heartbeat, CancellationToken cancellationToken) =>
        AskAsync<LeaseAssignment>(ActorStreamsExtension.Get(_system).ConsumerApplicationRegion, heartbeat, cancellationToken);

    internal Task<CheckpointsCommitted> CommitCheckpointsAsync(CommitCheckpoints commit, CancellationToken cancellationToken) =>
        AskAsync<CheckpointsCommitted>(ActorStreamsExtension.Get(_system).ConsumerApplicationRegion, commit, cancellationToken);

    /// <summary>The checkpoints and leases of a consumer application of the stream as it exists now.</summary>
    internal async Task<ConsumerApplicationState> GetConsumerApplicationAsync(string streamName, string applicationName, CancellationToken cancellationToken)
    {
        var entry = await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        return await AskAsync<ConsumerApplicationState>(ActorStreamsExtension.Get(_system).ConsumerApplicationRegion,
            new GetConsumerApplication(ConsumerApplicationEntity.EntityId(entry.Name, entry.Epoch, applicationName)), cancellationToken).ConfigureAwait(false);
    }
}
