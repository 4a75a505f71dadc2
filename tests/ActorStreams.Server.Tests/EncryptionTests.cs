using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Tests;

/// <summary>A server whose key provider holds two keys: one in HOCON (<c>--config</c>), one in a key file (<c>--encryption-key-file</c>).</summary>
public sealed class EncryptionServerFixture : ServerFixture
{
    public const string Alias = "alias/cli-key";
    public const string FileKeyId = "5d1e6a3c-7b2f-4e8a-9c0d-1f2e3a4b5c6d";

    private readonly string _config = Path.Combine(Path.GetTempPath(), $"actorstreams-encryption-{Guid.NewGuid():N}.conf");
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"actorstreams-encryption-{Guid.NewGuid():N}.keys");

    protected override string[] ExtraArgs()
    {
        File.WriteAllText(_config, $$"""
            actorstreams.encryption.keys { "{{Alias}}" = "{{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}}" }
            actorstreams.encryption.disabled-keys = []
            """);
        File.WriteAllText(_keyFile, $"# id base64\n{FileKeyId} {Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}\n");
        return ["--config", _config, "--encryption-key-file", _keyFile];
    }
}

/// <summary>StartStreamEncryption and StopStreamEncryption over HTTP: the AWS CLI end to end, and the error codes in JSON.</summary>
public sealed class EncryptionTests(EncryptionServerFixture server) : IClassFixture<EncryptionServerFixture>
{
    [AwsCliFact]
    public async Task The_AWS_CLI_starts_and_stops_stream_encryption_and_reads_its_records_in_clear()
    {
        var aws = AwsCli.Installed!;
        var endpoint = server.BaseAddress;
        var name = $"cli-enc-{Guid.NewGuid():N}";
        await aws.KinesisAsync(endpoint, "create-stream", "--stream-name", name, "--shard-count", "1");
        await aws.KinesisAsync(endpoint, "wait", "stream-exists", "--stream-name", name);

        await aws.KinesisAsync(endpoint, "start-stream-encryption", "--stream-name", name, "--encryption-type", "KMS",
            "--key-id", EncryptionServerFixture.Alias);
        var summary = (await aws.KinesisAsync(endpoint, "describe-stream-summary", "--stream-name", name)).GetProperty("StreamDescriptionSummary");
        Assert.Equal("KMS", summary.GetProperty("EncryptionType").GetString());
        Assert.Equal(EncryptionServerFixture.Alias, summary.GetProperty("KeyId").GetString());
        var described = (await aws.KinesisAsync(endpoint, "describe-stream", "--stream-name", name)).GetProperty("StreamDescription");
        Assert.Equal("KMS", described.GetProperty("EncryptionType").GetString());

        await aws.KinesisAsync(endpoint, [.. "put-record --stream-name".Split(' '), name, "--partition-key", "k1", .. aws.RawBlob("--data", "sealed-at-rest")]);
        var iterator = await aws.KinesisAsync(endpoint, "get-shard-iterator", "--stream-name", name, "--shard-id", "shardId-000000000000",
            "--shard-iterator-type", "TRIM_HORIZON");
        var records = await aws.KinesisAsync(endpoint, "get-records", "--shard-iterator", iterator.GetProperty("ShardIterator").GetString()!);
        var record = Assert.Single(records.GetProperty("Records").EnumerateArray());
        Assert.Equal("sealed-at-rest", Encoding.UTF8.GetString(record.GetProperty("Data").GetBytesFromBase64()));

        var unknown = await aws.KinesisFailsAsync(endpoint, "test", "test", "start-stream-encryption", "--stream-name", name,
            "--encryption-type", "KMS", "--key-id", "alias/nobody-has-this");
        Assert.Contains("KMSNotFoundException", unknown);

        await aws.KinesisAsync(endpoint, "stop-stream-encryption", "--stream-name", name, "--encryption-type", "KMS",
            "--key-id", EncryptionServerFixture.Alias);
        summary = (await aws.KinesisAsync(endpoint, "describe-stream-summary", "--stream-name", name)).GetProperty("StreamDescriptionSummary");
        Assert.Equal("NONE", summary.GetProperty("EncryptionType").GetString());
        Assert.False(summary.TryGetProperty("KeyId", out _));
    }

