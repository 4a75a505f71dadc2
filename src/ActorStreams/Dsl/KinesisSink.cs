using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;

namespace ActorStreams.Dsl;

/// <summary>
/// A sink that writes records to a stream. It batches by itself (a batch grows while the previous one is being
/// written), routes each record to its shard, keeps per-shard order (one batch in flight per shard), and turns
/// throttling into backpressure by retrying the throttled rest once the shard has capacity again. Its task
/// completes when every record was acknowledged as durable, and fails with the first error otherwise. A record may be
/// as large as the stream's MaxRecordSizeInKiB (1 MiB by default, up to 10 MiB); a larger one fails the sink with a
/// <see cref="ValidationException"/>. On an ON_DEMAND stream set to AUTO record distribution the records are dealt
/// out over the open shards, their keys ignored.
/// </summary>
public static class KinesisSink
{
    /// <summary>A sink into <paramref name="streamName"/>, which must exist and be ACTIVE.</summary>
    public static Sink<PutRecordsEntry, Task<Done>> Create(ActorSystem system, string streamName)
    {
        ArgumentNullException.ThrowIfNull(system);
        Validate.StreamName(streamName);
        var streams = ActorStreamsExtension.Get(system);
        var settings = streams.Settings;
        var maxRecords = Math.Min(settings.SinkMaxBatchRecords, settings.StreamShard.MaxEventRecords);
        var maxBytes = settings.SinkMaxBatchBytes;
        // Every record weighs at least maxBytes / maxRecords, so a batch holds at most maxRecords records.
        var minWeight = Math.Max(1, maxBytes / maxRecords);

        return Flow.Create<PutRecordsEntry>()
            .Select(entry =>
            {
                Validate.PartitionKey(entry.PartitionKey);
                // Up to the largest size a stream can take; the stream's own (UpdateMaxRecordSize) is checked with its route.
                var size = Validate.RecordSize(entry.Data, entry.PartitionKey, KinesisLimits.LargestMaxRecordSizeBytes);
                var hashKey = entry.ExplicitHashKey is null ? HashKey.OfPartitionKey(entry.PartitionKey) : HashKey.ParseExplicit(entry.ExplicitHashKey);
                return new SinkRecord(new StoredRecord(entry.PartitionKey, entry.Data), hashKey, size);
            })
            .BatchWeighted(maxBytes, r => Math.Max(r.Size, minWeight), r => new SinkBatch().Add(r), (batch, r) => batch.Add(r))
            .SelectAsync(settings.SinkParallelism, new SinkWriter(streams, streamName).WriteAsync)
            .ToMaterialized(Sink.Ignore<Done>(), Keep.Right);
    }
}
