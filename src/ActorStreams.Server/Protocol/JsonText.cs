using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// The text checks <see cref="JsonDocument.Parse(ReadOnlySequence{byte}, JsonDocumentOptions)"/> leaves to the first
/// read of a string: raw bytes that are not UTF-8 and <c>\uXXXX</c> escapes that leave a surrogate alone. Done once
/// for the whole body, so that no handler meets them halfway through a request (as an InvalidOperationException, a 500).
/// </summary>
internal static class JsonText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Throws a SerializationException unless every string of the (already parsed) JSON body can be read.</summary>
    public static void CheckStrings(ReadOnlySequence<byte> body)
    {
        if (!IsUtf8(body)) throw KinesisProtocolException.BadBody("The request body is not valid UTF-8.");
        // Escapes that could encode a surrogate are rare, so the reading pass runs only when the body has one.
        if (!HasSurrogateEscape(body)) return;
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped) continue;
            try
            {
                reader.GetString();
            }
            catch (InvalidOperationException)
            {
                throw KinesisProtocolException.BadBody(
                    $"The request body has a string with an unpaired surrogate escape at byte {reader.TokenStartIndex}; strings must be valid UTF-16.");
            }
        }
    }

    private static bool IsUtf8(ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment) return System.Text.Unicode.Utf8.IsValid(body.FirstSpan);
        // A character may straddle two segments: one decoder carries it over.
        var decoder = StrictUtf8.GetDecoder();
        try
        {
            var position = body.Start;
            while (body.TryGet(ref position, out var segment))
                decoder.GetCharCount(segment.Span, flush: position.Equals(body.End));
            decoder.GetCharCount([], flush: true);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Whether the body has <c>\u</c> followed by <c>d</c> or <c>D</c>, the start of every surrogate escape.</summary>
    private static bool HasSurrogateEscape(ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        while (reader.TryAdvanceTo((byte)'\\'))
        {
            if (reader.TryPeek(out var next) && next == (byte)'u' && reader.TryPeek(1, out var first) && (first | 0x20) == (byte)'d') return true;
            // Skip the escaped character, so that "\\" followed by "u" is not read as an escape.
            reader.Advance(reader.Remaining > 0 ? 1 : 0);
        }
        return false;
    }
}
