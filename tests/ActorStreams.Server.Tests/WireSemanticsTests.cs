using System.Net;
using System.Text;

namespace ActorStreams.Server.Tests;

/// <summary>The answers Kinesis and Firehose give at the edges of their operations, word for word where AWS's wording is known.</summary>
public sealed class WireSemanticsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string TagCharacters =
        "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.";

    private const string AllowedAfterPercent = "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";

    private static void AssertMessage(KinesisReply reply, string type, string message)
    {
        reply.AssertError(HttpStatusCode.BadRequest, type);
        Assert.Equal(message, reply.Message);
    }

    [Fact]
    public async Task A_string_for_an_integer_is_a_SerializationException_before_any_validation()
    {
        var reply = await server.CallAsync("CreateStream", "{\"ShardCount\": \"a\"}");

        AssertMessage(reply, "SerializationException", "class java.lang.String can not be converted to an Integer");
        Assert.Contains("\"Message\"", reply.Text);
    }

    [Fact]
    public async Task Every_violation_is_listed_in_member_order()
    {
        AssertMessage(await server.CallAsync("CreateStream", new { StreamName = "" }), "ValidationException",
            "2 validation errors detected: Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
            "Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        AssertMessage(await server.CallAsync("PutRecords", new { Records = new object[] { new { PartitionKey = "", ExplicitHashKey = "x" } } }),
            "ValidationException",
            "3 validation errors detected: Value null at 'records.1.member.data' failed to satisfy constraint: Member must not be null; " +
            "Value 'x' at 'records.1.member.explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38}); " +
            "Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }

    [Fact]
    public async Task Tag_maps_and_tag_key_lists_report_their_elements_constraints_on_the_whole_member()
    {
        var longKey = new string('k', 129);
        AssertMessage(await server.CallAsync("AddTagsToStream", $"{{\"StreamName\":\"s\",\"Tags\":{{\"{longKey}\":\"v\"}}}}"), "ValidationException",
            $"1 validation error detected: Value '{{{longKey}=v}}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: " +
            "[Member must have length less than or equal to 128, Member must have length greater than or equal to 1]");
        AssertMessage(await server.CallAsync("RemoveTagsFromStream", new { StreamName = "s", TagKeys = new[] { "a", "" } }), "ValidationException",
            "1 validation error detected: Value '[a, ]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: " +
            "[Member must have length less than or equal to 128, Member must have length greater than or equal to 1]");
    }

    [Fact]
    public async Task Tags_with_characters_Kinesis_refuses_are_InvalidArgumentExceptions()
    {
        var name = await server.CreateStreamAsync("tags");
        var arn = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name })).GetProperty("StreamDescriptionSummary").GetProperty("StreamARN").GetString()!;
        var account = arn.Split(':')[4];
        foreach (var bad in new[] { "a;b", "a\tb", "a\nb", "a,b" })
        {
            AssertMessage(await server.CallAsync("AddTagsToStream", new { StreamName = name, Tags = new Dictionary<string, string> { [bad] = "1" } }),
                "InvalidArgumentException", TagCharacters);
            AssertMessage(await server.CallAsync("AddTagsToStream", new { StreamName = name, Tags = new Dictionary<string, string> { ["k"] = bad } }),
                "InvalidArgumentException", TagCharacters);
            AssertMessage(await server.CallAsync("RemoveTagsFromStream", new { StreamName = name, TagKeys = new[] { bad } }),
                "InvalidArgumentException", TagCharacters);
            AssertMessage(await server.CallAsync("TagResource", new { ResourceARN = arn, Tags = new Dictionary<string, string> { [bad] = "1" } }),
                "InvalidArgumentException", TagCharacters);
            AssertMessage(await server.CallAsync("UntagResource", new { ResourceARN = arn, TagKeys = new[] { bad } }),
                "InvalidArgumentException", TagCharacters);
            AssertMessage(await server.CallAsync("CreateStream", new { StreamName = name + "x", ShardCount = 1, Tags = new Dictionary<string, string> { [bad] = "1" } }),
                "InvalidArgumentException", TagCharacters);
        }
        AssertMessage(await server.CallAsync("AddTagsToStream", new { StreamName = name, Tags = new Dictionary<string, string> { ["a%b"] = "1" } }),
            "InvalidArgumentException",
            $"Failed to add tags to stream {name} under account {account} because some tags contained illegal characters. {AllowedAfterPercent}");
        AssertMessage(await server.CallAsync("RemoveTagsFromStream", new { StreamName = name, TagKeys = new[] { "a%b" } }),
            "InvalidArgumentException",
            $"Failed to remove tags from stream {name} under account {account} because some tags contained illegal characters. {AllowedAfterPercent}");
        (await server.CallAsync("AddTagsToStream", new { StreamName = name, Tags = new Dictionary<string, string> { ["aws:owner"] = "1" } }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");

        await server.OkAsync("AddTagsToStream", new { StreamName = name, Tags = new Dictionary<string, string> { ["ü0 _./=+-@"] = "v 1" } });
        var tags = await server.OkAsync("ListTagsForStream", new { StreamName = name });
        Assert.Equal("ü0 _./=+-@", Assert.Single(tags.GetProperty("Tags").EnumerateArray()).GetProperty("Key").GetString());
        Assert.False(await server.CallAsync("DescribeStreamSummary", new { StreamName = name + "x" }) is { Status: HttpStatusCode.OK });
    }

    [Fact]
    public async Task Firehose_tags_are_checked_against_the_model_patterns()
    {
        var reply = await server.CallAsync(AwsJsonRequest.Firehose + "TagDeliveryStream",
            new { DeliveryStreamName = "d", Tags = new[] { new { Key = "a;b", Value = "1" } } });

        AssertMessage(reply, "ValidationException",
            "1 validation error detected: Value 'a;b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$");
        (await server.CallAsync(AwsJsonRequest.Firehose + "TagDeliveryStream", new { DeliveryStreamName = "d", Tags = new[] { new { Key = "aws:x", Value = "1" } } }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
    }

    [Fact]
    public async Task GetShardIterator_AT_TIMESTAMP_in_the_future_is_an_InvalidArgumentException()
    {
        var name = await server.CreateStreamAsync("future");
        var now = server.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var future = now + 60_000;

        var reply = await server.CallAsync("GetShardIterator", $"{{\"StreamName\":\"{name}\",\"ShardId\":\"shardId-0\",\"ShardIteratorType\":\"AT_TIMESTAMP\",\"Timestamp\":{future / 1000m}}}");
        reply.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.StartsWith($"The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: {future}, currentTimestampInMillis: ", reply.Message);

        AssertMessage(await server.CallAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-0", ShardIteratorType = "AT_TIMESTAMP" }),
            "InvalidArgumentException", "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.");
        (await server.CallAsync("GetShardIterator", $"{{\"StreamName\":\"{name}\",\"ShardId\":\"shardId-0\",\"ShardIteratorType\":\"AT_TIMESTAMP\",\"Timestamp\":99999999999999}}"))
            .AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        AssertMessage(await server.CallAsync("GetShardIterator", $"{{\"StreamName\":\"{name}\",\"ShardId\":\"shardId-0\",\"ShardIteratorType\":\"AT_TIMESTAMP\",\"Timestamp\":\"99999999999999\"}}"),
            "SerializationException", "class java.lang.String can not be converted to milliseconds since epoch");
        (await server.OkAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-0", ShardIteratorType = "AT_TIMESTAMP", Timestamp = (now - 1000) / 1000m }))
            .GetProperty("ShardIterator").GetString();
    }

    [Fact]
    public async Task ListShards_needs_a_stream_or_a_token_and_refuses_a_forged_token_with_a_400()
    {
        AssertMessage(await server.CallAsync("ListShards", new { }), "InvalidArgumentException", "Either NextToken or StreamName should be provided.");

        var forged = Convert.ToBase64String(Encoding.UTF8.GetBytes($"lsh2:{long.MaxValue / 2}:0:4:99999999999999999:s"));
        var reply = await server.CallAsync("ListShards", new { NextToken = forged });
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.False(string.IsNullOrEmpty(reply.ErrorType));
    }

    [Fact]
    public async Task A_shard_id_is_taken_by_its_number_as_AWS_takes_it()
    {
        var name = await server.CreateStreamAsync("shard-ids", shards: 2);
        foreach (var id in new[] { "shardId-000000000001", "shardId-1", "1", "anything-1", "x-01-y" })
        {
            var reply = await server.CallAsync("GetShardIterator", new { StreamName = name, ShardId = id, ShardIteratorType = "TRIM_HORIZON" });
            Assert.True(reply.Status == HttpStatusCode.OK, $"{id}: {reply.Text}");
        }
        var listed = await server.OkAsync("ListShards", new { StreamName = name, ExclusiveStartShardId = "0" });
        Assert.Equal("shardId-000000000001", Assert.Single(listed.GetProperty("Shards").EnumerateArray()).GetProperty("ShardId").GetString());
        (await server.CallAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-x", ShardIteratorType = "TRIM_HORIZON" }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
    }

    [Fact]
    public async Task Duplicate_Firehose_CommonAttributes_names_are_a_400()
    {
        var reply = await server.CallAsync(AwsJsonRequest.Firehose + "CreateDeliveryStream", new
        {
            DeliveryStreamName = $"dup-{Guid.NewGuid():N}",
            HttpEndpointDestinationConfiguration = new
            {
                EndpointConfiguration = new { Url = "https://example.com/ingest" },
                RequestConfiguration = new
                {
                    CommonAttributes = new[] { new { AttributeName = "a", AttributeValue = "1" }, new { AttributeName = "a", AttributeValue = "2" } },
                },
                S3Configuration = new { BucketARN = "arn:aws:s3:::bucket-x", RoleARN = "arn:aws:iam::000000000000:role/r" },
            },
        });

        reply.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.Contains("CommonAttributes", reply.Message);
    }
}
