using System.Collections.Concurrent;
using System.Text;
using ActorStreams.Dsl;
using ActorStreams.Kinesis;
using ActorStreams.Settings;
using Akka.Streams.Dsl;

namespace ActorStreams.TestKit;

/// <summary>
/// Runs a consumer and records what it saw, then asserts it against a <see cref="LoadDriver"/>: every record seen
/// (no loss), each key's records in the order written, and no record delivered twice except as an at-least-once
/// redelivery (a key replaying an unbroken run of its records from an earlier point, as a consumer application does
/// after a shard moved to another member or a member restarted).
/// </summary>
public sealed class ConsumerProbe
{
    private readonly ActorStreamsTestKit _kit;
    private readonly ConcurrentQueue<StreamRecord> _seen = new();

    private ConsumerProbe(ActorStreamsTestKit kit) => _kit = kit;

    /// <summary>The running consumer: stop it with <see cref="ISourceControl.Stop"/>.</summary>
    public ISourceControl Control { get; private set; } = null!;

    /// <summary>Every record the consumer saw, in the order it saw them.</summary>
    public IReadOnlyList<StreamRecord> Seen => _seen.ToList();

    /// <summary>Runs <paramref name="source"/> (a shard or whole-stream source) and records every record.</summary>
    public static ConsumerProbe Run(ActorStreamsTestKit kit, Source<StreamRecord, ISourceControl> source)
    {
        ArgumentNullException.ThrowIfNull(kit);
        var probe = new ConsumerProbe(kit);
        probe.Control = source.ToMaterialized(Sink.ForEach<StreamRecord>(probe._seen.Enqueue), Keep.Left).Run(kit.Materializer);
        return probe;
    }

    /// <summary>
    /// Runs a consumer application (<see cref="KinesisSource.Committable"/>): records every record and commits it
    /// through <see cref="Committer.Sink"/> (default: batches of 100 or every 50 ms).
    /// </summary>
    public static ConsumerProbe Run(ActorStreamsTestKit kit, Source<CommittableRecord, ISourceControl> source, CommitterSettings? commits = null)
    {
        ArgumentNullException.ThrowIfNull(kit);
        var probe = new ConsumerProbe(kit);
        probe.Control = source
            .Select(r =>
            {
                probe._seen.Enqueue(r.Record);
                return (ICommittable)r;
            })
            .ToMaterialized(Committer.Sink(commits ?? new CommitterSettings(100, TimeSpan.FromMilliseconds(50), 1)), Keep.Left)
            .Run(kit.Materializer);
        return probe;
    }

    /// <summary>
    /// Waits, with the virtual clock running, until every record <paramref name="load"/> wrote was seen by this consumer
    /// or one of <paramref name="together"/>.
    /// </summary>
    public Task AwaitAllAsync(LoadDriver load, TimeSpan? timeout = null, params ConsumerProbe[] together)
    {
        ArgumentNullException.ThrowIfNull(load);
        int Count()
        {
            var seen = Distinct();
            foreach (var other in together) seen.UnionWith(other.Distinct());
            return seen.Count;
        }
        return _kit.AwaitWithClockAsync(() => Count() >= load.Written,
            $"the consumers saw {Count()} distinct records of the {load.Written} written", timeout);
    }

    /// <summary>Asserts that each key's records were first seen in the order they were written.</summary>
    public void AssertPerKeyOrder()
    {
        foreach (var (key, counters) in FirstDeliveries())
        {
            for (var i = 1; i < counters.Count; i++)
                if (counters[i] <= counters[i - 1])
                    throw new ConsumerProbeException($"{key}: record {counters[i]} was first seen after record {counters[i - 1]}: [{Show(counters)}]");
        }
    }

    /// <summary>
    /// Asserts that every record <paramref name="load"/> wrote was seen, by this consumer or one of
    /// <paramref name="together"/> (the other members of a consumer application).
    /// </summary>
    public void AssertNoLoss(LoadDriver load, params ConsumerProbe[] together)
    {
        ArgumentNullException.ThrowIfNull(load);
        var seen = Distinct();
        foreach (var other in together) seen.UnionWith(other.Distinct());
        for (var k = 0; k < load.WrittenPerKey.Count; k++)
        {
            var missing = Enumerable.Range(1, load.WrittenPerKey[k]).Where(n => !seen.Contains((k, n))).ToList();
            if (missing.Count > 0)
                throw new ConsumerProbeException($"key-{k}: {missing.Count} of {load.WrittenPerKey[k]} records never seen: [{Show(missing.Take(20).ToList())}]");
        }
    }

    /// <summary>Asserts that no record was seen twice (a consumer without failures).</summary>
    public void AssertNoDuplicates()
    {
        var duplicates = Parsed().GroupBy(p => p).Where(g => g.Count() > 1).ToList();
        if (duplicates.Count > 0)
            throw new ConsumerProbeException(
                $"{duplicates.Count} records seen more than once, first key-{duplicates[0].Key.Key}:{duplicates[0].Key.N} ({duplicates[0].Count()} times)");
    }

    /// <summary>
    /// Asserts that records seen more than once are at-least-once redeliveries: per key, every delivery after the first
    /// of a record starts a replay from an earlier point that runs on without gaps, as a consumer resuming after a
    /// checkpoint does. Meant for a consumer that reads every shard: a member of an application with several members
    /// legitimately skips the records another member read while it held the shard.
    /// </summary>
    public void AssertOnlyRedeliveries()
    {
        foreach (var key in Parsed().GroupBy(p => p.Key))
        {
            var counters = key.Select(p => p.N).ToList();
            var highest = counters.Count > 0 ? counters[0] : 0;
            for (var i = 1; i < counters.Count; i++)
            {
                var n = counters[i];
                if (n == counters[i - 1] + 1 || (n <= highest && n > 0))
                {
                    // The run goes on, or a replay starts from an earlier record.
                    highest = Math.Max(highest, n);
                    continue;
                }
                throw new ConsumerProbeException($"key-{key.Key}: record {n} came after {counters[i - 1]} with records skipped: [{Show(counters)}]");
            }
        }
    }

    private HashSet<(int Key, int N)> Distinct() => Parsed().Select(p => (p.Key, p.N)).ToHashSet();

    private List<(string Key, List<int> Counters)> FirstDeliveries() =>
        Parsed().GroupBy(p => p.Key)
            .Select(g => ($"key-{g.Key}", g.Select(p => p.N).Distinct().ToList()))
            .ToList();

    private List<(int Key, int N)> Parsed() => _seen.Select(Parse).ToList();

    private static (int Key, int N) Parse(StreamRecord r)
    {
        var text = Text(r);
        var colon = text.IndexOf(':');
        if (!text.StartsWith("key-", StringComparison.Ordinal) || colon < 0
            || !int.TryParse(text.AsSpan(4, colon - 4), out var key) || !int.TryParse(text.AsSpan(colon + 1), out var n))
            throw new ConsumerProbeException($"Record {r.ShardId}/{r.SequenceNumber} ('{text}') was not written by a LoadDriver.");
        return (key, n);
    }

    private static string Text(StreamRecord r) => Encoding.UTF8.GetString(r.Data.Span);

    private static string Show(IReadOnlyCollection<int> values) => string.Join(",", values.Take(50)) + (values.Count > 50 ? ",..." : "");
}
