namespace ActorStreams.Server.Protocol;

/// <summary>
/// CRC-32 as IEEE 802.3 defines it (reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF), the
/// checksum of the <c>application/vnd.amazon.eventstream</c> prelude and message. Table-driven, one byte per step:
/// the checksummed bytes are a few per event beside the JSON encoding of its records.
/// </summary>
internal static class Crc32
{
    private const uint Polynomial = 0xEDB88320u;

    private static readonly uint[] Table = CreateTable();

    /// <summary>The checksum of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// The checksum of the bytes already checksummed to <paramref name="crc"/> followed by <paramref name="data"/>, so
    /// a message can be checksummed piece by piece.
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        foreach (var b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
