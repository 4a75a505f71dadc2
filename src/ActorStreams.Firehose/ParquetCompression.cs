namespace ActorStreams.Firehose;

/// <summary>Page compression inside Parquet objects.</summary>
public enum ParquetCompression
{
    /// <summary>No compression.</summary>
    Uncompressed,

    /// <summary>Snappy (Firehose's default for Parquet).</summary>
    Snappy,

    /// <summary>GZIP.</summary>
    Gzip,
}
