using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;
using ActorStreams.Settings;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorStreams.Kinesis.Internal.Reads;

/// <summary>
/// Reads of StreamShards: iterators resolved by the shard, pages from its in-memory tail, and pages behind the tail
/// read here from the journal (<see cref="SqlJournalReader"/>, or the configured read journal) so the shard stays
/// free. GetRecords, the shard sources, consumer application members and SubscribeToShard all read through it.
/// </summary>
internal sealed class ShardReads
{
    // A journal read fetches at most this many events, so a page never holds more than a bounded number of
    // large group-commit events in memory.
    private const int MaxJournalEventsPerRead = 64;

    private readonly ActorSystem _system;
    private readonly ActorStreamsSettings _settings;
    private readonly TimeProvider _clock;
    private readonly EntityAsks _asks;
    private readonly IActorRef _shards;
    private readonly StreamMetrics _metrics;
    private readonly KeyProvider _keys;
    private readonly ConsumerLagTracker _lag;
    private readonly Lazy<IMaterializer> _materializer;
    private readonly Lazy<SqlJournalReader?> _journalReader;

    public ShardReads(ActorSystem system, ActorStreamsSettings settings, TimeProvider clock, EntityAsks asks, IActorRef shards, StreamMetrics metrics,
        KeyProvider keys, ConsumerLagTracker lag, Lazy<IMaterializer> materializer)
    {
        _system = system;
        _settings = settings;
        _clock = clock;
        _asks = asks;
        _shards = shards;
        _metrics = metrics;
        _keys = keys;
        _lag = lag;
        _materializer = materializer;
        _journalReader = new Lazy<SqlJournalReader?>(() => CreateJournalReader(system));
    }

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>AWS's wording for an iterator type given with (or without) a sequence number it does not take (or needs).</summary>
    private static InvalidArgumentException IteratorTypeMismatch(string specified) =>
        new("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or " +
            $"(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified {specified}.");

    public static StartingPosition ToStartingPosition(ShardIteratorType type, string? sequenceNumber, DateTimeOffset? timestamp)
    {
        switch (type)
        {
            case ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber:
                if (sequenceNumber is null) throw IteratorTypeMismatch($"{IteratorTypeName(type)} and no StartingSequenceNumber");
                if (timestamp is not null)
                    throw new InvalidArgumentException($"Timestamp must not be given for {IteratorTypeName(type)}.");
                return type == ShardIteratorType.AtSequenceNumber
                    ? StartingPosition.AtSequenceNumber(sequenceNumber)
                    : StartingPosition.AfterSequenceNumber(sequenceNumber);
            case ShardIteratorType.AtTimestamp:
                if (timestamp is null)
                    throw new InvalidArgumentException(
                        "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.");
                if (sequenceNumber is not null) throw new InvalidArgumentException("StartingSequenceNumber must not be given for AT_TIMESTAMP.");
                return StartingPosition.AtTimestamp(timestamp.Value);
            case ShardIteratorType.TrimHorizon or ShardIteratorType.Latest:
                if (sequenceNumber is not null) throw IteratorTypeMismatch($"{IteratorTypeName(type)} and also a StartingSequenceNumber");
                if (timestamp is not null)
                    throw new InvalidArgumentException($"Neither StartingSequenceNumber nor Timestamp may be given for {IteratorTypeName(type)}.");
                return type == ShardIteratorType.TrimHorizon ? StartingPosition.TrimHorizon : StartingPosition.Latest;
            default:
                throw new ValidationException($"1 validation error detected: Value '{type}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]");
        }
    }

    private static string IteratorTypeName(ShardIteratorType type) => type switch
    {
        ShardIteratorType.AtSequenceNumber => "AT_SEQUENCE_NUMBER",
        ShardIteratorType.AfterSequenceNumber => "AFTER_SEQUENCE_NUMBER",
        ShardIteratorType.TrimHorizon => "TRIM_HORIZON",
        ShardIteratorType.Latest => "LATEST",
        _ => "AT_TIMESTAMP",
    };

