namespace ActorStreams.Firehose;

/// <summary>
/// The warehouse destination (Redshift's part), played by PostgreSQL: each buffer of JSON records is loaded with
/// <c>COPY</c> into <see cref="TableName"/> (<see cref="Columns"/> taken from the JSON members of the same names),
/// exactly once: the buffer's id is recorded in the same transaction, so a retried buffer is not loaded twice.
/// Buffering hints are those of <see cref="S3Configuration"/>, where records that could not be loaded within
/// <see cref="RetryDurationInSeconds"/> go (as Redshift's intermediate and backup bucket).
/// </summary>
public sealed record WarehouseDestination : DeliveryDestination
{
    /// <summary><c>jdbc:postgresql://host:port/database</c> (or <c>jdbc:redshift://...</c>, spoken as PostgreSQL).</summary>
    public string ClusterJdbcUrl { get; init; } = "";

    /// <summary>The database user.</summary>
    public string Username { get; init; } = "";

    /// <summary>The database password.</summary>
    public string Password { get; init; } = "";

    /// <summary>The table to load, optionally schema-qualified (<c>schema.table</c>).</summary>
    public string TableName { get; init; } = "";

    /// <summary>The columns to load, in order; each is read from the record's JSON member of the same name (case-insensitive).</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary>CopyCommand.CopyOptions as given; kept and reported (records are always read as JSON).</summary>
    public string? CopyOptions { get; init; }

    /// <summary>How long a failing load is retried (0-7,200 s) before its records go to the error output.</summary>
    public int RetryDurationInSeconds { get; init; } = FirehoseLimits.DefaultWarehouseRetryDurationSeconds;

    /// <summary>The intermediate/backup object store: its buffering hints apply and failed records land under its error prefix.</summary>
    public ObjectStoreDestination S3Configuration { get; init; } = new();

    /// <summary>The IAM role AWS would assume; kept and reported.</summary>
    public string? RoleArn { get; init; }

    /// <inheritdoc />
    public override BufferingHints EffectiveBufferingHints => S3Configuration.BufferingHints;
}
