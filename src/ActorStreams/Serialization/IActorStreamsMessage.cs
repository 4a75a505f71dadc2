namespace ActorStreams.Serialization;

/// <summary>
/// A command or reply that may cross nodes: everything sent through the sharding regions and everything the
/// entities answer. <see cref="ActorStreamsMessageSerializer"/> writes them; a type without a format there fails
/// the serializer spec, so a new message cannot be forgotten.
/// </summary>
internal interface IActorStreamsMessage;

/// <summary>A reply of a StreamShard entity or of the stream catalog.</summary>
internal interface IActorStreamsReply : IActorStreamsMessage;
