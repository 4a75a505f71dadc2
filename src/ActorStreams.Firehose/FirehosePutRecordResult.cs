namespace ActorStreams.Firehose;

/// <summary>A record Firehose accepted: durable in the journal, to be delivered.</summary>
public sealed record FirehosePutRecordResult(string RecordId, bool Encrypted);
