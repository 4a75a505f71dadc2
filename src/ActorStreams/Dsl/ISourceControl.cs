namespace ActorStreams.Dsl;

/// <summary>The materialized value of an ActorStreams source: stop it, and learn when it has stopped.</summary>
public interface ISourceControl
{
    /// <summary>Completes the source downstream; records already emitted stay delivered.</summary>
    void Stop();

    /// <summary>Completes when the source has stopped: normally, by <see cref="Stop"/>, or with the failure that ended it.</summary>
    Task Completion { get; }
}
