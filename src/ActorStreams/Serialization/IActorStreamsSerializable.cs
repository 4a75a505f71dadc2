namespace ActorStreams.Serialization;

/// <summary>Marks the events and snapshots that <see cref="ActorStreamsSerializer"/> writes.</summary>
internal interface IActorStreamsSerializable;
