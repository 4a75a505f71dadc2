using Npgsql;

namespace ActorStreams.Tests;

/// <summary>
/// The PostgreSQL test database: an Npgsql connection string in <c>ACTORSTREAMS_TEST_POSTGRES</c> (see
/// <c>ops/postgres.sh env</c>). Every spec instance gets its own schema, because the stream catalog is one
/// persistent entity per database and two ActorSystems must not write it at the same time.
/// </summary>
public static class PostgreSqlTestDatabase
{
    public const string EnvironmentVariable = "ACTORSTREAMS_TEST_POSTGRES";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } cs ? cs : null;

    /// <summary>
    /// Why PostgreSQL specs are skipped, or null when they run. On CI (<c>CI</c> set) they always run, so a missing
    /// database fails them instead of passing silently.
    /// </summary>
    public static string? SkipReason =>
        ConnectionString is null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
            ? $"{EnvironmentVariable} not set"
            : null;

    /// <summary>Creates a fresh schema and returns a connection string whose search path is that schema.</summary>
    public static string CreateSchema(string schema)
    {
        var cs = ConnectionString ?? throw new InvalidOperationException(
            $"{EnvironmentVariable} is not set but CI is: the PostgreSQL specs must run on CI. Start the database with " +
            $"`bash ops/postgres.sh start` and export {EnvironmentVariable}=\"$(bash ops/postgres.sh env)\".");
        using (var connection = new NpgsqlConnection(cs))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"CREATE SCHEMA \"{schema}\"";
            command.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(cs) { SearchPath = schema }.ConnectionString;
    }

    public static void DropSchema(string schema)
    {
        if (ConnectionString is not { } cs) return;
        // Connections of the finished ActorSystem may still sit in the pool and hold locks on the schema's tables.
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(cs);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE";
        command.ExecuteNonQuery();
    }
}
