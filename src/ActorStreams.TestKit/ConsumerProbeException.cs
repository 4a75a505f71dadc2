namespace ActorStreams.TestKit;

/// <summary>What a <see cref="ConsumerProbe"/> assertion found wrong with what a consumer saw.</summary>
public sealed class ConsumerProbeException : Exception
{
    /// <summary>Creates the failure with its description.</summary>
    public ConsumerProbeException(string message) : base(message) { }
}
