using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using ActorStreams.Settings;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorStreams.Kinesis.Internal.Reads;

/// <summary>
/// Reads a shard's events straight from Akka.Persistence.Sql's journal table, for reads older than the hot tail.
/// </summary>
/// <remarks>
/// The read journal (<c>CurrentEventsByPersistenceId</c>) runs every query in a transaction; Microsoft.Data.Sqlite begins
/// that as <c>BEGIN IMMEDIATE</c>, which takes SQLite's write lock, so every historical read waited for the group
/// commits and for the other readers, and each page materialized a stream and linq2db expressions. This reader runs one
/// plain <c>SELECT</c> per batch of rows on its own connections (SQLite: read-only connections of a separate pool, which
/// in WAL mode read the last committed state without any lock; PostgreSQL: its own data source), selects rows by
/// persistence id and sequence-number range, skips rows marked deleted, and hands the stored bytes to the caller, which
/// decodes only the records it keeps. Only the journal plugins ActorStreams configures itself (sqlite, postgresql) are
/// read this way; others go through the read journal.
/// </remarks>
internal sealed class SqlJournalReader : IDisposable
{
    /// <summary>Rows one read looks at, at most (a read that skips old events by timestamp must still end).</summary>
    public const int MaxRowsPerRead = 4096;

    // PostgreSQL sends a query's whole result, so each query asks for about the rows the page still needs (estimated
    // from the rows read so far), starting with a few and never more than this.
    private const int PostgreSqlMaxRowsPerQuery = 256;

    /// <summary>Rows the first query of a read asks for when queries are sized (<see cref="SizesQueries"/>).</summary>
    public const int FirstSizedQueryRows = 4;

    private readonly Func<DbConnection> _open;
    private readonly IDisposable? _owned;
    private readonly string _sql;

    private SqlJournalReader(Func<DbConnection> open, IDisposable? owned, string sql, int rowsPerQuery, bool sizesQueries)
    {
        _open = open;
        _owned = owned;
        _sql = sql;
        RowsPerQuery = rowsPerQuery;
        SizesQueries = sizesQueries;
    }

    /// <summary>Rows one query fetches at most; a read that needs more runs the next query after the last row it got.</summary>
    public int RowsPerQuery { get; }

    /// <summary>
    /// Whether a query's rows are all sent even when the reader stops early (PostgreSQL), so that a read should ask each
    /// query for only the rows it needs (<see cref="RowsToAsk"/>); SQLite steps through rows as they are read and is
    /// always asked for <see cref="RowsPerQuery"/>.
    /// </summary>
    public bool SizesQueries { get; }

    /// <summary>
    /// The rows the next query of a read should ask for when queries are sized: <see cref="FirstSizedQueryRows"/> before
    /// any row was read, then enough rows, at the records and bytes per row read so far, to fill what the page still has
    /// room for, plus the row that closes it. A group-commit event holds hundreds or thousands of records, so a fixed
    /// 32 rows per query sent several times what a 10,000-record page takes, all of it read off the socket and dropped.
    /// </summary>
    public static int RowsToAsk(int rowsRead, int recordsRead, long bytesRead, int remainingRecords, long remainingBytes, int maxRows)
    {
        if (rowsRead == 0 || recordsRead == 0) return Math.Min(FirstSizedQueryRows, maxRows);
        var byRecords = Math.Ceiling(remainingRecords / ((double)recordsRead / rowsRead));
        var byBytes = bytesRead > 0 ? Math.Ceiling(remainingBytes / ((double)bytesRead / rowsRead)) : maxRows;
        return (int)Math.Clamp(Math.Min(byRecords, byBytes) + 1, 1, maxRows);
    }

