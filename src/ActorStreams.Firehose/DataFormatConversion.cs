namespace ActorStreams.Firehose;

/// <summary>
/// Record format conversion of an object store destination: JSON records to Apache Parquet by a declared schema
/// or a table of the local schema registry (what a Glue table gives in AWS). Each buffer becomes one Parquet object (one row group, <c>.parquet</c>);
/// records that are not JSON objects, or whose members do not fit their column's type, go to the
/// <c>format-conversion-failed</c> error output. The destination's own compression must then be UNCOMPRESSED:
/// Parquet compresses its pages itself (<see cref="Compression"/>).
/// </summary>
public sealed record DataFormatConversion
{
    /// <summary>Whether records are converted.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// The columns, in order; each is read from the record's JSON member of the same name (case-insensitive); a missing
    /// member is null. Left empty with <see cref="SchemaDatabaseName"/> and <see cref="SchemaTableName"/> set, they are
    /// taken from the schema registry (<c>actorstreams.firehose.schemas</c> or <c>schema-file</c>) when the delivery
    /// stream is created or updated, as Firehose reads a Glue table.
    /// </summary>
    public IReadOnlyList<ParquetColumn> Columns { get; init; } = [];

    /// <summary>SchemaConfiguration.DatabaseName: the registry database whose table gives the columns; null when they are declared.</summary>
    public string? SchemaDatabaseName { get; init; }

    /// <summary>SchemaConfiguration.TableName: the registry table that gives the columns; null when they are declared.</summary>
    public string? SchemaTableName { get; init; }

    /// <summary>Page compression inside the Parquet objects.</summary>
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;
}
