using System.Buffers;
using System.Collections.Frozen;
using System.Formats.Cbor;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// The Kinesis CBOR protocol (<c>application/x-amz-cbor-1.1</c>, the default of the Java SDKs and so of the KCL) as a
/// translation to and from the JSON protocol, so the operation handlers exist once: a CBOR request becomes the JSON
/// document the handlers already read, and the JSON reply they write becomes CBOR.
/// </summary>
/// <remarks>
/// The two encodings differ only in blobs (JSON: base64 strings; CBOR: byte strings) and timestamps (JSON: fractional
/// epoch seconds; CBOR: tag 1 holding epoch <b>milliseconds</b>, not the RFC's seconds). Which members are blobs or
/// timestamps is taken from the Kinesis service model per operation and member path (member names joined by dots,
/// list levels skipped), never guessed from a name alone: a tag key or a string that happens to read "Data" stays a string.
/// </remarks>
internal static class KinesisCbor
{
    public const string ContentType = "application/x-amz-cbor-1.1";

    /// <summary>The same nesting limit the JSON path parses with.</summary>
    private const int MaxDepth = 16;

    private enum Kind : byte
    {
        Other,
        Blob,
        Timestamp,
    }

    /// <summary>Blob and timestamp members of the request shapes (Kinesis 2013-12-02), as <c>Operation:Member.Path</c>.</summary>
    private static readonly FrozenDictionary<string, Kind> RequestMembers = new Dictionary<string, Kind>(StringComparer.Ordinal)
    {
        ["PutRecord:Data"] = Kind.Blob,
        ["PutRecords:Records.Data"] = Kind.Blob,
        ["GetShardIterator:Timestamp"] = Kind.Timestamp,
        ["ListShards:StreamCreationTimestamp"] = Kind.Timestamp,
        ["ListShards:ShardFilter.Timestamp"] = Kind.Timestamp,
        ["ListStreamConsumers:StreamCreationTimestamp"] = Kind.Timestamp,
        ["SubscribeToShard:StartingPosition.Timestamp"] = Kind.Timestamp,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Blob and timestamp members of the response shapes the server writes.</summary>
    private static readonly FrozenDictionary<string, Kind> ResponseMembers = new Dictionary<string, Kind>(StringComparer.Ordinal)
    {
        ["GetRecords:Records.Data"] = Kind.Blob,
        ["GetRecords:Records.ApproximateArrivalTimestamp"] = Kind.Timestamp,
        ["DescribeStream:StreamDescription.StreamCreationTimestamp"] = Kind.Timestamp,
        ["DescribeStreamSummary:StreamDescriptionSummary.StreamCreationTimestamp"] = Kind.Timestamp,
        ["ListStreams:StreamSummaries.StreamCreationTimestamp"] = Kind.Timestamp,
        ["RegisterStreamConsumer:Consumer.ConsumerCreationTimestamp"] = Kind.Timestamp,
        ["DescribeStreamConsumer:ConsumerDescription.ConsumerCreationTimestamp"] = Kind.Timestamp,
        ["ListStreamConsumers:Consumers.ConsumerCreationTimestamp"] = Kind.Timestamp,
        ["DescribeAccountSettings:MinimumThroughputBillingCommitment.StartedAt"] = Kind.Timestamp,
        ["DescribeAccountSettings:MinimumThroughputBillingCommitment.EndedAt"] = Kind.Timestamp,
        ["DescribeAccountSettings:MinimumThroughputBillingCommitment.EarliestAllowedEndAt"] = Kind.Timestamp,
        ["UpdateAccountSettings:MinimumThroughputBillingCommitment.StartedAt"] = Kind.Timestamp,
        ["UpdateAccountSettings:MinimumThroughputBillingCommitment.EndedAt"] = Kind.Timestamp,
        ["UpdateAccountSettings:MinimumThroughputBillingCommitment.EarliestAllowedEndAt"] = Kind.Timestamp,
        // The payload of each SubscribeToShard event (the event type stands in for the operation).
        ["SubscribeToShardEvent:Records.Data"] = Kind.Blob,
        ["SubscribeToShardEvent:Records.ApproximateArrivalTimestamp"] = Kind.Timestamp,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static Kind KindOf(FrozenDictionary<string, Kind> members, string operation, string path) =>
        members.TryGetValue(operation + ":" + path, out var kind) ? kind : Kind.Other;

    private static string Child(string path, string name) => path.Length == 0 ? name : path + "." + name;

    /// <summary>
    /// Decodes a CBOR request body into the JSON document of the JSON protocol (byte strings to base64, tag-1
    /// milliseconds to epoch seconds). Anything that is not a well-formed CBOR map of the right member types is a
    /// SerializationException.
    /// </summary>
    public static JsonDocument ReadRequest(string operation, ReadOnlySequence<byte> body, JsonDocumentOptions options) =>
        ReadRequest(operation, body, options, 0, out _);

    /// <summary>
    /// The request as a JSON document; with a <paramref name="dataDepth"/> (<see cref="LargeStrings.DataDepthOf"/>), its
    /// large blobs are left out of the document and found through <paramref name="blobs"/>.
    /// </summary>
    public static JsonDocument ReadRequest(string operation, ReadOnlySequence<byte> body, JsonDocumentOptions options, int dataDepth, out LargeStrings? blobs)
    {
        blobs = null;
        if (body.IsEmpty) return JsonDocument.Parse("{}"u8.ToArray());
        var bytes = body.IsSingleSegment ? body.First : body.ToArray();
        var json = new ArrayBufferWriter<byte>((int)Math.Min(int.MaxValue, body.Length * 4 / 3 + 1024));
        try
        {
            var reader = new CborReader(bytes, CborConformanceMode.Lax);
            if (reader.PeekState() != CborReaderState.StartMap)
                throw KinesisProtocolException.BadBody("The request body must be a CBOR map.");
            using (var writer = new Utf8JsonWriter(json))
            {
                CopyToJson(reader, writer, operation, "", Kind.Other, 0);
            }
            if (reader.BytesRemaining != 0)
                throw KinesisProtocolException.BadBody($"The request body has {reader.BytesRemaining} bytes after its CBOR map.");
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or OverflowException or FormatException or ArgumentException)
        {
            throw KinesisProtocolException.BadBody($"The request body is not valid CBOR: {e.Message}");
        }
        var (text, table) = LargeStrings.Extract(json.WrittenMemory, dataDepth);
        blobs = table;
        return JsonDocument.Parse(text, options);
    }

    private static void CopyToJson(CborReader reader, Utf8JsonWriter writer, string operation, string path, Kind kind, int depth)
    {
        var state = reader.PeekState();
        switch (state)
        {
            case CborReaderState.StartMap:
                if (depth >= MaxDepth) throw TooDeep();
                reader.ReadStartMap();
                writer.WriteStartObject();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    if (reader.PeekState() != CborReaderState.TextString)
                        throw KinesisProtocolException.BadBody("CBOR map keys must be text strings.");
                    var name = reader.ReadTextString();
                    writer.WritePropertyName(name);
                    var child = Child(path, name);
                    CopyToJson(reader, writer, operation, child, KindOf(RequestMembers, operation, child), depth + 1);
                }
                reader.ReadEndMap();
                writer.WriteEndObject();
                return;
            case CborReaderState.StartArray:
                if (depth >= MaxDepth) throw TooDeep();
                reader.ReadStartArray();
                writer.WriteStartArray();
                // List members keep the path of the list: Records.Data names the Data of every entry.
                while (reader.PeekState() != CborReaderState.EndArray)
                    CopyToJson(reader, writer, operation, path, kind, depth + 1);
                reader.ReadEndArray();
                writer.WriteEndArray();
                return;
            case CborReaderState.ByteString:
                if (kind != Kind.Blob) throw WrongType(path, "a byte string");
                writer.WriteBase64StringValue(reader.ReadByteString());
                return;
            case CborReaderState.TextString:
                // A blob is a byte string in CBOR; base64 text there would be read as the bytes it encodes, silently.
                if (kind == Kind.Blob) throw KinesisProtocolException.BadBody($"Member '{path}' must be a CBOR byte string, not a text string.");
                writer.WriteStringValue(reader.ReadTextString());
                return;
            case CborReaderState.Tag:
                var tag = reader.ReadTag();
                if (tag != CborTag.UnixTimeSeconds || kind != Kind.Timestamp) throw WrongType(path, $"CBOR tag {(ulong)tag}");
                if (reader.PeekState() is not (CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger
                    or CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat))
                    throw KinesisProtocolException.BadBody($"Member '{path}' must be a tag-1 timestamp holding epoch milliseconds.");
                CopyToJson(reader, writer, operation, path, kind, depth);
                return;
            case CborReaderState.UnsignedInteger:
                var unsigned = reader.ReadUInt64();
                if (kind == Kind.Timestamp) writer.WriteNumberValue((decimal)unsigned / 1000m);
                else writer.WriteNumberValue(unsigned);
                return;
            case CborReaderState.NegativeInteger:
                var negative = reader.ReadInt64();
                if (kind == Kind.Timestamp) writer.WriteNumberValue((decimal)negative / 1000m);
                else writer.WriteNumberValue(negative);
                return;
            case CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat:
                var number = reader.ReadDouble();
                if (!double.IsFinite(number)) throw KinesisProtocolException.BadBody($"Member '{path}' is not a finite number.");
                // Timestamps in CBOR are milliseconds whether or not tag 1 marks them, as the AWS SDKs read them.
                if (kind == Kind.Timestamp) writer.WriteNumberValue((decimal)number / 1000m);
                else writer.WriteNumberValue(number);
                return;
            case CborReaderState.Boolean:
                writer.WriteBooleanValue(reader.ReadBoolean());
                return;
            case CborReaderState.Null:
                reader.ReadNull();
                writer.WriteNullValue();
                return;
            case CborReaderState.SimpleValue:
                if (reader.ReadSimpleValue() != CborSimpleValue.Undefined) throw WrongType(path, "a CBOR simple value");
                writer.WriteNullValue();
                return;
            default:
                throw WrongType(path, $"a CBOR {state}");
        }
    }

    private static KinesisProtocolException TooDeep() =>
        KinesisProtocolException.BadBody($"The request body nests deeper than {MaxDepth} levels.");

    private static KinesisProtocolException WrongType(string path, string what) =>
        KinesisProtocolException.BadBody(path.Length == 0 ? $"The request body must be a CBOR map, not {what}." : $"Member '{path}' must not be {what}.");

    /// <summary>
    /// Encodes the JSON reply of a handler as CBOR: base64 blobs become byte strings, epoch-second timestamps become
    /// tag 1 with epoch milliseconds, integers stay integers.
    /// </summary>
    public static byte[] WriteResponse(string operation, ReadOnlyMemory<byte> json)
    {
        // An operation without output answers an empty body in either encoding.
        if (json.IsEmpty) return [];
        using var document = JsonDocument.Parse(json);
        var writer = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false, allowMultipleRootLevelValues: false);
        CopyToCbor(document.RootElement, writer, operation, "", Kind.Other);
        return writer.Encode();
    }