    /// <summary>
    /// The reader for the journal <paramref name="config"/> (the ActorSystem's merged configuration) writes to, or null
    /// when reads must go through the read journal: direct reads switched off, the in-memory journal, or a custom one.
    /// </summary>
    public static SqlJournalReader? Create(Config config)
    {
        if (!config.GetBoolean("actorstreams.journal.direct-reads", true)) return null;
        var provider = ActorStreamsConfig.JournalProvider(config);
        if (provider is not ("sqlite" or "postgresql")) return null;
        if (config.GetString("akka.persistence.journal.plugin", "") != "akka.persistence.journal.sql") return null;
        var plugin = config.GetConfig("akka.persistence.journal.sql");
        var mapping = plugin.GetString("table-mapping", "default");
        var table = plugin.GetConfig(mapping);
        if (table is null || table.IsEmpty) return null;
        var columns = table.GetConfig("journal.columns");
        string Column(string key) => Quote(columns.GetString(key));
        var schema = table.GetString("schema-name", null);
        var tableName = (string.IsNullOrEmpty(schema) || schema == "null" ? "" : Quote(schema) + ".") + Quote(table.GetString("journal.table-name"));
        // SQLite steps through rows as they are read, so a reader that stops early reads no more; PostgreSQL sends the
        // whole result, so it is asked for a few rows at a time.
        var rows = provider == "sqlite" ? MaxRowsPerRead : PostgreSqlMaxRowsPerQuery;
        var sql = $"""
            SELECT {Column("sequence-number")}, {Column("manifest")}, {Column("identifier")}, {Column("message")}
            FROM {tableName}
            WHERE {Column("persistence-id")} = @pid AND {Column("sequence-number")} >= @from AND {Column("sequence-number")} <= @to
              AND {Column("deleted")} = FALSE
            ORDER BY {Column("sequence-number")}
            LIMIT @limit
            """;
        var connectionString = plugin.GetString("connection-string", "");
        if (provider == "sqlite")
        {
            // A distinct connection string is a separate pool: readers never wait for a connection the writer holds,
            // and read-only connections can never take the write lock.
            var builder = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadOnly, Pooling = true };
            var cs = builder.ToString();
            // Closing the reader (the ActorSystem terminating) closes its pooled connections, so the file is not held open.
            return new SqlJournalReader(() => new SqliteConnection(cs), new PoolCloser(cs), sql, rows, sizesQueries: false);
        }
        var dataSource = NpgsqlDataSource.Create(connectionString);
        return new SqlJournalReader(dataSource.CreateConnection, dataSource, sql, rows, sizesQueries: true);
    }

    private sealed class PoolCloser(string connectionString) : IDisposable
    {
        public void Dispose()
        {
            using var connection = new SqliteConnection(connectionString);
            SqliteConnection.ClearPool(connection);
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    /// <summary>
    /// The rows of <paramref name="persistenceId"/> from <paramref name="fromEventNo"/> to <paramref name="toEventNo"/>
    /// (inclusive) that are not deleted, in order, at most <paramref name="maxRows"/> of them (capped at
    /// <see cref="RowsPerQuery"/>; all of them when null). The returned cursor is the same object on every step and valid
    /// until the next one; its message is read only when asked for.
    /// </summary>
    public async IAsyncEnumerable<JournalRowCursor> ReadAsync(string persistenceId, long fromEventNo, long toEventNo, int? maxRows = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = _open();
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = _sql;
        AddParameter(command, "@pid", persistenceId);
        AddParameter(command, "@from", fromEventNo);
        AddParameter(command, "@to", toEventNo);
        AddParameter(command, "@limit", Math.Clamp(maxRows ?? RowsPerQuery, 1, RowsPerQuery));
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        var cursor = new JournalRowCursor(reader);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            cursor.Advance();
            yield return cursor;
        }
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    public void Dispose() => _owned?.Dispose();
}

/// <summary>One journal row as <see cref="SqlJournalReader.ReadAsync"/> steps through them (sequential access: message last).</summary>
internal sealed class JournalRowCursor(DbDataReader reader)
{
    public long SequenceNr { get; private set; }

    public string? Manifest { get; private set; }

    public int? SerializerId { get; private set; }

    internal void Advance()
    {
        SequenceNr = reader.GetInt64(0);
        Manifest = reader.IsDBNull(1) ? null : reader.GetString(1);
        // The column is an integer of the provider's choosing (INTEGER, int4): read whatever width it is.
        SerializerId = reader.IsDBNull(2) ? null : Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The stored event bytes (what the serializer wrote).</summary>
    public byte[] ReadMessage() => reader.GetFieldValue<byte[]>(3);
}
