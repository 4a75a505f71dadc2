using System.Collections.Immutable;
using ActorStreams.Dsl;
using ActorStreams.Streams;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorStreams.Firehose.Internal;

/// <summary>A source buffer is done: the checkpoints to journal (per shard, the last sequence number it held).</summary>
internal sealed record SourceBufferDone(long Generation, ImmutableSortedDictionary<string, string> Checkpoints);

/// <summary>
/// The delivery graph of a KinesisStreamAsSource delivery stream: every open shard of the source stream read from its
/// checkpoint (after the last delivered sequence number, else TRIM_HORIZON), merged, grouped by the buffering hints,
/// then the same transformation, preparation and delivery as DirectPut. Reading is on demand, so a slow destination
/// slows the reading. Records are not copied into the delivery stream's journal: they stay in the source stream, and
/// only after a buffer was delivered (or went to the error output) does the entity journal the new checkpoints, so a
/// restart re-reads and redelivers rather than loses.
/// </summary>
internal static class KinesisSourceGraph
{
    private const string ArnMarker = ":stream/";

    /// <summary>The stream name of <c>arn:aws:kinesis:REGION:ACCOUNT:stream/NAME</c>.</summary>
    public static string StreamNameOfArn(string arn)
    {
        var at = arn.IndexOf(ArnMarker, StringComparison.Ordinal);
        if (!arn.StartsWith("arn:aws:kinesis:", StringComparison.Ordinal) || at < 0 || at + ArnMarker.Length == arn.Length)
            throw new InvalidArgumentException($"KinesisStreamARN '{arn}' is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME).");
        return arn[(at + ArnMarker.Length)..];
    }

    public static IKillSwitch Run(ActorSystem system, IActorRef owner, long generation, DeliveryPlan plan, BufferingHints hints,
        ImmutableSortedDictionary<string, string> checkpoints, FirehoseRuntime runtime, ILoggingAdapter log, IMaterializer materializer,
        string streamName, CancellationToken cancellationToken)
    {
        var client = ActorStreamsExtension.Get(system).Client;
        var sizeLimit = Math.Min((long)hints.SizeInMBs * 1024 * 1024, runtime.Settings.MaxBacklogBytes / 2);
        // GroupedWeightedWithin needs a positive interval: 0 s means "as soon as records are there".
        var interval = hints.IntervalInSeconds == 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(hints.IntervalInSeconds);

        var (killSwitch, done) = Source.FromTask(client.ListShardsAsync(streamName, cancellationToken))
            .ConcatMany(shards =>
            {
                var open = shards.Where(s => s.SequenceNumberRange.EndingSequenceNumber is null).ToList();
                return Source.From(open).MergeMany(Math.Max(1, open.Count), shard =>
                {
                    var id = shard.ShardId.ToString();
                    var start = checkpoints.TryGetValue(id, out var seq) ? StartingPosition.AfterSequenceNumber(seq) : StartingPosition.TrimHorizon;
                    return KinesisSource.Shard(system, streamName, shard.ShardId, start).MapMaterializedValue(_ => Akka.NotUsed.Instance);
                });
            })
            .GroupedWeightedWithin(sizeLimit, interval, r => Math.Max(1, r.Data.Length))
            .Select(records => ToBuffer(plan, records))
            .SelectAsync(1, async b => (Transformed: await DeliveryGraph.TransformAsync(b.Buffer, runtime, log, cancellationToken).ConfigureAwait(false), b.Checkpoints))
            .Select(t => (Prepared: DeliveryGraph.Prepare(t.Transformed), t.Checkpoints))
            .Async()
            .SelectAsync(1, async p =>
            {
                await DeliveryGraph.DeliverAsync(p.Prepared, runtime, log, cancellationToken).ConfigureAwait(false);
                return new SourceBufferDone(generation, p.Checkpoints);
            })
            .ViaMaterialized(KillSwitches.Single<SourceBufferDone>(), Keep.Right)
            .ToMaterialized(Sink.ForEach<SourceBufferDone>(d => owner.Tell(d)), Keep.Both)
            .Run(materializer);
        done.ContinueWith(t => owner.Tell(new DeliveryGraphStopped(generation, t.Exception?.GetBaseException())), TaskScheduler.Default);
        return killSwitch;
    }

    private static (DeliveryBuffer Buffer, ImmutableSortedDictionary<string, string> Checkpoints) ToBuffer(DeliveryPlan plan, IEnumerable<StreamRecord> records)
    {
        var list = records.ToList();
        var positions = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        // Records of one shard come in sequence order, so the last one seen per shard is its new checkpoint.
        foreach (var r in list) positions[r.ShardId.ToString()] = r.SequenceNumber;
        var buffered = list.Select(r => new BufferedRecord(r.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds(), r.Data.ToArray())).ToArray();
        return (new DeliveryBuffer(Guid.NewGuid(), plan, buffered), positions.ToImmutable());
    }
}
