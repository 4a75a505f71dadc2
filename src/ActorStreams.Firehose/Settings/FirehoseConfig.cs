using Akka.Configuration;

namespace ActorStreams.Firehose.Settings;

/// <summary>
/// The configuration ActorStreams.Firehose adds to an ActorSystem: the <c>actorstreams.firehose</c> defaults and the
/// bindings of its serializer. Akka reads serializers once, when the system is created, so a system that runs
/// Firehose is built over <see cref="Default"/> (<c>WithActorStreamsFirehose</c> does it when embedding through
/// Akka.Hosting):
/// <code>ActorStreamsSetup.CreateActorSystemSetup(application.WithFallback(FirehoseConfig.Default))</code>
/// </summary>
public static class FirehoseConfig
{
    /// <summary>The embedded <c>reference.conf</c> of ActorStreams.Firehose.</summary>
    public static Config Default { get; } = ConfigurationFactory.FromResource<FirehoseSettings>("ActorStreams.Firehose.reference.conf");
}
