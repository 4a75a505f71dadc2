using System.Formats.Cbor;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorStreams.Server.Protocol.Model;

namespace ActorStreams.Server.Tests;

/// <summary>
/// The request model (Protocol/Model/api-model.json) drives these tables: for every operation the server serves, each
/// top-level member with a value of the wrong JSON type (a SerializationException in AWS's words), each constraint
/// broken alone, and all of them together (one ValidationException listing every violation in member order), in JSON
/// and, for Kinesis, CBOR. One server answers them all.
/// </summary>
public sealed class RequestModelTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string CborType = "application/x-amz-cbor-1.1";

    /// <summary>A value of the wrong type for a shape and AWS's message for it.</summary>
    private static (JsonNode Value, string Message) WrongType(ApiShape shape) => shape.Type switch
    {
        ApiShapeType.String or ApiShapeType.Enum => (JsonValue.Create(true), "class java.lang.Boolean can not be converted to an String"),
        ApiShapeType.Integer => (JsonValue.Create("a"), "class java.lang.String can not be converted to an Integer"),
        ApiShapeType.Long => (JsonValue.Create("a"), "class java.lang.String can not be converted to an Long"),
        ApiShapeType.Double => (JsonValue.Create("a"), "class java.lang.String can not be converted to an Double"),
        ApiShapeType.Boolean => (JsonValue.Create(23), "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Boolean"),
        ApiShapeType.Blob => (JsonValue.Create(true), "class java.lang.Boolean can not be converted to a Blob"),
        ApiShapeType.Timestamp => (JsonValue.Create("2024-01-01"), "class java.lang.String can not be converted to milliseconds since epoch"),
        ApiShapeType.List => (JsonValue.Create("a"), "Expected list or null"),
        ApiShapeType.Map => (new JsonArray(), "Start of list found where not expected"),
        _ => (JsonValue.Create(1), "Expected null"),
    };

    /// <summary>Values breaking a scalar shape's constraints, each with every constraint it breaks in AWS's order.</summary>
    private static IEnumerable<(JsonNode Value, string Rendered, string[] Broken)> Violations(ApiShape shape)
    {
        if (shape.Type is ApiShapeType.String or ApiShapeType.Enum)
        {
            var candidates = new List<string>();
            if (shape.MinLength is >= 1) candidates.Add("");
            if (shape.MaxLength is { } max and < 10_000) candidates.Add(new string('a', (int)max + 1));
            if (shape.Type == ApiShapeType.Enum) candidates.Add("NOT_A_MEMBER");
            foreach (var text in candidates)
            {
                var broken = new List<string>();
                if (text.Length < shape.MinLength) broken.Add($"Member must have length greater than or equal to {shape.MinLength}");
                if (text.Length > shape.MaxLength) broken.Add($"Member must have length less than or equal to {shape.MaxLength}");
                if (shape.Pattern is { } pattern && !Regex.IsMatch(text, @"\A(?:" + ApiModel.FromJava(pattern) + @")\z"))
                    broken.Add($"Member must satisfy regular expression pattern: {pattern}");
                if (shape.Type == ApiShapeType.Enum && !shape.EnumValues.Contains(text))
                    broken.Add($"Member must satisfy enum value set: {shape.EnumSetText}");
                yield return (JsonValue.Create(text), text, broken.ToArray());
            }
        }
        if (shape.Type is ApiShapeType.Integer or ApiShapeType.Long)
        {
            if (shape.MinValue is { } min)
                yield return (JsonValue.Create(min - 1), (min - 1).ToString(), [$"Member must have value greater than or equal to {min}"]);
            if (shape.MaxValue is { } max and < int.MaxValue)
                yield return (JsonValue.Create(max + 1), (max + 1).ToString(), [$"Member must have value less than or equal to {max}"]);
        }
    }

    private static string PathName(ApiMember m) => char.ToLowerInvariant(m.Name[0]) + m.Name[1..];

    /// <summary>AWS's message for a body holding <paramref name="given"/> (member to its value and broken constraints) and nothing else.</summary>
    private static string Expected(ApiShape input, IReadOnlyDictionary<string, (string Rendered, string[] Broken)> given)
    {
        var lines = new List<string>();
        foreach (var m in input.Members)
        {
            if (given.TryGetValue(m.Name, out var g))
                lines.AddRange(g.Broken.Select(c => $"Value '{g.Rendered}' at '{PathName(m)}' failed to satisfy constraint: {c}"));
            else if (m.Required)
                lines.Add($"Value null at '{PathName(m)}' failed to satisfy constraint: Member must not be null");
        }
        lines = lines.Take(RequestValidator.MaxReportedViolations).ToList();
        return $"{lines.Count} validation error{(lines.Count == 1 ? "" : "s")} detected: {string.Join("; ", lines)}";
    }

    private sealed record Reply(HttpStatusCode Status, string? Type, string? Message);

    private async Task<Reply> JsonAsync(string target, JsonObject body)
    {
        var reply = await server.CallAsync(target, body.ToJsonString());
        return new Reply(reply.Status, reply.ErrorType, reply.Message);
    }

    private async Task<Reply> CborAsync(string operation, JsonObject body)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        WriteCbor(writer, body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(writer.Encode()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(CborType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", AwsJsonRequest.Kinesis + operation);
        using var response = await server.Http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (bytes.Length == 0) return new Reply(response.StatusCode, null, null);
        var reader = new CborReader(bytes, CborConformanceMode.Lax);
        string? type = null, message = null;
        var count = reader.ReadStartMap();
        for (var i = 0; count is null ? reader.PeekState() != CborReaderState.EndMap : i < count; i++)
        {
            var key = reader.ReadTextString();
            if (reader.PeekState() != CborReaderState.TextString)
            {
                reader.SkipValue();
                continue;
            }
            var value = reader.ReadTextString();
            if (key == "__type") type = value;
            else if (key is "message" or "Message") message = value;
        }
        return new Reply(response.StatusCode, type, message);
    }

    private static void WriteCbor(CborWriter w, JsonNode? node)
    {
        switch (node)
        {
            case null:
                w.WriteNull();
                break;
            case JsonObject o:
                w.WriteStartMap(o.Count);
                foreach (var (k, v) in o)
                {
                    w.WriteTextString(k);
                    WriteCbor(w, v);
                }
                w.WriteEndMap();
                break;
            case JsonArray a:
                w.WriteStartArray(a.Count);
                foreach (var v in a) WriteCbor(w, v);
                w.WriteEndArray();
                break;
            default:
                var e = JsonSerializer.SerializeToElement(node);
                switch (e.ValueKind)
                {
                    case JsonValueKind.String: w.WriteTextString(e.GetString()!); break;
                    case JsonValueKind.True or JsonValueKind.False: w.WriteBoolean(e.GetBoolean()); break;
                    default:
                        if (e.TryGetInt64(out var l)) w.WriteInt64(l);
                        else w.WriteDouble(e.GetDouble());
                        break;
                }
                break;
        }
    }

    /// <summary>The operations of a service this server serves, with their input shapes (an unknown one answers UnknownOperation).</summary>
    private async Task<List<(string Name, ApiShape Input)>> ServedAsync(ApiService service, string prefix)
    {
        var served = new List<(string, ApiShape)>();
        foreach (var (name, input) in service.Operations.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            if (input is null) continue;
            var probe = await JsonAsync(prefix + name, new JsonObject());
            if (probe.Type != "UnknownOperationException") served.Add((name, input));
        }
        return served;
    }

    public static TheoryData<string, bool> Services => new() { { "kinesis", false }, { "kinesis", true }, { "firehose", false } };

    private static (ApiService Service, string Prefix) Service(string name) =>
        name == "kinesis" ? (ApiModel.Instance.Kinesis, AwsJsonRequest.Kinesis) : (ApiModel.Instance.Firehose, AwsJsonRequest.Firehose);

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Every_member_of_the_wrong_type_is_a_SerializationException_in_AWS_words(string serviceName, bool cbor)
    {
        var (service, prefix) = Service(serviceName);
        var served = await ServedAsync(service, prefix);
        Assert.True(served.Count >= (serviceName == "kinesis" ? 29 : 12), $"{served.Count} operations served");
        var checkedMembers = 0;
        foreach (var (operation, input) in served)
        {
            foreach (var member in input.Members)
            {
                var (value, message) = WrongType(member.Shape);
                var body = new JsonObject { [member.Name] = value };
                var reply = cbor ? await CborAsync(operation, body) : await JsonAsync(prefix + operation, body);
                Assert.True(reply is { Status: HttpStatusCode.BadRequest, Type: "SerializationException" } && reply.Message == message,
                    $"{operation}.{member.Name}: expected '{message}', got {(int)reply.Status} {reply.Type}: {reply.Message}");
                checkedMembers++;
            }
        }
        Assert.True(checkedMembers > served.Count, $"{checkedMembers} members checked");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Every_constraint_broken_alone_and_all_together_is_one_ValidationException_listing_each(string serviceName, bool cbor)
    {
        var (service, prefix) = Service(serviceName);
        var served = await ServedAsync(service, prefix);
        var checkedViolations = 0;
        foreach (var (operation, input) in served)
        {
            var together = new JsonObject();
            var givenTogether = new Dictionary<string, (string, string[])>();
            foreach (var member in input.Members.Where(m => m.Shape.IsScalar))
            {
                foreach (var (value, rendered, broken) in Violations(member.Shape))
                {
                    var body = new JsonObject { [member.Name] = value.DeepClone() };
                    var expected = Expected(input, new Dictionary<string, (string, string[])> { [member.Name] = (rendered, broken) });
                    var reply = cbor ? await CborAsync(operation, body) : await JsonAsync(prefix + operation, body);
                    Assert.True(reply is { Status: HttpStatusCode.BadRequest, Type: "ValidationException" } && reply.Message == expected,
                        $"{operation} {body.ToJsonString()}:\nexpected {expected}\ngot      {(int)reply.Status} {reply.Type}: {reply.Message}");
                    checkedViolations++;
                    if (!givenTogether.ContainsKey(member.Name))
                    {
                        together[member.Name] = value.DeepClone();
                        givenTogether[member.Name] = (rendered, broken);
                    }
                }
            }
            if (givenTogether.Count < 2) continue;
            var all = cbor ? await CborAsync(operation, together) : await JsonAsync(prefix + operation, together);
            var expectedAll = Expected(input, givenTogether);
            Assert.True(all is { Status: HttpStatusCode.BadRequest, Type: "ValidationException" } && all.Message == expectedAll,
                $"{operation} {together.ToJsonString()}:\nexpected {expectedAll}\ngot      {(int)all.Status} {all.Type}: {all.Message}");
        }
        Assert.True(checkedViolations >= served.Count, $"{checkedViolations} violations checked");
    }

    [Fact]
    public async Task Answers_recorded_from_Kinesis_are_given_word_for_word()
    {
        var stream = await server.CreateStreamAsync("recorded", 1);

        // The iterator types in the order Kinesis lists them (not the model's).
        var type = await server.CallAsync("GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "" });
        type.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Equal("1 validation error detected: Value '' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy " +
            "enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]", type.Message);

        // More than 10 tags in one call: the value quoted as Java renders a map, then a list.
        var tags = Enumerable.Range(0, 11).ToDictionary(i => "k" + i, i => "v" + i);
        var add = await server.CallAsync("AddTagsToStream", new { StreamName = stream, Tags = tags });
        add.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Matches(@"^1 validation error detected: Value '\{(k\d+=v\d+, ){10}k\d+=v\d+\}' at 'tags' failed to satisfy constraint: " +
            "Member must have length less than or equal to 10$", add.Message);
        var remove = await server.CallAsync("RemoveTagsFromStream", new { StreamName = stream, TagKeys = Enumerable.Range(1, 11).Select(i => i.ToString()).ToArray() });
        remove.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Equal("1 validation error detected: Value '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]' at 'tagKeys' failed to satisfy constraint: " +
            "Member must have length less than or equal to 10", remove.Message);
        Assert.Empty((await server.OkAsync("ListTagsForStream", new { StreamName = stream })).GetProperty("Tags").EnumerateArray());

        // A list of structures is quoted as Java prints it: class@hash, the hash 1 plus the members' hashes
        // (the empty blob's ByteBuffer 1, "a" 97), unpadded hex, so the text is the same from one run to the next.
        var entries = Enumerable.Range(0, 501).Select(_ => new { Data = "", PartitionKey = "a" }).ToArray();
        var tooMany = await server.CallAsync("PutRecords", new { StreamName = stream, Records = entries });
        tooMany.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Equal("1 validation error detected: Value '[" + string.Join(", ", Enumerable.Repeat("com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@63", 501)) +
            "]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500", tooMany.Message);
    }

    [Theory]
    [InlineData("23456", "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5")]
    [InlineData("=+/=", "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='")]
    [InlineData("+/+=", "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected")]
    [InlineData("AB==", "'AB==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected")]
    [InlineData("AA===", "'AA===' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5")]
    [InlineData("A===", "'A===' can not be converted to a Blob: Invalid last non-pad Base64 character dectected")]
    [InlineData("ab c", "'ab c' can not be converted to a Blob: Invalid Base64 character: ' '")]
    [InlineData("abé=", "'abé=' can not be converted to a Blob: Invalid Base64 character: 'é'")]
    public async Task A_blob_that_is_not_canonical_base64_is_a_SerializationException_in_AWS_words(string data, string message)
    {
        var reply = await server.CallAsync("PutRecord", new { StreamName = "any", PartitionKey = "k", Data = data });
        reply.AssertError(HttpStatusCode.BadRequest, "SerializationException");
        Assert.Equal(message, reply.Message);
    }

    [Fact]
    public async Task A_blob_is_read_from_its_JSON_text_with_escapes_and_its_length_checked_without_decoding_it_twice()
    {
        var stream = await server.CreateStreamAsync("blob", 1);
        // "\/" is how some JSON writers escape '/': still the base64 of 0xFF 0xFF 0xFF.
        var escaped = await server.CallAsync("PutRecord", $$"""{"StreamName":"{{stream}}","PartitionKey":"k","Data":"\/\/\/\/"}""");
        Assert.Equal(HttpStatusCode.OK, escaped.Status);
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var records = (await server.OkAsync("GetRecords", new { ShardIterator = iterator })).GetProperty("Records");
        Assert.Equal("////", records[0].GetProperty("Data").GetString());

        // One byte over the stream's 1 MiB record (with its one-character key): the length comes from the text alone.
        var over = await server.CallAsync("PutRecord", new { StreamName = stream, PartitionKey = "k", Data = Convert.ToBase64String(new byte[1024 * 1024]) });
        over.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        var fits = await server.CallAsync("PutRecord", new { StreamName = stream, PartitionKey = "k", Data = Convert.ToBase64String(new byte[1024 * 1024 - 1]) });
        Assert.Equal(HttpStatusCode.OK, fits.Status);
    }

    [Fact]
    public void Every_pattern_of_the_model_compiles_and_every_operation_has_its_input()
    {
        foreach (var service in new[] { ApiModel.Instance.Kinesis, ApiModel.Instance.Firehose })
            Assert.All(service.Operations.Values.Where(i => i is not null), i => Assert.Equal(ApiShapeType.Structure, i!.Type));
        Assert.Equal("[a-zA-Z0-9_.-]+", ApiModel.Instance.Kinesis.Operations["CreateStream"]!.FindMember("StreamName")!.Shape.Pattern);
        Assert.True(ApiModel.Instance.Kinesis.Operations.Count >= 39);
        Assert.Equal(12, ApiModel.Instance.Firehose.Operations.Count);
    }
}
