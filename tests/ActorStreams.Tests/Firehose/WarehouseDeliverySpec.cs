using System.Text;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Internal;
using ActorStreams.TestSupport;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// The warehouse destination against the real PostgreSQL of the test script (<c>ACTORSTREAMS_TEST_POSTGRES</c>):
/// buffers of JSON records loaded with COPY into the configured columns, exactly once per buffer.
/// </summary>
[PostgreSqlSpec]
public sealed class WarehouseDeliverySpec : FirehoseSpec
{
    private readonly string _schema = "wh_" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _connectionString;

    public WarehouseDeliverySpec(ITestOutputHelper output) : base(output)
    {
        _connectionString = PostgreSqlTestDatabase.ConnectionString is null ? "" : PostgreSqlTestDatabase.CreateSchema(_schema);
    }

    private WarehouseDestination Destination(string table, int retrySeconds = 3600)
    {
        var cs = new NpgsqlConnectionStringBuilder(PostgreSqlTestDatabase.ConnectionString);
        return new WarehouseDestination
        {
            ClusterJdbcUrl = $"jdbc:postgresql://{cs.Host}:{cs.Port}/{cs.Database}",
            Username = cs.Username!,
            Password = cs.Password ?? "",
            TableName = $"{_schema}.{table}",
            Columns = ["id", "name", "payload"],
            RetryDurationInSeconds = retrySeconds,
            S3Configuration = S3("warehouse-backup", intervalSeconds: 0),
        };
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<(int Id, string? Name, string? Payload)>> RowsAsync(string table)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT id, name, payload FROM \"{_schema}\".\"{table}\" ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(int, string?, string?)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        return rows;
    }

    /// <summary>The table's rows once it holds <paramref name="count"/> (it may not exist yet: the first load creates it).</summary>
    private Task<List<(int Id, string? Name, string? Payload)>> WaitForRowsAsync(string table, int count) =>
        Eventually.EventuallyAsync(async () =>
        {
            var rows = await RowsAsync(table);
            Assert.True(rows.Count >= count, $"{table} did not get {count} rows ({rows.Count} so far).");
            return rows;
        }, TimeSpan.FromSeconds(30));

    private static ReadOnlyMemory<byte> Json(string json) => Encoding.UTF8.GetBytes(json);

    [JournalFact]
    public async Task JSON_records_must_be_copied_into_the_configured_columns()
    {
        await ExecuteAsync($"CREATE TABLE \"{_schema}\".events (id int, name text, payload text)");
        var name = UniqueName("wh");
        await CreateAsync(name, Destination("events"));
        var result = await Firehose.PutRecordBatchAsync(name, [
            Json("{\"id\":1,\"name\":\"plain\",\"payload\":{\"a\":[1,2]}}"),
            Json("{\"ID\":2,\"Name\":\"quote \\\" comma , newline \\n done\"}"),
            Json("{\"id\":3,\"name\":\"\",\"payload\":null,\"ignored\":true}"),
        ]);
        Assert.Equal(0, result.FailedPutCount);

        var rows = await WaitForRowsAsync("events", 3);
        Assert.Equal([
            (1, "plain", "{\"a\":[1,2]}"),
            (2, "quote \" comma , newline \n done", null),
            (3, "", null),
        ], rows);
    }

    [JournalFact]
    public async Task A_table_that_is_missing_for_a_while_must_get_every_record_exactly_once_after_retries()
    {
        var name = UniqueName("wh");
        await CreateAsync(name, Destination("late"));
        for (var i = 0; i < 5; i++)
            Assert.Equal(0, (await Firehose.PutRecordBatchAsync(name, Enumerable.Range(i * 20, 20).Select(id => Json($"{{\"id\":{id},\"name\":\"n{id}\"}}")).ToList())).FailedPutCount);
        // COPY fails (undefined table) and is retried with back-off until the table exists.
        await AwaitFailedDeliveryAsync(name);
        await ExecuteAsync($"CREATE TABLE \"{_schema}\".late (id int, name text, payload text)");

        var rows = await WaitForRowsAsync("late", 100);
        await Task.Delay(500); // a quiet window on a real PostgreSQL: no row may load twice
        rows = await RowsAsync("late");
        Assert.Equal(Enumerable.Range(0, 100), rows.Select(r => r.Id));
    }

    [JournalFact]
    public async Task A_buffer_delivered_again_must_not_load_twice()
    {
        await ExecuteAsync($"CREATE TABLE \"{_schema}\".once (id int, name text, payload text)");
        var destination = Destination("once");
        var sink = new WarehouseSink(destination);
        var plan = new DeliveryPlan("wh-direct", "arn:aws:firehose:us-east-1:000000000000:deliverystream/wh-direct", 1, sink, null, destination.S3Configuration);
        var records = Enumerable.Range(0, 10).Select(i => new BufferedRecord(1, Encoding.UTF8.GetBytes($"{{\"id\":{i}}}"))).ToList();
        var buffer = new DeliveryBuffer(Guid.NewGuid(), plan, records.ToArray());
        var failed = new List<FailedRecord>();
        var prepared = sink.Prepare(buffer, records, failed)!;

        // As after a crash between the COPY's commit and the journaling of the buffer as done: the same buffer id again.
        await sink.DeliverAsync(buffer, prepared, CancellationToken.None);
        await sink.DeliverAsync(buffer, prepared, CancellationToken.None);
        Assert.Empty(failed);
        Assert.Equal(Enumerable.Range(0, 10), (await RowsAsync("once")).Select(r => r.Id));

        // Another buffer with the same records is another load.
        var other = buffer with { BufferId = Guid.NewGuid() };
        await sink.DeliverAsync(other, sink.Prepare(other, records, failed)!, CancellationToken.None);
        Assert.Equal(20, (await RowsAsync("once")).Count);
    }

    [JournalFact]
    public async Task Records_that_are_not_JSON_objects_and_loads_that_keep_failing_must_go_to_the_error_output()
    {
        await ExecuteAsync($"CREATE TABLE \"{_schema}\".strict (id int NOT NULL, name text, payload text)");
        var name = UniqueName("wh");
        // Retry duration 1 s: a record the table refuses (NOT NULL) fails the COPY until the duration is over.
        await CreateAsync(name, Destination("strict", retrySeconds: 1) with { S3Configuration = S3("wh-errors", intervalSeconds: 0) });
        await Firehose.PutRecordBatchAsync(name, [Json("[1,2]"), Json("{\"name\":\"no id\"}")]);

        var objects = await WaitForObjectsAsync("wh-errors", o => o.Count == 1 && Encoding.UTF8.GetString(o.Values.Single()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2);
        var (key, data) = objects.Single();
        Assert.StartsWith("redshift-failed/", key);
        var errors = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(errors, e => e.GetProperty("errorCode").GetString() == "Redshift.InvalidJson");
        Assert.Contains(errors, e => e.GetProperty("errorCode").GetString() == $"Redshift.{PostgresErrorCodes.NotNullViolation}");
        Assert.Empty(await RowsAsync("strict"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _connectionString.Length > 0) PostgreSqlTestDatabase.DropSchema(_schema);
    }
}
