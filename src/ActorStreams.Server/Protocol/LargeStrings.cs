using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// Large <c>Data</c> values taken out of a request body before it is parsed, each replaced by a short placeholder.
/// <see cref="JsonDocument"/> rents its token table from the shared array pool at the size of the whole body (16 MiB
/// for the 13.3 MiB of JSON of one 10 MiB record), and the pool keeps such arrays per thread and per core: with 16
/// large PutRecord calls in flight it held 33 of them. Parsed without the blobs, the table is a few hundred bytes;
/// the blobs stay where they are in the body, and <see cref="Raw"/> gives a placeholder's original text back to the
/// type check, the length check and the decoder. The placeholder carries a random token of this process, so a
/// client cannot name a blob it did not send.
/// </summary>
internal sealed class LargeStrings
{
    /// <summary>Bodies from this size on are scanned; <c>Data</c> values from <see cref="MinStringBytes"/> on are taken out.</summary>
    public const int MinBodyBytes = 1024 * 1024;

    public const int MinStringBytes = 64 * 1024;

    private static readonly AsyncLocal<LargeStrings?> CurrentRequest = new();

    /// <summary><c>\u0000</c>, then the token: no JSON writer escapes a character as this, so no real value starts so.</summary>
    private static readonly byte[] Prefix = System.Text.Encoding.ASCII.GetBytes(@"\u0000as-blob-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)) + "-");

    private static ReadOnlySpan<byte> DataName => "Data"u8;

    private readonly ReadOnlyMemory<byte> _body;
    private readonly List<(int Start, int Length)> _strings = [];

    private LargeStrings(ReadOnlyMemory<byte> body) => _body = body;

    /// <summary>The table of the request being handled (flows with its async calls), or null.</summary>
    public static LargeStrings? Current
    {
        get => CurrentRequest.Value;
        set => CurrentRequest.Value = value;
    }

    /// <summary>
    /// The depth of the blob member <c>Data</c> in the operations that carry records (Kinesis PutRecord: the body's own
    /// member; PutRecords and Firehose PutRecordBatch: a member of each element of <c>Records</c>; Firehose PutRecord:
    /// a member of <c>Record</c>), 0 for every other operation: only there is a <c>Data</c> member a blob and taken out.
    /// </summary>
    public static int DataDepthOf(string target) => target switch
    {
        "Kinesis_20131202.PutRecord" => 1,
        "Kinesis_20131202.PutRecords" or "Firehose_20150804.PutRecordBatch" => 3,
        "Firehose_20150804.PutRecord" => 2,
        _ => 0,
    };

    /// <summary>
    /// The body with its large, unescaped <c>Data</c> strings at <paramref name="dataDepth"/> replaced, and the table
    /// to find them by; the body itself and no table when it has none. Throws <see cref="JsonException"/> when the body
    /// is not JSON.
    /// </summary>
    public static (ReadOnlyMemory<byte> Json, LargeStrings? Table) Extract(ReadOnlyMemory<byte> body, int dataDepth)
    {
        if (dataDepth == 0 || body.Length < MinBodyBytes) return (body, null);
        LargeStrings? table = null;
        var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { MaxDepth = 64 });
        var afterData = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                afterData = reader.CurrentDepth == dataDepth && reader.ValueTextEquals(DataName);
                continue;
            }
            if (afterData && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length >= MinStringBytes)
            {
                table ??= new LargeStrings(body);
                // The string's text starts one byte after its opening quote.
                table._strings.Add(((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length));
            }
            afterData = false;
        }
        if (table is null) return (body, null);

        var removed = table._strings.Sum(s => (long)s.Length);
        var json = new ArrayBufferWriter<byte>((int)(body.Length - removed) + table._strings.Count * (Prefix.Length + 11));
        var at = 0;
        var source = body.Span;
        for (var i = 0; i < table._strings.Count; i++)
        {
            var (start, length) = table._strings[i];
            json.Write(source[at..start]);
            json.Write(Prefix);
            json.Write(System.Text.Encoding.ASCII.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            at = start + length;
        }
        json.Write(source[at..]);
        return (json.WrittenMemory, table);
    }

    /// <summary>
    /// The UTF-8 text of a JSON string value, without its quotes: the original text when it is a placeholder of the
    /// current request, the value's own raw text otherwise.
    /// </summary>
    public static ReadOnlySpan<byte> Raw(JsonElement value)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value)[1..^1];
        if (Current is { } table && raw.StartsWith(Prefix)
            && int.TryParse(raw[Prefix.Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            && index < table._strings.Count)
        {
            var (start, length) = table._strings[index];
            return table._body.Span.Slice(start, length);
        }
        return raw;
    }
}
