using System.Runtime.Serialization;
using System.Text;

namespace ActorStreams.Serialization;

/// <summary>
/// A <see cref="BinaryReader"/> over a received frame or a stored event that trusts no length or count in it: every
/// string, byte run and count is checked against the bytes that are left before anything is allocated, so a hostile
/// or damaged frame ends in a <see cref="SerializationException"/>, never in a giant allocation. The bytes left are
/// themselves bounded by the frame (<c>akka.remote.dot-netty.tcp.maximum-frame-size</c>) or the stored event.
/// </summary>
internal class BoundedBinaryReader(byte[] bytes) : BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8)
{
    /// <summary>The frame this reader reads.</summary>
    protected byte[] Bytes { get; } = bytes;

    /// <summary>The bytes after the current position.</summary>
    public long Remaining => BaseStream.Length - BaseStream.Position;

    /// <summary>A count (i32) of items that take at least <paramref name="minItemBytes"/> bytes each.</summary>
    public int ReadCount(int minItemBytes, string what) => FrameBounds.Count(ReadInt32(), Remaining, minItemBytes, what);

    /// <inheritdoc />
    public override string ReadString()
    {
        var length = Read7BitEncodedInt();
        if (length < 0 || length > Remaining)
            throw new SerializationException($"A string of {length} bytes runs past the end of the frame ({Remaining} bytes left).");
        var start = (int)BaseStream.Position;
        BaseStream.Position = start + length;
        return Encoding.UTF8.GetString(Bytes, start, length);
    }

    /// <inheritdoc />
    public override byte[] ReadBytes(int count)
    {
        if (count < 0 || count > Remaining)
            throw new SerializationException($"A run of {count} bytes runs past the end of the frame ({Remaining} bytes left).");
        return base.ReadBytes(count);
    }
}

/// <summary>The checks of lengths and counts read from a frame (see <see cref="BoundedBinaryReader"/>).</summary>
internal static class FrameBounds
{
    /// <summary>
    /// <paramref name="count"/> items of at least <paramref name="minItemBytes"/> bytes each must fit in the
    /// <paramref name="remaining"/> bytes; else the frame lies about its contents.
    /// </summary>
    public static int Count(int count, long remaining, int minItemBytes, string what)
    {
        if (count < 0 || (long)count * Math.Max(1, minItemBytes) > remaining)
            throw new SerializationException($"A count of {count} {what} does not fit in the {remaining} bytes left of the frame.");
        return count;
    }

    /// <summary>
    /// What a reader threw on a malformed frame, as the <see cref="SerializationException"/> Akka expects (truncated
    /// frames end in EndOfStreamException, bad values in ArgumentException, FormatException, ...).
    /// </summary>
    public static bool IsMalformedFrame(Exception e) => e is not (SerializationException or OutOfMemoryException or OperationCanceledException);

    public static SerializationException Malformed(string serializer, string manifest, Exception e) =>
        new($"A '{manifest}' frame that {serializer} cannot read: {e.Message}", e);
}
