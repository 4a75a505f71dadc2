using System.Globalization;

namespace ActorStreams.Kinesis;

/// <summary>
/// A position inside one shard: the journal sequence number of the event that holds a record and the record's
/// index inside that event. Its text form is a fixed-width decimal, so text order is numeric order, and an
/// iterator maps straight to a journal position without a lookup.
/// </summary>
public readonly record struct SequenceNumber(long EventNo, int Index) : IComparable<SequenceNumber>
{
    // "1" + 19 digits of event number + 6 digits of index: 26 digits, no leading zero, as the API's pattern asks.
    private const int EventDigits = 19;
    private const int IndexDigits = 6;
    private const int TextLength = 1 + EventDigits + IndexDigits;

    /// <summary>The largest number of records one journal event may hold, bounded by the index width.</summary>
    public const int MaxIndex = 999_999;

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

    /// <inheritdoc />
    /// <remarks>Every record read or written is given its text form, so the digits are written by hand (two at a time)
    /// rather than through the general number formatting.</remarks>
    public override string ToString() => string.Create(TextLength, this, static (span, s) =>
    {
        span[0] = '1';
        if (s.EventNo < 0 || s.Index is < 0 or > MaxIndex)
        {
            // Not a position ActorStreams issues; formatted the general way (the text is then not a valid sequence number).
            s.EventNo.TryFormat(span.Slice(1, EventDigits), out _, "D19", CultureInfo.InvariantCulture);
            s.Index.TryFormat(span.Slice(1 + EventDigits, IndexDigits), out _, "D6", CultureInfo.InvariantCulture);
            return;
        }
        WriteDigits(span.Slice(1 + EventDigits, IndexDigits), (ulong)s.Index);
        WriteDigits(span.Slice(1, EventDigits), (ulong)s.EventNo);
    });

    private static void WriteDigits(Span<char> span, ulong value)
    {
        var i = span.Length;
        while (i >= 2)
        {
            var pair = (int)(value % 100);
            value /= 100;
            span[--i] = (char)('0' + pair % 10);
            span[--i] = (char)('0' + pair / 10);
        }
        if (i == 1) span[0] = (char)('0' + (int)(value % 10));
    }

    /// <summary>Parses the text form; anything else is not a sequence number ActorStreams issued.</summary>
    public static bool TryParse(string? text, out SequenceNumber value)
    {
        value = default;
        if (text is null || text.Length != TextLength || text[0] != '1') return false;
        if (!long.TryParse(text.AsSpan(1, EventDigits), NumberStyles.None, CultureInfo.InvariantCulture, out var eventNo)) return false;
        if (!int.TryParse(text.AsSpan(1 + EventDigits, IndexDigits), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return false;
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
