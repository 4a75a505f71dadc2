using Akka.Configuration;
using Akka.Persistence.Sql;
using LinqToDB;
using LinqToDB.Data;
using Microsoft.Data.Sqlite;

namespace ActorStreams.Settings;

/// <summary>
/// Builds the configuration of an ActorSystem that runs ActorStreams: the application's HOCON over the embedded
/// defaults, with the journal, snapshot store and read journal that <c>actorstreams.journal</c> chooses.
/// </summary>
public static class ActorStreamsConfig
{
    /// <summary>The embedded <c>reference.conf</c>.</summary>
    public static Config Default { get; } = ConfigurationFactory.FromResource<ActorStreamsSettings>("ActorStreams.reference.conf");

    internal const string SqliteProvider = "SQLite.MS";
    internal const string PostgreSqlProvider = "PostgreSQL.15";

    /// <summary>The <c>actorstreams.journal.provider</c> of tests: Akka.Persistence's in-memory journal.</summary>
    public const string InMemoryProvider = "inmemory";

    /// <summary>
    /// The full configuration for <paramref name="application"/>: it wins over everything ActorStreams adds.
    /// </summary>
    public static Config Build(Config? application)
    {
        var app = application ?? Config.Empty;
        var merged = app.WithFallback(Default);
        return app.WithFallback(PersistenceConfig(merged)).WithFallback(Default).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>The journal provider the configuration chose: <c>sqlite</c>, <c>postgresql</c>, <c>inmemory</c> or <c>custom</c>.</summary>
    public static string JournalProvider(Config merged) =>
        merged.GetString("actorstreams.journal.provider", "sqlite").Trim().ToLowerInvariant();

    /// <summary>The absolute path of the SQLite journal file.</summary>
    public static string SqliteFile(Config merged)
    {
        var dataDir = merged.GetString("actorstreams.data-dir", "data");
        return Path.GetFullPath(Path.Combine(dataDir, merged.GetString("actorstreams.journal.sqlite.file", "actorstreams.db")));
    }

    private static Config PersistenceConfig(Config merged)
    {
        switch (JournalProvider(merged))
        {
            case "sqlite":
                return SqlPlugins($"Data Source={SqliteFile(merged)};Pooling=True", SqliteProvider);
            case "postgresql":
                var cs = merged.GetString("actorstreams.journal.postgresql.connection-string", "");
                if (string.IsNullOrWhiteSpace(cs))
                    throw new ConfigurationException("actorstreams.journal.provider = postgresql needs actorstreams.journal.postgresql.connection-string.");
                return SqlPlugins(WithIdleInTransactionTimeout(cs,
                    merged.GetTimeSpan("actorstreams.journal.postgresql.idle-in-transaction-timeout", TimeSpan.FromSeconds(5))), PostgreSqlProvider);
            case "custom":
                return Config.Empty;
            case InMemoryProvider:
                // Akka.Persistence's in-memory journal and snapshot store: nothing survives the ActorSystem, and
                // there is no read journal, so reads are served from each shard's in-memory tail only.
                return ConfigurationFactory.ParseString("""
                    akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                    """);
            default:
                throw new ConfigurationException(
                    $"actorstreams.journal.provider '{JournalProvider(merged)}' is not one of sqlite, postgresql, inmemory, custom.");
        }
    }

    /// <summary>
    /// The journal's connection string with <c>idle_in_transaction_session_timeout</c> in its <c>Options</c>, unless it
    /// sets that already or <paramref name="timeout"/> is zero.
    /// </summary>
    internal static string WithIdleInTransactionTimeout(string connectionString, TimeSpan timeout)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        var options = builder.Options ?? "";
        if (timeout <= TimeSpan.Zero || options.Contains("idle_in_transaction_session_timeout", StringComparison.OrdinalIgnoreCase))
            return connectionString;
        builder.Options = (options + " -c idle_in_transaction_session_timeout=" + (long)timeout.TotalMilliseconds).Trim();
        return builder.ConnectionString;
    }

    private static Config SqlPlugins(string connectionString, string provider)
    {
        var cs = connectionString.Replace("\\", "\\\\").Replace("\"", "\\\"");
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  connection-string = "{{cs}}"
                  provider-name = "{{provider}}"
                  plugin-dispatcher = "actorstreams.persistence-dispatcher"
                  auto-initialize = on
                  # The journal stores one writer id per node process, and an entity that moves from node A to B and
                  # back to A looks like "an old writer came back" to Akka's replay filter, whose default repair mode
                  # then drops A's newer events on the next recovery. Sharding keeps one writer per entity and the
                  # journal's unique (persistence_id, sequence_number) key refuses a second one, so the filter is off.
                  replay-filter.mode = off
                  # Akka opens the breaker after 10 failed calls and fails every call for reset-timeout (30 s by
                  # default), which delays the end of a journal fault (disk full, database down) by as much; writers
                  # refuse appends during a fault themselves (JournalHealth), so the journal is tried again sooner.
                  circuit-breaker.reset-timeout = 2s
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = "{{cs}}"
                  provider-name = "{{provider}}"
                  plugin-dispatcher = "actorstreams.persistence-dispatcher"
                  auto-initialize = on
                  circuit-breaker.reset-timeout = 2s
                }
              }
              query.journal.sql {
                connection-string = "{{cs}}"
                provider-name = "{{provider}}"
              }
            }
            """);
    }

    /// <summary>
    /// Prepares the SQLite file (directory, WAL mode) and returns the linq2db options that set the per-connection
    /// <c>synchronous</c> level; null for other providers.
    /// </summary>
    internal static DataOptions? PrepareSqlite(Config merged)
    {
        if (JournalProvider(merged) != "sqlite") return null;
        var file = SqliteFile(merged);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var synchronous = merged.GetString("actorstreams.journal.sqlite.synchronous", "NORMAL").Trim().ToUpperInvariant();
        if (synchronous is not ("OFF" or "NORMAL" or "FULL" or "EXTRA"))
            throw new ConfigurationException($"actorstreams.journal.sqlite.synchronous '{synchronous}' is not one of OFF, NORMAL, FULL, EXTRA.");

        var connectionString = $"Data Source={file};Pooling=True";
        // journal_mode=WAL is stored in the file; synchronous is per connection, hence the hook below.
        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }

        return new DataOptions()
            .UseConnectionString(SqliteProvider, connectionString)
            .UseAfterConnectionOpened(
                connection =>
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=30000;";
                    command.ExecuteNonQuery();
                },
                async (connection, cancellationToken) =>
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=30000;";
                    await command.ExecuteNonQueryAsync(cancellationToken);
                });
    }
}
