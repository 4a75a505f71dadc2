using System.Net;
using System.Text;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>
/// The server with SigV4 checking on: signed requests (the test signer and the real AWS CLI) are served; missing,
/// wrong, unknown or stale signatures get the AWS errors and write nothing.
/// </summary>
public sealed class AuthTests(AuthServerFixture server) : IClassFixture<AuthServerFixture>
{
    private const string Key = AuthServerFixture.AccessKeyId;
    private const string Secret = AuthServerFixture.SecretAccessKey;

    private static string[] Args(params string[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Sends a request as built, with no signing.</summary>
    private async Task<KinesisReply> SendRawAsync(HttpRequestMessage request)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await http.SendAsync(request);
        return await KinesisReply.ReadAsync(response);
    }

    private HttpRequestMessage Absolute(string operation, object body)
    {
        var request = ServerFixture.Request(operation, body as string ?? JsonSerializer.Serialize(body));
        request.RequestUri = new Uri(server.BaseAddress, "/");
        return request;
    }

    /// <summary>Every record in the stream's only shard, read with valid signatures.</summary>
    private async Task<List<string>> ReadAllAsync(string stream)
    {
        var iterator = await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" });
        var records = await server.OkAsync("GetRecords", new { ShardIterator = iterator.GetProperty("ShardIterator").GetString() });
        return records.GetProperty("Records").EnumerateArray().Select(r => Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64())).ToList();
    }

    [Fact]
    public async Task Signed_requests_are_served()
    {
        var name = await server.CreateStreamAsync("signed");
        await server.OkAsync("PutRecord", new { StreamName = name, PartitionKey = "k", Data = Convert.ToBase64String("signed"u8.ToArray()) });

        Assert.Equal(["signed"], await ReadAllAsync(name));
    }

    [Fact]
    public async Task Signed_HTTP2_requests_are_served()
    {
        using var response = await server.Http.SendAsync(ServerFixture.Request("ListStreams", "{}", HttpVersion.Version20));
        var reply = await KinesisReply.ReadAsync(response);

        Assert.True(reply.Status == HttpStatusCode.OK, reply.Text);
        Assert.Equal(HttpVersion.Version20, reply.Version);
    }

