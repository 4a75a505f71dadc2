namespace ActorStreams.Firehose;

/// <summary>How an object store destination compresses each delivered object.</summary>
public enum CompressionFormat
{
    /// <summary>The records' bytes as they are.</summary>
    Uncompressed,

    /// <summary>GZIP (RFC 1952); objects end in <c>.gz</c>.</summary>
    Gzip,

    /// <summary>A ZIP archive with one entry; objects end in <c>.zip</c>.</summary>
    Zip,

    /// <summary>The Snappy framing format; objects end in <c>.snappy</c>.</summary>
    Snappy,

    /// <summary>Hadoop's Snappy block format (big-endian lengths around raw Snappy blocks); objects end in <c>.snappy</c>.</summary>
    HadoopSnappy,
}
