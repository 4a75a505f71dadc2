using ActorStreams.Firehose;
using ActorStreams.Firehose.Internal;
using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;

namespace ActorStreams.Firehose.Dsl;

/// <summary>
/// A sink that writes records to a Firehose delivery stream: batches of up to 500 records and 4 MiB
/// (PutRecordBatch), one batch in flight, and a full backlog (the delivery stream's destination is behind) turned
/// into backpressure: refused entries are sent again, in order, after a back-off. The task completes when every
/// record is durable in the delivery stream.
/// </summary>
public static class FirehoseSink
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>Writes every element as one record of <paramref name="deliveryStreamName"/>.</summary>
    public static Sink<ReadOnlyMemory<byte>, Task<Done>> Create(ActorSystem system, string deliveryStreamName)
    {
        ArgumentNullException.ThrowIfNull(system);
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        var firehose = FirehoseExtension.Get(system).Client;
        return Flow.Create<ReadOnlyMemory<byte>>()
            .GroupedWeightedWithin(FirehoseLimits.MaxPutRecordBatchBytes, FirehoseLimits.MaxPutRecordBatchEntries, TimeSpan.FromMilliseconds(20),
                r => Math.Max(1, r.Length))
            .SelectAsync(1, batch => PutAllAsync(firehose, deliveryStreamName, batch.ToList()))
            .ToMaterialized(Sink.Ignore<int>(), Keep.Right);
    }

    private static async Task<int> PutAllAsync(FirehoseClient firehose, string name, List<ReadOnlyMemory<byte>> records)
    {
        var backoff = FirstBackoff;
        var pending = records;
        while (true)
        {
            var result = await firehose.PutRecordBatchAsync(name, pending).ConfigureAwait(false);
            if (result.FailedPutCount == 0) return records.Count;
            // Entries are accepted as a prefix, so the refused ones are the tail: resend it in order.
            pending = pending.Where((_, i) => !result.RequestResponses[i].Succeeded).ToList();
            await Task.Delay(backoff).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }
}