    [Fact]
    public void Enabling_authentication_without_credentials_fails_at_startup()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ActorStreamsServer.Create(["--port", "0", "--ActorStreams:Auth:Enabled", "true"]));

        Assert.Contains("ActorStreams:Auth:Credentials", error.Message);
    }

    [Fact]
    public async Task A_request_without_authorization_is_a_MissingAuthenticationTokenException_and_writes_nothing()
    {
        var name = await server.CreateStreamAsync("unsigned");

        var reply = await SendRawAsync(Absolute("PutRecord", new { StreamName = name, PartitionKey = "k", Data = "AA==" }));

        reply.AssertError(HttpStatusCode.BadRequest, "MissingAuthenticationTokenException");
        Assert.Equal("application/x-amz-json-1.1", reply.ContentType);
        Assert.Empty(await ReadAllAsync(name));

        var create = await SendRawAsync(Absolute("CreateStream", new { StreamName = name + "-x", ShardCount = 1 }));
        create.AssertError(HttpStatusCode.BadRequest, "MissingAuthenticationTokenException");
        var streams = await server.OkAsync("ListStreams", new { });
        Assert.DoesNotContain(name + "-x", streams.GetProperty("StreamNames").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task As_in_AWS_an_unknown_operation_and_an_unreadable_body_are_answered_before_the_signature_is_checked()
    {
        var unknown = await SendRawAsync(Absolute("FlyToTheMoon", new { }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Equal("{\"__type\":\"UnknownOperationException\"}", unknown.Text);

        // A known operation with a body that is not JSON: AWS parses the body before it checks the signature.
        var reply = await SendRawAsync(Absolute("ListStreams", "{not json"));
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("{\"__type\":\"SerializationException\"}", reply.Text);
        (await SendRawAsync(Absolute("ListStreams", "{}"))).AssertError(HttpStatusCode.BadRequest, "MissingAuthenticationTokenException");
    }

    [Fact]
    public async Task A_correctly_signed_request_with_a_stale_date_is_an_InvalidSignatureException_and_writes_nothing()
    {
        var name = await server.CreateStreamAsync("stale");
        using var request = Absolute("PutRecord", new { StreamName = name, PartitionKey = "k", Data = "AA==" });
        await SigV4TestSigner.SignAsync(request, Key, Secret, DateTime.UtcNow.AddMinutes(-10));

        var reply = await SendRawAsync(request);

        reply.AssertError(HttpStatusCode.BadRequest, "InvalidSignatureException");
        Assert.StartsWith("Signature expired: ", reply.Message);
        Assert.Contains(" is now earlier than ", reply.Message);
        Assert.Empty(await ReadAllAsync(name));
    }

    [Fact]
    public async Task A_wrong_secret_a_tampered_body_or_an_unknown_key_is_rejected_and_writes_nothing()
    {
        var name = await server.CreateStreamAsync("wrong");

        using var wrongSecret = Absolute("PutRecord", new { StreamName = name, PartitionKey = "k", Data = "AA==" });
        await SigV4TestSigner.SignAsync(wrongSecret, Key, "not-the-secret", DateTime.UtcNow);
        (await SendRawAsync(wrongSecret)).AssertError(HttpStatusCode.BadRequest, "InvalidSignatureException");

        using var tampered = Absolute("PutRecord", new { StreamName = name, PartitionKey = "k", Data = "AA==" });
        await SigV4TestSigner.SignAsync(tampered, Key, Secret, DateTime.UtcNow);
        var type = tampered.Content!.Headers.ContentType;
        tampered.Content = new StringContent(JsonSerializer.Serialize(new { StreamName = name, PartitionKey = "k", Data = "AQ==" }));
        tampered.Content.Headers.ContentType = type;
        (await SendRawAsync(tampered)).AssertError(HttpStatusCode.BadRequest, "InvalidSignatureException");

        using var unknown = Absolute("PutRecord", new { StreamName = name, PartitionKey = "k", Data = "AA==" });
        await SigV4TestSigner.SignAsync(unknown, "AKIDNOBODY", Secret, DateTime.UtcNow);
        var reply = await SendRawAsync(unknown);
        reply.AssertError(HttpStatusCode.BadRequest, "UnrecognizedClientException");
        Assert.Equal("The security token included in the request is invalid.", reply.Message);

        Assert.Empty(await ReadAllAsync(name));
    }

    [Fact]
    public async Task A_malformed_authorization_header_is_an_IncompleteSignatureException()
    {
        using var request = Absolute("ListStreams", new { });
        request.Headers.TryAddWithoutValidation("X-Amz-Date", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'"));
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={Key}/20260101/us-east-1/kinesis/aws4_request");

        (await SendRawAsync(request)).AssertError(HttpStatusCode.BadRequest, "IncompleteSignatureException");
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_with_the_configured_key_pair_creates_writes_and_reads()
    {
        var aws = AwsCli.Installed!;
        var endpoint = server.BaseAddress;
        var name = $"cli-auth-{Guid.NewGuid():N}";

        await aws.KinesisAsAsync(endpoint, Key, Secret, "create-stream", "--stream-name", name, "--shard-count", "1");
        await aws.KinesisAsAsync(endpoint, Key, Secret, Args(["put-record", "--stream-name", name, "--partition-key", "k1"], aws.RawBlob("--data", "hello")));
        var iterator = await aws.KinesisAsAsync(endpoint, Key, Secret, "get-shard-iterator", "--stream-name", name, "--shard-id", "shardId-000000000000",
            "--shard-iterator-type", "TRIM_HORIZON");
        var records = await aws.KinesisAsAsync(endpoint, Key, Secret, "get-records", "--shard-iterator", iterator.GetProperty("ShardIterator").GetString()!);

        Assert.Equal(["hello"], records.GetProperty("Records").EnumerateArray().Select(r => Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64())).ToArray());
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_with_a_wrong_secret_or_an_unknown_key_is_rejected_and_writes_nothing()
    {
        var aws = AwsCli.Installed!;
        var endpoint = server.BaseAddress;
        var name = $"cli-auth-{Guid.NewGuid():N}";
        await aws.KinesisAsAsync(endpoint, Key, Secret, "create-stream", "--stream-name", name, "--shard-count", "1");

        var wrongSecret = await aws.KinesisFailsAsync(endpoint, Key, "wrong-secret",
            Args(["put-record", "--stream-name", name, "--partition-key", "k1"], aws.RawBlob("--data", "nope")));
        Assert.Contains("InvalidSignatureException", wrongSecret);

        var unknownKey = await aws.KinesisFailsAsync(endpoint, "AKIDNOBODY", Secret,
            Args(["put-record", "--stream-name", name, "--partition-key", "k1"], aws.RawBlob("--data", "nope")));
        Assert.Contains("UnrecognizedClientException", unknownKey);

        var rejectedCreate = await aws.KinesisFailsAsync(endpoint, Key, "wrong-secret", "create-stream", "--stream-name", name + "-x", "--shard-count", "1");
        Assert.Contains("InvalidSignatureException", rejectedCreate);

        var described = await aws.KinesisAsAsync(endpoint, Key, Secret, "describe-stream", "--stream-name", name);
        Assert.Equal("ACTIVE", described.GetProperty("StreamDescription").GetProperty("StreamStatus").GetString());
        var iterator = await aws.KinesisAsAsync(endpoint, Key, Secret, "get-shard-iterator", "--stream-name", name, "--shard-id", "shardId-000000000000",
            "--shard-iterator-type", "TRIM_HORIZON");
        var records = await aws.KinesisAsAsync(endpoint, Key, Secret, "get-records", "--shard-iterator", iterator.GetProperty("ShardIterator").GetString()!);
        Assert.Empty(records.GetProperty("Records").EnumerateArray());
        var streams = await aws.KinesisAsAsync(endpoint, Key, Secret, "list-streams");
        Assert.DoesNotContain(name + "-x", streams.GetProperty("StreamNames").EnumerateArray().Select(e => e.GetString()));
    }
}