    private static void CopyToCbor(JsonElement element, CborWriter writer, string operation, string path, Kind kind)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartMap(element.GetPropertyCount());
                foreach (var property in element.EnumerateObject())
                {
                    writer.WriteTextString(property.Name);
                    var child = Child(path, property.Name);
                    CopyToCbor(property.Value, writer, operation, child, KindOf(ResponseMembers, operation, child));
                }
                writer.WriteEndMap();
                return;
            case JsonValueKind.Array:
                writer.WriteStartArray(element.GetArrayLength());
                foreach (var item in element.EnumerateArray()) CopyToCbor(item, writer, operation, path, kind);
                writer.WriteEndArray();
                return;
            case JsonValueKind.String when kind == Kind.Blob:
                writer.WriteByteString(element.GetBytesFromBase64());
                return;
            case JsonValueKind.String:
                writer.WriteTextString(element.GetString()!);
                return;
            case JsonValueKind.Number when kind == Kind.Timestamp:
                writer.WriteTag(CborTag.UnixTimeSeconds);
                writer.WriteInt64((long)decimal.Round(element.GetDecimal() * 1000m, MidpointRounding.ToZero));
                return;
            case JsonValueKind.Number:
                if (element.TryGetInt64(out var integer)) writer.WriteInt64(integer);
                else if (element.TryGetUInt64(out var unsigned)) writer.WriteUInt64(unsigned);
                else writer.WriteDouble(element.GetDouble());
                return;
            case JsonValueKind.True or JsonValueKind.False:
                writer.WriteBoolean(element.GetBoolean());
                return;
            default:
                writer.WriteNull();
                return;
        }
    }

    /// <summary>
    /// The Kinesis error shape in CBOR: <c>{"__type": code, "message": msg}</c>, which the Java SDKs read; without a
    /// message, <c>{"__type": code}</c> as AWS answers a body it cannot read.
    /// </summary>
    public static byte[] WriteError(string code, string? message)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartMap(message is null ? 1 : 2);
        writer.WriteTextString("__type");
        writer.WriteTextString(code);
        if (message is not null)
        {
            writer.WriteTextString("message");
            writer.WriteTextString(message);
        }
        writer.WriteEndMap();
        return writer.Encode();
    }
}
