namespace ActorStreams.Dsl;

/// <summary>Something whose processing can be committed: a consumer application then resumes after it.</summary>
public interface ICommittable
{
    /// <summary>Commits this and everything before it in the same shard; completes once the checkpoint is journaled.</summary>
    Task CommitAsync(CancellationToken cancellationToken = default);
}