    [Fact]
    public async Task Firehose_puts_answer_Encrypted_true_over_JSON_while_the_delivery_stream_seals_its_records()
    {
        var name = $"http-fh-enc-{Guid.NewGuid():N}"[..24];
        var keyArn = "arn:aws:kms:us-east-1:000000000000:" + EncryptionServerFixture.Alias;
        Assert.Equal(HttpStatusCode.OK, (await FirehoseAsync("CreateDeliveryStream", new
        {
            DeliveryStreamName = name,
            ExtendedS3DestinationConfiguration = new { RoleARN = "arn:aws:iam::000000000000:role/firehose", BucketARN = $"arn:aws:s3:::{name}" },
            DeliveryStreamEncryptionConfigurationInput = new { KeyType = "CUSTOMER_MANAGED_CMK", KeyARN = keyArn },
        })).Status);
        var data = Convert.ToBase64String(Encoding.UTF8.GetBytes("sealed-at-rest"));
        var put = await FirehoseAsync("PutRecord", new { DeliveryStreamName = name, Record = new { Data = data } });
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.True(put.Json.GetProperty("Encrypted").GetBoolean());
        var batch = await FirehoseAsync("PutRecordBatch", new { DeliveryStreamName = name, Records = new[] { new { Data = data } } });
        Assert.True(batch.Json.GetProperty("Encrypted").GetBoolean());

        await FirehoseAsync("StopDeliveryStreamEncryption", new { DeliveryStreamName = name });
        put = await FirehoseAsync("PutRecord", new { DeliveryStreamName = name, Record = new { Data = data } });
        Assert.False(put.Json.GetProperty("Encrypted").GetBoolean());
        await FirehoseAsync("DeleteDeliveryStream", new { DeliveryStreamName = name });
    }

    private Task<KinesisReply> FirehoseAsync(string operation, object body) =>
        server.CallAsync(AwsJsonRequest.Firehose + operation, body);

    [Fact]
    public async Task StartStreamEncryption_answers_the_KMS_and_validation_error_codes_over_JSON()
    {
        var name = await server.CreateStreamAsync("http-enc");
        (await server.CallAsync("StartStreamEncryption", new { StreamName = name, EncryptionType = "KMS", KeyId = "arn:aws:kms:us-east-1:000000000000:alias/none" }))
            .AssertError(HttpStatusCode.BadRequest, "KMSNotFoundException");
        (await server.CallAsync("StartStreamEncryption", new { StreamName = name, EncryptionType = "AES", KeyId = EncryptionServerFixture.Alias }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("StartStreamEncryption", new { StreamName = name, EncryptionType = "KMS" }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("StartStreamEncryption", new { StreamName = "no-such-" + name, EncryptionType = "KMS", KeyId = EncryptionServerFixture.Alias }))
            .AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");

        // The key of the key file, by the ARN of its key id.
        await server.OkAsync("StartStreamEncryption", new { StreamName = name, EncryptionType = "KMS", KeyId = "arn:aws:kms:us-east-1:000000000000:key/" + EncryptionServerFixture.FileKeyId });
        // The key named by its alias ARN.
        await server.OkAsync("StartStreamEncryption", new { StreamName = name, EncryptionType = "KMS", KeyId = "arn:aws:kms:us-east-1:000000000000:" + EncryptionServerFixture.Alias });
        var summary = (await server.OkAsync("DescribeStreamSummary", new { StreamName = name })).GetProperty("StreamDescriptionSummary");
        Assert.Equal(("KMS", "arn:aws:kms:us-east-1:000000000000:" + EncryptionServerFixture.Alias),
            (summary.GetProperty("EncryptionType").GetString(), summary.GetProperty("KeyId").GetString()));
    }

    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_starts_and_stops_stream_encryption()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();

        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["encryption.mjs", endpoint, EncryptionServerFixture.Alias],
            TimeSpan.FromMinutes(2));

        Assert.True(code == 0, $"node encryption.mjs exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }
}
