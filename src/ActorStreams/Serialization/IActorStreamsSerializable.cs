namespace ActorStreams.Serialization;

/// <summary>Marks the events and snapshots that <see cref="ActorStreamsSerializer"/> writes.</summary>
internal interface IActorStreamsSerializable;

/// <summary>A catalog event (journaled by the stream catalog).</summary>
internal interface IActorStreamsEvent : IActorStreamsSerializable;
