using System.Text;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Aggregation;
using Akka;
using Akka.Streams.Dsl;

namespace ActorStreams.Dsl;

/// <summary>
/// KPL aggregation as flows: <see cref="Aggregate"/> packs many small user records into few Kinesis records for
/// <see cref="KinesisSink"/> (what the Kinesis Producer Library does, in the same format), and <see cref="Deaggregate"/>
/// unpacks what a source reads (what the KCL does), whoever aggregated it.
/// </summary>
public static class KinesisAggregation
{
    /// <summary>How long <see cref="Aggregate"/> holds user records by default, as the KPL's <c>RecordMaxBufferedTime</c>.</summary>
    public static readonly TimeSpan DefaultMaxBufferedTime = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Records to user records: an aggregated record becomes its user records (each with its own partition key,
    /// explicit hash key and sub-sequence number), any other record (including one with the magic bytes that does
    /// not read as an aggregate) one user record, unchanged. Put it after <see cref="KinesisSource.Stream"/> or
    /// <see cref="KinesisSource.Shard"/>.
    /// </summary>
    public static Flow<StreamRecord, UserRecord, NotUsed> Deaggregate() =>
        Flow.Create<StreamRecord>().SelectMany(KplAggregate.Deaggregate);

    /// <summary>The user records of <see cref="KinesisSource.SubscribeToShard"/>'s events, in shard order.</summary>
    public static Flow<SubscribeToShardEvent, UserRecord, NotUsed> DeaggregateEvents() =>
        Flow.Create<SubscribeToShardEvent>().SelectMany(e => e.Records.SelectMany(KplAggregate.Deaggregate));

    /// <summary>
    /// A consumer application's records (<see cref="KinesisSource.Committable"/>) to its user records, each to commit
    /// (<see cref="CommittableUserRecord"/>): committing the last user record of an aggregate resumes after the
    /// aggregate, committing an earlier one resumes inside the aggregate, after that user record (the checkpoint keeps the sequence
    /// number and how many of the aggregate's user records were done).
    /// </summary>
    public static Flow<CommittableRecord, CommittableUserRecord, NotUsed> DeaggregateCommittable() =>
        Flow.Create<CommittableRecord>().SelectMany(record =>
        {
            var users = KplAggregate.Deaggregate(record.Record);
            // Resumed inside this aggregate: its first user records were processed and committed before.
            var skip = users is [{ Aggregated: true }, ..] ? (int)Math.Min(record.SkipUserRecords, users.Count) : 0;
            var committables = new CommittableUserRecord[users.Count - skip];
            for (var i = skip; i < users.Count; i++)
                committables[i - skip] = new CommittableUserRecord(users[i], i == users.Count - 1 ? record : record.ResumingInside(i + 1));
            return committables;
        });

    /// <summary>
    /// User records to aggregated records, to write with <see cref="KinesisSink"/>. User records are held until
    /// <paramref name="maxBufferedTime"/> passed or a record's worth per range arrived (16 MiB at most), then packed in order into aggregates of
    /// at most <paramref name="maxRecordBytes"/> (data plus partition key). The hash-key space is cut into
    /// <paramref name="hashRanges"/> equal ranges (set it to the stream's shard count): the user records whose hash key
    /// falls in one range are packed together, and their aggregates are put with an explicit hash key at the start of
    /// the range, so every record of a partition key goes to the same shard, in order, and a stream created with that
    /// many shards gets one range per shard. An aggregate's partition key is its first user record's. A user record too
    /// large to be aggregated is passed on alone (with the range's explicit hash key instead of its own).
    /// </summary>
    /// <param name="hashRanges">Ranges of the hash-key space packed apart, at least 1.</param>
    /// <param name="maxBufferedTime">How long a user record may wait to be packed; <see cref="DefaultMaxBufferedTime"/> when null.</param>
    /// <param name="maxRecordBytes">The largest aggregate, data plus partition key; the stream's maximum record size or less.</param>
    public static Flow<PutRecordsEntry, PutRecordsEntry, NotUsed> Aggregate(int hashRanges = 1, TimeSpan? maxBufferedTime = null,
        int maxRecordBytes = KinesisLimits.DefaultMaxRecordSizeBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hashRanges, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordBytes, KplAggregate.FrameBytes + 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxRecordBytes, KinesisLimits.LargestMaxRecordSizeBytes);
        var wait = maxBufferedTime ?? DefaultMaxBufferedTime;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(wait, TimeSpan.Zero, nameof(maxBufferedTime));
        var ranges = HashKey.UniformRanges(hashRanges);
        return Flow.Create<PutRecordsEntry>()
            .Select(entry =>
            {
                ArgumentNullException.ThrowIfNull(entry);
                Validate.PartitionKey(entry.PartitionKey);
                var hashKey = entry.ExplicitHashKey is null ? HashKey.OfPartitionKey(entry.PartitionKey) : HashKey.ParseExplicit(entry.ExplicitHashKey);
                return new Pending(entry, RangeOf(ranges, hashKey));
            })
            .GroupedWeightedWithin(Math.Min((long)maxRecordBytes * hashRanges, Math.Max(maxRecordBytes, MaxBufferedBytes)), int.MaxValue, wait, p => (long)Math.Max(1, p.Entry.Data.Length))
            .SelectMany(group => Pack(group, ranges, maxRecordBytes));
    }

    // The most user-record bytes held at once: a record's worth per range, but not beyond this (a stream of many
    // shards then gets partly filled aggregates rather than a producer holding gigabytes).
    private const long MaxBufferedBytes = 16 * 1024 * 1024;

    private readonly record struct Pending(PutRecordsEntry Entry, int Range);

    private static int RangeOf(IReadOnlyList<HashKeyRange> ranges, UInt128 hashKey)
    {
        int low = 0, high = ranges.Count - 1;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (ranges[mid].StartingHashKey <= hashKey) low = mid;
            else high = mid - 1;
        }
        return low;
    }

    /// <summary>
    /// One group of user records as aggregates, per range in arrival order; a range's aggregates come out in the order
    /// their records arrived, which is all the order a partition key needs.
    /// </summary>
    private static List<PutRecordsEntry> Pack(IEnumerable<Pending> group, IReadOnlyList<HashKeyRange> ranges, int maxRecordBytes)
    {
        var output = new List<PutRecordsEntry>();
        var open = new Dictionary<int, (AggregateBuilder Builder, string PartitionKey, int KeyBytes)>();
        foreach (var (entry, range) in group)
        {
            var routeKey = ranges[range].StartingHashKeyText;
            if (open.TryGetValue(range, out var current)
                && current.Builder.BytesWith(entry) + current.KeyBytes > maxRecordBytes)
            {
                output.Add(new PutRecordsEntry(current.Builder.ToArray(), current.PartitionKey, routeKey));
                open.Remove(range);
            }
            if (!open.TryGetValue(range, out current))
            {
                var keyBytes = Encoding.UTF8.GetByteCount(entry.PartitionKey!); // checked when the entry came in
                var builder = new AggregateBuilder();
                if (builder.BytesWith(entry) + keyBytes > maxRecordBytes)
                {
                    output.Add(entry with { ExplicitHashKey = routeKey });
                    continue;
                }
                current = (builder, entry.PartitionKey!, keyBytes);
                open.Add(range, current);
            }
            current.Builder.Add(entry);
        }
        foreach (var (range, (builder, partitionKey, _)) in open)
            output.Add(new PutRecordsEntry(builder.ToArray(), partitionKey, ranges[range].StartingHashKeyText));
        return output;
    }
}
