using System.Numerics;
using System.Text;
using ActorStreams.Firehose.Settings;
using ActorStreams.Kinesis;
using ActorStreams.Settings;
using ActorStreams.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// The base of every ActorStreams spec: an ActorSystem built by <see cref="ActorStreamsSetup.CreateActorSystemSetup"/>
/// over a fresh data directory (SQLite) or a fresh schema (PostgreSQL), with a <see cref="FakeTimeProvider"/> as the
/// clock of throttles, iterators, retention and every entity timer. Throttling is on; retention trimming runs every
/// 200 ms of that clock, so a test advances <see cref="Clock"/> and then awaits the trim with <c>AwaitAssertAsync</c>.
/// </summary>
public abstract class ActorStreamsSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly Context _context;
    private ActorMaterializer? _materializer;

    protected ActorStreamsSpec(ITestOutputHelper output, SpecJournal journal = SpecJournal.Sqlite, string? config = null)
        : this(Context.Create(journal, config), output)
    {
    }

    private ActorStreamsSpec(Context context, ITestOutputHelper output)
        : base(ActorStreamsSetup.CreateActorSystemSetup(context.Config, context.Clock), "actorstreams-spec", output)
    {
        _context = context;
    }

    /// <summary>The journal this spec instance runs on.</summary>
    protected SpecJournal Journal => _context.Journal;

    /// <summary>
    /// Every value of every row of every table of the journal database (journal and snapshots), as text with blobs
    /// decoded as Latin-1 byte for byte: what a reader of the raw database sees (encryption at rest checks it holds no plaintext).
    /// </summary>
    protected async Task<string> JournalTextAsync()
    {
        await using System.Data.Common.DbConnection connection = Journal == SpecJournal.Sqlite
            ? new SqliteConnection($"Data Source={ActorStreamsConfig.SqliteFile(SpecConfig)};Mode=ReadOnly;Pooling=False")
            : new NpgsqlConnection(SpecConfig.GetString("actorstreams.journal.postgresql.connection-string"));
        var listTables = Journal == SpecJournal.Sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table'"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()";
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = listTables;
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        }
        Assert.Contains("journal", tables);
        var text = new StringBuilder();
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await AppendRowsAsync(await select.ExecuteReaderAsync(), text);
        }
        return text.ToString();
    }

    private static async Task AppendRowsAsync(System.Data.Common.DbDataReader reader, StringBuilder text)
    {
        await using (reader)
        {
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (await reader.IsDBNullAsync(i)) continue;
                    text.Append(reader.GetValue(i) switch
                    {
                        byte[] blob => Encoding.Latin1.GetString(blob),
                        var other => other.ToString(),
                    }).Append('\u0001');
                }
            }
        }
    }

    /// <summary>The application HOCON of the spec's system: start another system on it to read the same data.</summary>
    protected Config SpecConfig => _context.Config;

    /// <summary>The clock of the runtime; starts at the real current time and moves only when a test advances it.</summary>
    protected FakeTimeProvider Clock => _context.Clock;

    protected ActorStreamsClient Client => ActorStreamsExtension.Get(Sys).Client;

    protected ActorMaterializer Materializer => _materializer ??= Sys.Materializer();

    /// <summary>
    /// A new ActorSystem (a cluster of one, like the spec's own) on the spec's data and clock, the same journal and object
    /// store: a restart after a crash, or a second node reading what the spec's system wrote. <paramref name="config"/>
    /// replaces <see cref="SpecConfig"/>; build it over SpecConfig to keep the data.
    /// </summary>
    protected virtual ActorSystem StartAnotherSystem(string name, Config? config = null) =>
        ActorSystem.Create(name, ActorStreamsSetup.CreateActorSystemSetup(config ?? SpecConfig, Clock));

    /// <summary>A stream name no other spec or run uses (PostgreSQL databases outlive a run).</summary>
    protected static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span);

    protected static BigInteger Numeric(string sequenceNumber) => BigInteger.Parse(sequenceNumber);

    protected static PutRecordsEntry Entry(string partitionKey, string data, string? explicitHashKey = null) =>
        new(Bytes(data), partitionKey, explicitHashKey);

    /// <summary>The id of the only shard of a one-shard stream.</summary>
    protected static string Shard0 => new StreamShardId(0).ToString();

    /// <summary>
    /// Reads a shard from an iterator of <paramref name="type"/> until caught up (an empty page at the tip).
    /// Moves the clock 200 ms before each call so the reads stay within 5 GetRecords calls per second.
    /// </summary>
    protected async Task<List<StreamRecord>> ReadAllAsync(string stream, string shardId, ShardIteratorType type = ShardIteratorType.TrimHorizon,
        string? sequenceNumber = null, DateTimeOffset? timestamp = null, int? limit = null, ActorStreamsClient? client = null)
    {
        client ??= Client;
        var iterator = await client.GetShardIteratorAsync(stream, shardId, type, sequenceNumber, timestamp);
        return await ReadFromAsync(iterator, limit, client);
    }

    /// <summary>Reads from <paramref name="iterator"/> until caught up (or the end of a closed shard), moving the clock 200 ms before each call.</summary>
    protected async Task<List<StreamRecord>> ReadFromAsync(string iterator, int? limit = null, ActorStreamsClient? client = null)
    {
        client ??= Client;
        var all = new List<StreamRecord>();
        for (var calls = 0; calls < 10_000; calls++)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(200));
            var page = await client.GetRecordsAsync(iterator, limit);
            all.AddRange(page.Records);
            if (page.NextShardIterator is null) return all; // the end of a shard closed by resharding
            iterator = page.NextShardIterator;
            if (page.Records.Count == 0 && page.MillisBehindLatest == 0) return all;
        }
        throw new InvalidOperationException("The shard did not reach its tip.");
    }

    /// <summary>Every record of every shard of a stream, shard by shard.</summary>
    protected async Task<List<StreamRecord>> ReadStreamAsync(string stream, ActorStreamsClient? client = null)
    {
        client ??= Client;
        var all = new List<StreamRecord>();
        foreach (var shard in await client.ListShardsAsync(stream))
            all.AddRange(await ReadAllAsync(stream, shard.ShardId.ToString(), client: client));
        return all;
    }

    /// <summary>
    /// Awaits <paramref name="task"/> while moving the clock forward by <paramref name="step"/> every few milliseconds of
    /// real time: for work that waits on the runtime's clock (a throttled sink retrying with <c>Task.Delay(delay, clock)</c>).
    /// </summary>
    protected async Task<T> WithClockRunningAsync<T>(Task<T> task, TimeSpan step, TimeSpan? timeout = null)
    {
        await Eventually.EventuallyAsync(() =>
        {
            if (task.IsCompleted) return true;
            Clock.Advance(step);
            return false;
        }, "the task to complete", timeout ?? TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(10));
        return await task;
    }

    protected override void Dispose(bool disposing)
    {
        try
        {
            base.Dispose(disposing);
        }
        finally
        {
            if (disposing) _context.Cleanup();
        }
    }

    private sealed record Context(SpecJournal Journal, Config Config, FakeTimeProvider Clock, string DataDir, string? Schema)
    {
        public static Context Create(SpecJournal journal, string? extraConfig)
        {
            var id = Guid.NewGuid().ToString("N")[..12];
            var dataDir = Path.Combine(Path.GetTempPath(), "actorstreams-tests", id);
            string? schema = null;
            var journalConfig = "actorstreams.journal.provider = sqlite";
            if (journal == SpecJournal.PostgreSql)
            {
                schema = "spec_" + id;
                var cs = PostgreSqlTestDatabase.CreateSchema(schema);
                journalConfig = $"""
                    actorstreams.journal.provider = postgresql
                    actorstreams.journal.postgresql.connection-string = "{cs}"
                    """;
            }
            // The spec's own settings win over the defaults below.
            var config = ConfigurationFactory.ParseString(extraConfig ?? "").WithFallback(ConfigurationFactory.ParseString($"""
                akka.loglevel = WARNING
                akka.stdout-loglevel = WARNING
                akka.log-dead-letters-during-shutdown = off
                actorstreams {"{"}
                  data-dir = "{dataDir.Replace("\\", "/")}"
                  stream-shard.trim-interval = 200ms
                  throttling.enabled = on
                {"}"}
                {journalConfig}
                """)).WithFallback(FirehoseConfig.Default); // every spec system can run Firehose (its serializer is bound at start)
            return new Context(journal, config, new FakeTimeProvider(DateTimeOffset.UtcNow), dataDir, schema);
        }

        public void Cleanup()
        {
            try
            {
                if (Directory.Exists(DataDir)) Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a pooled connection: the temp directory is left for the OS to clean.
            }
            if (Schema is not null) PostgreSqlTestDatabase.DropSchema(Schema);
        }
    }
}