    public Task<(SequenceNumber Position, long MinTimestampMs)> ResolveAsync(StreamRoute route, int shardIndex, StartingPosition start,
        bool countCall, CancellationToken cancellationToken) =>
        ResolveAsync(route.EntityId(shardIndex, _settings.AccountId), start, countCall, cancellationToken);

    public async Task<(SequenceNumber Position, long MinTimestampMs)> ResolveAsync(string entityId, StartingPosition start,
        bool countCall, CancellationToken cancellationToken)
    {
        SequenceNumber? sequence = start.SequenceNumber is null ? null : SequenceNumber.Parse(start.SequenceNumber, "StartingSequenceNumber");
        var ts = start.Timestamp?.ToUnixTimeMilliseconds() ?? 0;
        var resolved = await _asks.AskAsync<IteratorResolved>(_shards,
            new ResolveIterator(entityId, start.Type, sequence, ts, countCall), cancellationToken).ConfigureAwait(false);
        return (resolved.Position, resolved.MinTimestampMs);
    }

    /// <summary>
    /// Reads one page from a shard: from its in-memory tail, or from the journal when the position is older.
    /// With <paramref name="wait"/> above zero a read at the tip waits for new records instead of answering empty.
    /// </summary>
    /// <remarks>
    /// <paramref name="maxBytes"/> caps the page (default: GetRecords' 10 MiB); <paramref name="sharedCapacity"/> false reads
    /// without charging the shard's shared GetRecords capacity (enhanced fan-out has its own). Every page read is counted
    /// once, in <see cref="StreamMetrics"/> (the console's window and the OpenTelemetry instruments).
    /// </remarks>
    public async Task<ShardPage> ReadAsync(string entityId, StreamShardId shardId, SequenceNumber from, long minTimestampMs, int limit,
        TimeSpan wait, CancellationToken cancellationToken, long maxBytes = KinesisLimits.MaxGetRecordsBytes, bool sharedCapacity = true)
    {
        var page = await ReadPageAsync(entityId, shardId, from, minTimestampMs, limit, wait, maxBytes, sharedCapacity, cancellationToken)
            .ConfigureAwait(false);
        // Polling readers (GetRecords, shard sources, consumer application members) are anonymous: their lag is the shard's iterator age.
        if (page.ThrottledFor is null && sharedCapacity) _lag.PolledRead(entityId, page.MillisBehindLatest);
        return page;
    }

