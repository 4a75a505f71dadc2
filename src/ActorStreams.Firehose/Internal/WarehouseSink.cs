using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// The warehouse destination on PostgreSQL: each buffer's JSON records are loaded with one <c>COPY ... FROM STDIN</c>
/// in a transaction that also inserts the buffer id into <c>actorstreams_firehose_loads</c>. A buffer whose id is
/// already there was loaded before (a retry after a lost acknowledgement, or a restart) and is skipped: every
/// buffer is loaded exactly once.
/// </summary>
internal sealed partial class WarehouseSink : DestinationSink
{
    public const string LoadsTable = "actorstreams_firehose_loads";

    private readonly string _connectionString;
    private readonly string _table;
    private readonly string _loadsTable;
    private readonly string _copy;

    public WarehouseSink(WarehouseDestination destination)
    {
        Destination = destination;
        _connectionString = ConnectionString(destination);
        var parts = TableParts(destination.TableName);
        _table = string.Join('.', parts.Select(Quote));
        _loadsTable = parts.Length == 2 ? $"{Quote(parts[0])}.{LoadsTable}" : LoadsTable;
        foreach (var column in destination.Columns) CheckIdentifier(column, "CopyCommand.DataTableColumns");
        _copy = $"COPY {_table} ({string.Join(", ", destination.Columns.Select(Quote))}) FROM STDIN (FORMAT csv)";
    }

    public WarehouseDestination Destination { get; }

    public override string FailureOutputType => ObjectNaming.WarehouseFailed;

    public override TimeSpan? RetryDuration => TimeSpan.FromSeconds(Destination.RetryDurationInSeconds);

    /// <summary>The Npgsql connection string of <c>jdbc:postgresql://host[:port]/database</c> (or <c>jdbc:redshift://</c>).</summary>
    public static string ConnectionString(WarehouseDestination d)
    {
        var match = JdbcUrl().Match(d.ClusterJdbcUrl ?? "");
        if (!match.Success)
            throw new InvalidArgumentException($"ClusterJDBCURL '{d.ClusterJdbcUrl}' is not of the form jdbc:postgresql://host[:port]/database (or jdbc:redshift://).");
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = match.Groups["host"].Value,
            Port = match.Groups["port"].Success ? int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture) : 5432,
            Database = match.Groups["db"].Value,
            Username = d.Username,
            Password = d.Password,
        };
        return builder.ConnectionString;
    }

    public static string[] TableParts(string table)
    {
        var parts = (table ?? "").Split('.');
        if (parts.Length is < 1 or > 2) throw new InvalidArgumentException($"CopyCommand.DataTableName '{table}' must be table or schema.table.");
        foreach (var p in parts) CheckIdentifier(p, "CopyCommand.DataTableName");
        return parts;
    }

    private static void CheckIdentifier(string name, string member)
    {
        if (!Identifier().IsMatch(name ?? ""))
            throw new InvalidArgumentException($"{member}: '{name}' is not an identifier (letters, digits, _ and $, not starting with a digit, at most 63 characters).");
    }

    private static string Quote(string identifier) => "\"" + identifier + "\"";

    public override PreparedDelivery? Prepare(DeliveryBuffer buffer, List<BufferedRecord> records, List<FailedRecord> failed)
    {
        var csv = new StringBuilder();
        var rows = 0;
        foreach (var record in records)
        {
            string?[] values;
            try
            {
                values = Row(record.Data);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                failed.Add(new FailedRecord(record, ObjectNaming.WarehouseFailed, "Redshift.InvalidJson", $"The record is not a JSON object: {e.Message}", 0));
                continue;
            }
            for (var i = 0; i < values.Length; i++)
            {
                if (i > 0) csv.Append(',');
                // An unquoted empty field is NULL in CSV COPY; an empty string is written quoted.
                if (values[i] is { } v) csv.Append('"').Append(v.Replace("\"", "\"\"")).Append('"');
            }
            csv.Append('\n');
            rows++;
        }
        return rows == 0 ? null : new PreparedRows(rows, csv.ToString());
    }

    private string?[] Row(byte[] data)
    {
        using var doc = JsonDocument.Parse(data);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidOperationException($"it is {doc.RootElement.ValueKind}.");
        var values = new string?[Destination.Columns.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var column = Destination.Columns[i];
            JsonElement? found = null;
            foreach (var member in doc.RootElement.EnumerateObject())
            {
                if (string.Equals(member.Name, column, StringComparison.OrdinalIgnoreCase))
                {
                    found = member.Value;
                    break;
                }
            }
            values[i] = found switch
            {
                null => null,
                { ValueKind: JsonValueKind.Null } => null,
                { ValueKind: JsonValueKind.String } s => s.GetString(),
                { } other => other.GetRawText(),
            };
        }
        return values;
    }

    public override async Task DeliverAsync(DeliveryBuffer buffer, PreparedDelivery prepared, CancellationToken cancellationToken)
    {
        var rows = (PreparedRows)prepared;
        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await EnsureLoadsTableAsync(connection, cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var insert = new NpgsqlCommand(
                $"INSERT INTO {_loadsTable} (buffer_id, delivery_stream, record_count) VALUES (@id, @stream, @count) ON CONFLICT (buffer_id) DO NOTHING",
                connection, tx))
            {
                insert.Parameters.AddWithValue("id", buffer.BufferId);
                insert.Parameters.AddWithValue("stream", buffer.Plan.StreamName);
                insert.Parameters.AddWithValue("count", rows.RecordCount);
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return; // loaded before: this is a retry whose first attempt committed
                }
            }
            await using (var writer = await connection.BeginTextImportAsync(_copy, cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync(rows.Csv.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new DeliveryException($"Redshift.{e.SqlState}", $"Loading into {Destination.TableName} failed: {e.MessageText}", inner: e);
        }
        catch (NpgsqlException e)
        {
            throw new DeliveryException("Redshift.ConnectionFailed", $"Could not reach {Destination.ClusterJdbcUrl}: {e.Message}", inner: e);
        }
    }

    private async Task EnsureLoadsTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var create = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {_loadsTable} (buffer_id uuid PRIMARY KEY, delivery_stream text NOT NULL, record_count int NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())",
            connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Another loader created it at the same moment.
        }
    }

    [GeneratedRegex(@"^jdbc:(postgresql|redshift)://(?<host>[^:/?]+)(:(?<port>\d{1,5}))?/(?<db>[^?/]+)(\?.*)?$")]
    private static partial Regex JdbcUrl();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")]
    private static partial Regex Identifier();

    private sealed record PreparedRows(int RecordCount, string Csv) : PreparedDelivery(RecordCount);
}
