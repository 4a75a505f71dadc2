using System.Globalization;

namespace ActorStreams.Kinesis;

/// <summary>
/// A position inside one shard: the journal sequence number of the event that holds a record and the record's
/// index inside that event. Its text form is Kinesis's: a 56-digit decimal whose hexadecimal digits hold, in AWS's
/// layout (version 2), a base time, the shard's index, the position (<c>EventNo &lt;&lt; 20 | Index</c>), the
/// record's arrival second and the version. Within one shard, numeric order (and, all having 56 digits, text order)
/// is position order, and an iterator maps straight to a journal position without a lookup.
/// </summary>
public readonly record struct SequenceNumber(long EventNo, int Index) : IComparable<SequenceNumber>
{
    /// <summary>The largest number of records one journal event may hold, bounded by the index width.</summary>
    public const int MaxIndex = 999_999;

    // The position field is 64 bits with the top bit clear (as in AWS): 43 bits of event number, 20 of index.
    private const int IndexBits = 20;
    private const long MaxEventNo = (1L << (63 - IndexBits)) - 1;

    /// <summary>
    /// The base of the layout's "shard creation" second, 2015-01-01T00:00:00Z. AWS puts the shard's creation time
    /// there, so a child shard (created after its parents) numbers its records above theirs; ActorStreams puts this base
    /// plus the shard's index, which has the same effect (a child's index is always above its parents') and is the same
    /// for every record of a shard, so it never reorders positions.
    /// </summary>
    public const long BaseTimeSeconds = 1_420_070_400;


    /// <summary>The number of decimal digits of every sequence number ActorStreams issues.</summary>
    public const int TextLength = 56;

    // The 26-digit form of builds before the first release ("1" + 19 digits of event number + 6 of index), still read.
    private const int LegacyTextLength = 26;

    /// <inheritdoc />
    public int CompareTo(SequenceNumber other)
    {
        var byEvent = EventNo.CompareTo(other.EventNo);
        return byEvent != 0 ? byEvent : Index.CompareTo(other.Index);
    }

    /// <summary>The position right after this one inside the same event.</summary>
    public SequenceNumber Next => new(EventNo, Index + 1);

    /// <summary>Compares positions.</summary>
    public static bool operator <(SequenceNumber a, SequenceNumber b) => a.CompareTo(b) < 0;

    /// <summary>Compares positions.</summary>
    public static bool operator >(SequenceNumber a, SequenceNumber b) => a.CompareTo(b) > 0;

    /// <summary>Compares positions.</summary>
    public static bool operator <=(SequenceNumber a, SequenceNumber b) => a.CompareTo(b) <= 0;

    /// <summary>Compares positions.</summary>
    public static bool operator >=(SequenceNumber a, SequenceNumber b) => a.CompareTo(b) >= 0;

    /// <summary>
    /// The Kinesis text form of this position in shard <paramref name="shard"/>, for a record that arrived at
    /// <paramref name="arrivalMs"/> (Unix milliseconds; a position that is no record's, such as a shard's range or a
    /// continuation, passes <c>null</c> and carries the base time).
    /// </summary>
    /// <remarks>Every record read or written is given its text form, so the 188-bit number is put together in two
    /// words and written in decimal by three divisions by 10^19, without a big-integer type.</remarks>
    public string Format(StreamShardId shard, long? arrivalMs = null)
    {
        if (EventNo is < 0 or > MaxEventNo || Index is < 0 or > MaxIndex)
            throw new InvalidOperationException($"{EventNo}/{Index} is not a position ActorStreams issues.");
        var position = ((ulong)EventNo << IndexBits) | (uint)Index;
        var arrival = arrivalMs is { } ms ? (ulong)Math.Clamp(ms / 1000, 0, MaxSeconds) : (ulong)BaseTimeSeconds;
        var shardIndex = (uint)shard.Index;
        // Bits 0-3 version 2, 4-35 shard index, 36-71 arrival second, 72-79 zero, 80-143 position,
        // 144-147 low nibble of the shard index, 148-183 base time plus the shard index, 184-187 the leading 2.
        var low = (UInt128)2 | ((UInt128)shardIndex << 4) | ((UInt128)arrival << 36) | ((UInt128)position << 80);
        var high = (position >> 48) | ((ulong)(shardIndex & 0xF) << 16) | ((ulong)(BaseTimeSeconds + shardIndex) << 20) | (2UL << 56);
        return string.Create(TextLength, (high, low), static (span, v) =>
        {
            var (high, low) = v;
            var w2 = high;
            var w1 = (ulong)(low >> 64);
            var w0 = (ulong)low;
            var end = span.Length;
            for (var chunk = 0; chunk < 3; chunk++)
            {
                // [w2 w1 w0] /= 10^19, the remainder is the next 19 digits from the right.
                UInt128 r = 0;
                var q2 = Divide(ref r, w2);
                var q1 = Divide(ref r, w1);
                var q0 = Divide(ref r, w0);
                (w2, w1, w0) = (q2, q1, q0);
                var digits = (ulong)r;
                var width = Math.Min(19, end);
                for (var i = 0; i < width; i++)
                {
                    span[--end] = (char)('0' + (int)(digits % 10));
                    digits /= 10;
                }
            }
        });
    }

    private const ulong TenPow19 = 10_000_000_000_000_000_000UL;
    private const long MaxSeconds = 0xF_FFFF_FFFFL;

    private static ulong Divide(ref UInt128 remainder, ulong word)
    {
        var current = (remainder << 64) | word;
        var quotient = current / TenPow19;
        remainder = current - quotient * TenPow19;
        return (ulong)quotient;
    }

    /// <summary>Not the wire form (that needs the shard: <see cref="Format"/>); for logs and debugging.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{EventNo}.{Index}");

    /// <summary>
    /// Parses a sequence number ActorStreams issued: the 56-digit Kinesis form (<paramref name="shardIndex"/> is the
    /// shard it names) or the 26-digit form of earlier releases (<paramref name="shardIndex"/> is then -1).
    /// </summary>
    public static bool TryParse(string? text, out SequenceNumber value, out int shardIndex)
    {
        value = default;
        shardIndex = -1;
        if (text is null) return false;
        if (text.Length == LegacyTextLength) return TryParseLegacy(text, out value);
        if (text.Length != TextLength || text[0] is < '4' or > '7') return false;
        // Decimal to three 64-bit words: w = w * 10 + digit, 56 times.
        ulong w0 = 0, w1 = 0, w2 = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return false;
            var p0 = (UInt128)w0 * 10 + (uint)(c - '0');
            var p1 = (UInt128)w1 * 10 + (ulong)(p0 >> 64);
            var p2 = (UInt128)w2 * 10 + (ulong)(p1 >> 64);
            if (p2 >> 64 != 0) return false;
            (w0, w1, w2) = ((ulong)p0, (ulong)p1, (ulong)p2);
        }
        // The layout's fixed parts: the leading 2 (bits 184-187), the version 2 (bits 0-3), bits 72-79 zero, and the
        // position's top bit clear; the shard index twice (bits 4-35, and its low nibble at 144-147).
        if (w2 >> 56 != 2 || (w0 & 0xF) != 2 || ((w1 >> 8) & 0xFF) != 0) return false;
        var index = (uint)(w0 >> 4);
        if (((w2 >> 16) & 0xF) != (index & 0xF)) return false;
        var position = (w1 >> 16) | ((w2 & 0xFFFF) << 48);
        if ((position >> 63) != 0) return false;
        var eventNo = (long)(position >> IndexBits);
        var recordIndex = (int)(position & ((1UL << IndexBits) - 1));
        if (recordIndex > MaxIndex || index > int.MaxValue) return false;
        value = new SequenceNumber(eventNo, recordIndex);
        shardIndex = (int)index;
        return true;
    }

    /// <summary>
    /// Whether <paramref name="text"/> is a sequence number as Kinesis issues them, of any shard or stream (what AWS
    /// checks of PutRecord's <c>SequenceNumberForOrdering</c>): 47 hexadecimal digits led by 2, layout version 1 or 2
    /// in the last digit, a shard time before the year 2477 and an arrival second not in the future; in version 2, a
    /// position below 2^63.
    /// </summary>
    public static bool IsWellFormed(string text, long nowMs)
    {
        if (text.Length is 0 or > TextLength || text[0] == '0') return false;
        foreach (var c in text)
            if (c is < '0' or > '9') return false;
        var hex = System.Numerics.BigInteger.Parse(text, CultureInfo.InvariantCulture).ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        if (hex.Length != 47 || hex[0] != '2') return false;
        static long Field(string hex, int start, int length) => long.Parse(hex.AsSpan(start, length), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        // 16,025,175,000 s: the largest shard time Kinesis takes.
        if (Field(hex, 1, 9) >= 16_025_175_000) return false;
        return hex[^1] switch
        {
            '2' => Field(hex, 11, 1) <= 7 && Field(hex, 29, 9) * 1000 <= nowMs,
            '1' => Field(hex, 13, 9) * 1000 <= nowMs,
            _ => false,
        };
    }

    /// <summary>
    /// The shard index a number of one of Kinesis's layouts names (version 1 or 2: the 8 hex digits before the last;
    /// version 0, a number below 2^124: 4 hex digits near its end), or null for text that is none of them.
    /// </summary>
    public static int? EncodedShard(string text)
    {
        if (text.Length is 0 or > TextLength || !text.All(char.IsAsciiDigit)) return null;
        var value = System.Numerics.BigInteger.Parse(text, CultureInfo.InvariantCulture);
        var twoPow124 = System.Numerics.BigInteger.One << 124;
        if (value < twoPow124)
        {
            var hex0 = (value + twoPow124).ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
            return int.Parse(hex0.AsSpan(28, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        var hex = value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        if (hex.Length != 47 || hex[0] != '2' || hex[^1] is not ('1' or '2')) return null;
        return unchecked((int)uint.Parse(hex.AsSpan(38, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    /// <summary>A shard id as Kinesis writes one a sequence number encodes, negative indexes included (<c>shardId--02147483648</c>).</summary>
    public static string ShardIdText(int shardIndex) => shardIndex >= 0
        ? new StreamShardId(shardIndex).ToString()
        : "shardId--" + Math.Abs((long)shardIndex).ToString("D11", CultureInfo.InvariantCulture);

    /// <summary>Parses either text form (see <see cref="TryParse(string?, out SequenceNumber, out int)"/>).</summary>
    public static bool TryParse(string? text, out SequenceNumber value) => TryParse(text, out value, out _);

    private static bool TryParseLegacy(string text, out SequenceNumber value)
    {
        value = default;
        if (text[0] != '1') return false;
        if (!long.TryParse(text.AsSpan(1, 19), NumberStyles.None, CultureInfo.InvariantCulture, out var eventNo)) return false;
        if (!int.TryParse(text.AsSpan(20, 6), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return false;
        value = new SequenceNumber(eventNo, index);
        return true;
    }

    /// <summary>Parses the text form or throws <see cref="InvalidArgumentException"/> naming the parameter.</summary>
    public static SequenceNumber Parse(string? text, string parameterName) =>
        TryParse(text, out var value)
            ? value
            : throw new InvalidArgumentException(
                $"{parameterName} '{text}' is not a sequence number of this stream: it must be a {TextLength}-digit decimal issued by ActorStreams.");
}
