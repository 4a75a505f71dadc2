namespace ActorStreams.Firehose.Serialization;

/// <summary>
/// Marks what <see cref="FirehoseSerializer"/> writes: the events and snapshots of the DeliveryStream entities and of
/// the delivery catalog. A type without a format there fails the serializer spec, so a new one cannot be forgotten.
/// </summary>
internal interface IFirehoseSerializable;

/// <summary>A command or reply that may cross nodes through the DeliveryStream or delivery catalog sharding region.</summary>
internal interface IFirehoseMessage : IFirehoseSerializable;
