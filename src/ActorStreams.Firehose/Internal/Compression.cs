using System.Buffers.Binary;
using System.IO.Compression;
using Snappier;

namespace ActorStreams.Firehose.Internal;

/// <summary>The object compressions of Firehose.</summary>
internal static class Compression
{
    // Hadoop's BlockCompressorStream compresses its input in blocks of this size (io.compression.codec.snappy.buffersize).
    private const int HadoopBlockBytes = 256 * 1024;

    public static string Extension(CompressionFormat format) => format switch
    {
        CompressionFormat.Gzip => ".gz",
        CompressionFormat.Zip => ".zip",
        CompressionFormat.Snappy or CompressionFormat.HadoopSnappy => ".snappy",
        _ => "",
    };

    /// <summary>Compresses <paramref name="data"/>; a ZIP archive holds it as one entry named <paramref name="entryName"/>.</summary>
    public static byte[] Compress(CompressionFormat format, byte[] data, string entryName)
    {
        switch (format)
        {
            case CompressionFormat.Uncompressed:
                return data;
            case CompressionFormat.Gzip:
            {
                using var output = new MemoryStream(data.Length / 4 + 64);
                using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
                return output.ToArray();
            }
            case CompressionFormat.Zip:
            {
                using var output = new MemoryStream(data.Length / 4 + 256);
                using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
                {
                    using var entry = zip.CreateEntry(entryName, CompressionLevel.Fastest).Open();
                    entry.Write(data);
                }
                return output.ToArray();
            }
            case CompressionFormat.Snappy:
            {
                using var output = new MemoryStream(data.Length / 2 + 64);
                using (var snappy = new SnappyStream(output, CompressionMode.Compress, leaveOpen: true)) snappy.Write(data);
                return output.ToArray();
            }
            case CompressionFormat.HadoopSnappy:
            {
                using var output = new MemoryStream(data.Length / 2 + 64);
                Span<byte> header = stackalloc byte[8];
                for (var offset = 0; offset < data.Length; offset += HadoopBlockBytes)
                {
                    var block = data.AsSpan(offset, Math.Min(HadoopBlockBytes, data.Length - offset));
                    var compressed = Snappy.CompressToArray(block);
                    BinaryPrimitives.WriteInt32BigEndian(header, block.Length);
                    BinaryPrimitives.WriteInt32BigEndian(header[4..], compressed.Length);
                    output.Write(header);
                    output.Write(compressed);
                }
                return output.ToArray();
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
    }
}
