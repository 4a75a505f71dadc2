namespace ActorStreams.Firehose;

/// <summary>A column of a Parquet conversion schema: its name and its type (<c>string</c>, <c>int</c>, <c>bigint</c>, <c>double</c>, <c>boolean</c>, <c>timestamp</c>).</summary>
public sealed record ParquetColumn(string Name, string Type);