    private async Task<ShardPage> ReadPageAsync(string entityId, StreamShardId shardId, SequenceNumber from, long minTimestampMs, int limit,
        TimeSpan wait, long maxBytes, bool sharedCapacity, CancellationToken cancellationToken)
    {
        var timeout = _settings.AskTimeout + wait;
        object reply;
        try
        {
            reply = await _asks.AskResendingAsync(_shards, new ReadRecords(entityId, from, minTimestampMs, limit, maxBytes, wait, sharedCapacity),
                wait, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new InternalFailureException($"No answer from shard {shardId} within {timeout.TotalSeconds:0.#} s.");
        }
        switch (reply)
        {
            case ReadRecordsResult r:
            {
                long bytes = 0;
                foreach (var record in r.Records) bytes += record.Record.Size;
                var page = new ShardPage(ToRecords(shardId, r.Records), r.Next, r.MillisBehindLatest, null, null,
                    r.EndOfShard is null ? null : ShardPage.ToChildShards(r.EndOfShard)) { Bytes = bytes };
                CountRead(entityId, page);
                return page;
            }
            case ReadFromJournal j:
            {
                var page = await ReadJournalAsync(j, shardId, minTimestampMs, limit, cancellationToken, maxBytes, sharedCapacity).ConfigureAwait(false);
                CountRead(entityId, page);
                return page;
            }
            case ReadThrottled t:
                return new ShardPage(Array.Empty<StreamRecord>(), from, 0, t.RetryAfter, t.Message);
            case ErrorReply e:
                throw e.ToException();
            default:
                throw new InternalFailureException($"Unexpected reply {reply.GetType().Name} to a read.");
        }
    }

    private void CountRead(string entityId, ShardPage page) => _metrics.Read(entityId, page.Records.Count, page.Bytes, page.MillisBehindLatest);

    private async Task<ShardPage> ReadJournalAsync(ReadFromJournal range, StreamShardId shardId, long minTimestampMs, int limit,
        CancellationToken cancellationToken, long maxBytes, bool sharedCapacity)
    {
        var reader = _journalReader.Value;
        if (reader is null && ActorStreamsConfig.JournalProvider(_system.Settings.Config) == ActorStreamsConfig.InMemoryProvider)
            throw new InternalFailureException(
                $"Shard {shardId} was read behind its in-memory tail, and the in-memory journal has no read journal: raise actorstreams.stream-shard.hot-tail-bytes.");
        var page = new ReadPage(limit, maxBytes);
        var covered = reader is not null
            ? await ReadJournalRowsAsync(reader, range, minTimestampMs, page, cancellationToken).ConfigureAwait(false)
            : await ReadJournalEventsAsync(range, minTimestampMs, page, cancellationToken).ConfigureAwait(false);

        if (_settings.Throttling.Enabled && sharedCapacity && page.Bytes > 0)
            _shards.Tell(new ChargeReadBytes(StreamShardEntity.EntityIdOf(range.PersistenceId), page.Bytes));
        var next = page.FullAt ?? new SequenceNumber(covered + 1, 0);
        var behind = page.Records.Count == 0
            ? Math.Max(0, NowMs - range.LatestTimestampMs)
            : Math.Max(0, NowMs - page.Records[^1].TimestampMs);
        // The journal held everything up to a closed shard's last event: the reader is at its end.
        var end = range.Closed is { } closed && page.FullAt is null && covered >= closed.EndingEventNo ? ShardPage.ToChildShards(closed) : null;
        var records = ToRecords(shardId, page.Records);
        page.Release();
        return new ShardPage(records, next, end is null ? behind : 0, null, null, end) { Bytes = page.Bytes };
    }

    /// <summary>
    /// Fills <paramref name="page"/> from the journal table (<see cref="SqlJournalReader"/>); returns the last event number
    /// the read covered, so the next read starts after it.
    /// </summary>
    private async Task<long> ReadJournalRowsAsync(SqlJournalReader reader, ReadFromJournal range, long minTimestampMs, ReadPage page,
        CancellationToken cancellationToken)
    {
        var last = range.ToEventNoExclusive - 1;
        var from = range.From.EventNo;
        var rowsRead = 0;
        while (from <= last && rowsRead < SqlJournalReader.MaxRowsPerRead)
        {
            var rows = 0;
            var lastRow = from - 1;
            var ask = reader.SizesQueries
                ? SqlJournalReader.RowsToAsk(rowsRead, page.Records.Count, page.Bytes, page.RemainingRecords, page.RemainingBytes, reader.RowsPerQuery)
                : reader.RowsPerQuery;
            await foreach (var row in reader.ReadAsync(range.PersistenceId, from, last, ask, cancellationToken).ConfigureAwait(false))
            {
                rows++;
                lastRow = row.SequenceNr;
                var startIndex = row.SequenceNr == range.From.EventNo ? range.From.Index : 0;
                if (!AddJournalRow(page, range.PersistenceId, row, startIndex, minTimestampMs)) return row.SequenceNr;
            }
            rowsRead += rows;
            // Fewer rows than asked for: nothing else is stored in the range (trimmed events are simply absent).
            if (rows < ask) return last;
            from = lastRow + 1;
        }
        return from - 1;
    }

    /// <summary>Adds the records of one journal row to the page; false once the page is full.</summary>
    private bool AddJournalRow(ReadPage page, string persistenceId, JournalRowCursor row, int startIndex, long minTimestampMs)
    {
        if (row.SerializerId != ActorStreamsSerializerId)
        {
            // Not written by ActorStreams' serializer (an application's own journal setup): decode it the general way.
            var e = _system.Serialization.Deserialize(row.ReadMessage(), row.SerializerId ?? 0, row.Manifest ?? "");
            return e switch
            {
                RecordsAppended plain when plain.TimestampMs >= minTimestampMs => page.Add(row.SequenceNr, plain, startIndex),
                EncryptedRecordsAppended sealedBatch when sealedBatch.TimestampMs >= minTimestampMs =>
                    !page.CloseIfFull(row.SequenceNr, startIndex) &&
                    page.Add(row.SequenceNr, RecordCipher.Open(_keys, persistenceId, row.SequenceNr, sealedBatch), startIndex),
                _ => true,
            };
        }
        switch (row.Manifest)
        {
            case ActorStreamsSerializer.RecordsAppendedManifest:
            {
                // A full page is closed before the next event is even read.
                if (page.CloseIfFull(row.SequenceNr, startIndex)) return false;
                var layout = row.ReadMessage();
                if (ActorStreamsSerializer.RecordsAppendedTimestamp(layout) < minTimestampMs) return true;
                return page.AddLayout(row.SequenceNr, layout, startIndex);
            }
            case ActorStreamsSerializer.EncryptedRecordsAppendedManifest:
            {
                // A sealed event past a full page is never decrypted, so its key cannot fail this read.
                if (page.CloseIfFull(row.SequenceNr, startIndex)) return false;
                var sealedBatch = ActorStreamsSerializer.ReadEncryptedRecordsAppended(row.ReadMessage());
                if (sealedBatch.TimestampMs < minTimestampMs) return true;
                // A batch written while the stream was encrypted is opened here; a missing or wrong key fails the read with its KMS error.
                return page.AddLayout(row.SequenceNr, RecordCipher.OpenLayout(_keys, persistenceId, row.SequenceNr, sealedBatch), startIndex);
            }
            default:
                return true; // the shard's other events (initialized, retention, encryption, closed) hold no records
        }
    }

    private const int ActorStreamsSerializerId = 7117;

    private static SqlJournalReader? CreateJournalReader(ActorSystem system)
    {
        var reader = SqlJournalReader.Create(system.Settings.Config);
        if (reader is not null) system.RegisterOnTermination(reader.Dispose);
        return reader;
    }

    /// <summary>
    /// Fills <paramref name="page"/> through the configured read journal (a custom journal, or direct reads switched
    /// off); returns the last event number the read covered.
    /// </summary>
    private async Task<long> ReadJournalEventsAsync(ReadFromJournal range, long minTimestampMs, ReadPage page, CancellationToken cancellationToken)
    {
        var journal = PersistenceQuery.Get(_system).ReadJournalFor<ICurrentEventsByPersistenceIdQuery>(_settings.QueryJournalPlugin);
        var lastEvent = Math.Min(range.ToEventNoExclusive - 1, range.From.EventNo + MaxJournalEventsPerRead - 1);
        await journal.CurrentEventsByPersistenceId(range.PersistenceId, range.From.EventNo, lastEvent)
            .TakeWhile(_ => page.FullAt is null)
            .RunForeach(envelope =>
            {
                if (page.FullAt is not null) return;
                var startIndex = envelope.SequenceNr == range.From.EventNo ? range.From.Index : 0;
                if (envelope.Event is EncryptedRecordsAppended && page.CloseIfFull(envelope.SequenceNr, startIndex)) return;
                // A batch written while the stream was encrypted is opened here; a missing or wrong key fails the read with its KMS error.
                var e = envelope.Event switch
                {
                    RecordsAppended plain => plain,
                    EncryptedRecordsAppended sealedBatch when sealedBatch.TimestampMs >= minTimestampMs =>
                        RecordCipher.Open(_keys, range.PersistenceId, envelope.SequenceNr, sealedBatch),
                    _ => null,
                };
                if (e is null || e.TimestampMs < minTimestampMs) return;
                page.Add(envelope.SequenceNr, e, startIndex);
            }, _materializer.Value).WaitAsync(cancellationToken).ConfigureAwait(false);
        return lastEvent;
    }

    private static IReadOnlyList<StreamRecord> ToRecords(StreamShardId shardId, ReadOnlySpan<ReadRecord> records)
    {
        if (records.Length == 0) return Array.Empty<StreamRecord>();
        var result = new StreamRecord[records.Length];
        for (var i = 0; i < records.Length; i++)
        {
            var r = records[i];
            result[i] = new StreamRecord(shardId, r.Position.Format(shardId, r.TimestampMs), DateTimeOffset.FromUnixTimeMilliseconds(r.TimestampMs), r.Record.Data, r.Record.PartitionKey);
        }
        return result;
    }
}
