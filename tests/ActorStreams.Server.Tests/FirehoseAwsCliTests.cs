using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>The real AWS CLI's <c>firehose</c> commands against the server; objects must land in the directory store.</summary>
public sealed class FirehoseAwsCliTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private string BucketDir(string bucket) => Path.Combine(server.DataDir, "objects", bucket);

    private Task<Dictionary<string, byte[]>> WaitForObjectsAsync(string bucket, Func<Dictionary<string, byte[]>, bool> done) =>
        DirectoryStore.WaitForObjectsAsync(BucketDir(bucket), bucket, done);

    private static string Gunzip(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_creates_puts_describes_lists_and_deletes_a_delivery_stream_and_objects_land_gzipped()
    {
        var aws = AwsCli.Installed!;
        var endpoint = server.BaseAddress;
        var name = $"cli-fh-{Guid.NewGuid():N}"[..20];
        var bucket = $"cli-{Guid.NewGuid():N}"[..20];

        var created = await aws.FirehoseAsync(endpoint, "create-delivery-stream", "--delivery-stream-name", name,
            "--delivery-stream-type", "DirectPut",
            "--extended-s3-destination-configuration",
            JsonSerializer.Serialize(new
            {
                RoleARN = "arn:aws:iam::000000000000:role/firehose",
                BucketARN = $"arn:aws:s3:::{bucket}",
                Prefix = "events/",
                // The CLI's model (2.9) wants intervals of at least 60 s, so the 1 MiB size hint closes the buffers here.
                BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 60 },
                CompressionFormat = "GZIP",
            }),
            "--tags", "Key=team,Value=data");
        Assert.Equal($"arn:aws:firehose:us-east-1:000000000000:deliverystream/{name}", created.GetProperty("DeliveryStreamARN").GetString());

        var described = (await aws.FirehoseAsync(endpoint, "describe-delivery-stream", "--delivery-stream-name", name))
            .GetProperty("DeliveryStreamDescription");
        Assert.Equal("ACTIVE", described.GetProperty("DeliveryStreamStatus").GetString());
        Assert.Equal("1", described.GetProperty("VersionId").GetString());
        var s3 = described.GetProperty("Destinations")[0].GetProperty("ExtendedS3DestinationDescription");
        Assert.Equal("GZIP", s3.GetProperty("CompressionFormat").GetString());
        Assert.Equal(60, s3.GetProperty("BufferingHints").GetProperty("IntervalInSeconds").GetInt32());

        // 16 records of 128 KiB (each one line) make exactly two 1 MiB buffers. Big arguments go through files.
        static string Record(string label) => label.PadRight(128 * 1024 - 1, '.') + "\n";
        var recordFile = Path.Combine(server.DataDir, $"{name}-record.json");
        await File.WriteAllTextAsync(recordFile, JsonSerializer.Serialize(new { Data = Record("first") }));
        var put = await aws.FirehoseAsync(endpoint, [.. new[] { "put-record", "--delivery-stream-name", name, "--record", "file://" + recordFile }, .. aws.RawBlobs]);
        Assert.False(string.IsNullOrEmpty(put.GetProperty("RecordId").GetString()));
        var batchFile = Path.Combine(server.DataDir, $"{name}-batch.json");
        await File.WriteAllTextAsync(batchFile, JsonSerializer.Serialize(Enumerable.Range(0, 15).Select(i => new { Data = Record($"batch-{i:D2}") })));
        var batch = await aws.FirehoseAsync(endpoint, [.. new[] { "put-record-batch", "--delivery-stream-name", name, "--records", "file://" + batchFile }, .. aws.RawBlobs]);
        Assert.Equal(0, batch.GetProperty("FailedPutCount").GetInt32());
        Assert.Equal(15, batch.GetProperty("RequestResponses").GetArrayLength());

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 2);
        var lines = objects.Values.SelectMany(v => Gunzip(v).Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(l => l.TrimEnd('.')).ToList();
        Assert.Equal(new[] { "first" }.Concat(Enumerable.Range(0, 15).Select(i => $"batch-{i:D2}")), lines.OrderBy(l => l == "first" ? "" : l, StringComparer.Ordinal));
        Assert.All(objects.Values, v => Assert.True(v.Length < 64 * 1024, "1 MiB of dots compresses well"));
        Assert.All(objects.Keys, k =>
        {
            Assert.StartsWith("events/", k);
            Assert.EndsWith(".gz", k);
            Assert.Contains($"/{name}-1-", k);
        });

        // The server adds its DeliveryStatistics extension to the description; the CLI reads past it.
        var statistics = await Eventually.EventuallyAsync(async () =>
        {
            var raw = await CallAsync("DescribeDeliveryStream", JsonSerializer.Serialize(new { DeliveryStreamName = name }));
            var current = raw.Json.GetProperty("DeliveryStreamDescription").GetProperty("DeliveryStatistics");
            Assert.Equal(16, current.GetProperty("DeliveredRecords").GetInt64());
            return current;
        }, TimeSpan.FromSeconds(30));
        Assert.Equal(0, statistics.GetProperty("BacklogRecords").GetInt64());
        var viaCli = (await aws.FirehoseAsync(endpoint, "describe-delivery-stream", "--delivery-stream-name", name)).GetProperty("DeliveryStreamDescription");
        Assert.Equal("ACTIVE", viaCli.GetProperty("DeliveryStreamStatus").GetString());
        Assert.False(viaCli.TryGetProperty("DeliveryStatistics", out _), "the CLI passes on a member its model does not have");

        var tags = await aws.FirehoseAsync(endpoint, "list-tags-for-delivery-stream", "--delivery-stream-name", name);
        Assert.Equal("data", tags.GetProperty("Tags")[0].GetProperty("Value").GetString());
        var listed = await aws.FirehoseAsync(endpoint, "list-delivery-streams", "--limit", "10000");
        Assert.Contains(name, listed.GetProperty("DeliveryStreamNames").EnumerateArray().Select(e => e.GetString()));

        await aws.FirehoseAsync(endpoint, "delete-delivery-stream", "--delivery-stream-name", name);
        var error = await aws.FirehoseFailsAsync(endpoint, "describe-delivery-stream", "--delivery-stream-name", name);
        Assert.Contains("ResourceNotFoundException", error);
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_updates_the_destination_and_tags_and_toggles_encryption()
    {
        var aws = AwsCli.Installed!;
        var endpoint = server.BaseAddress;
        var name = $"cli-fh-{Guid.NewGuid():N}"[..20];
        var bucket = $"cli-{Guid.NewGuid():N}"[..20];
        await aws.FirehoseAsync(endpoint, "create-delivery-stream", "--delivery-stream-name", name,
            "--extended-s3-destination-configuration", $"BucketARN=arn:aws:s3:::{bucket},RoleARN=arn:aws:iam::000000000000:role/r");

        await aws.FirehoseAsync(endpoint, "update-destination", "--delivery-stream-name", name, "--current-delivery-stream-version-id", "1",
            "--destination-id", "destinationId-000000000001",
            "--extended-s3-destination-update", "CompressionFormat=Snappy,BufferingHints={SizeInMBs=2,IntervalInSeconds=120}");
        var stale = await aws.FirehoseFailsAsync(endpoint, "update-destination", "--delivery-stream-name", name, "--current-delivery-stream-version-id", "1",
            "--destination-id", "destinationId-000000000001", "--extended-s3-destination-update", "CompressionFormat=GZIP");
        Assert.Contains("ConcurrentModificationException", stale);
        var s3 = (await aws.FirehoseAsync(endpoint, "describe-delivery-stream", "--delivery-stream-name", name))
            .GetProperty("DeliveryStreamDescription").GetProperty("Destinations")[0].GetProperty("ExtendedS3DestinationDescription");
        Assert.Equal("Snappy", s3.GetProperty("CompressionFormat").GetString());
        Assert.Equal($"arn:aws:s3:::{bucket}", s3.GetProperty("BucketARN").GetString());

        await aws.FirehoseAsync(endpoint, "tag-delivery-stream", "--delivery-stream-name", name, "--tags", "Key=a,Value=1", "Key=b,Value=2");
        await aws.FirehoseAsync(endpoint, "untag-delivery-stream", "--delivery-stream-name", name, "--tag-keys", "a");
        var tags = await aws.FirehoseAsync(endpoint, "list-tags-for-delivery-stream", "--delivery-stream-name", name);
        Assert.Equal(["b"], tags.GetProperty("Tags").EnumerateArray().Select(t => t.GetProperty("Key").GetString()!).ToArray());

        await aws.FirehoseAsync(endpoint, "start-delivery-stream-encryption", "--delivery-stream-name", name,
            "--delivery-stream-encryption-configuration-input", "KeyType=AWS_OWNED_CMK");
        var encryption = (await aws.FirehoseAsync(endpoint, "describe-delivery-stream", "--delivery-stream-name", name))
            .GetProperty("DeliveryStreamDescription").GetProperty("DeliveryStreamEncryptionConfiguration");
        Assert.Equal("ENABLED", encryption.GetProperty("Status").GetString());
        var put = await aws.FirehoseAsync(endpoint, [.. new[] { "put-record", "--delivery-stream-name", name, "--record", "{\"Data\":\"x\"}" }, .. aws.RawBlobs]);
        // AWS_OWNED_CMK and no alias/aws/firehose key on this server: records stay plaintext, and Encrypted says so.
        Assert.False(put.GetProperty("Encrypted").GetBoolean());
        await aws.FirehoseAsync(endpoint, "stop-delivery-stream-encryption", "--delivery-stream-name", name);
        encryption = (await aws.FirehoseAsync(endpoint, "describe-delivery-stream", "--delivery-stream-name", name))
            .GetProperty("DeliveryStreamDescription").GetProperty("DeliveryStreamEncryptionConfiguration");
        Assert.Equal("DISABLED", encryption.GetProperty("Status").GetString());
        await aws.FirehoseAsync(endpoint, "delete-delivery-stream", "--delivery-stream-name", name);
    }

    [Fact]
    public async Task Firehose_errors_must_have_the_AWS_shape()
    {
        var reply = await CallAsync("DescribeDeliveryStream", "{\"DeliveryStreamName\":\"missing-stream\"}");
        reply.AssertError(System.Net.HttpStatusCode.BadRequest, "ResourceNotFoundException");
        // A size hint beyond the model's 1-128 MiB, and no RoleARN: both violations in one ValidationException.
        reply = await CallAsync("CreateDeliveryStream", "{\"DeliveryStreamName\":\"x\",\"ExtendedS3DestinationConfiguration\":{\"BucketARN\":\"arn:aws:s3:::bucket-x\",\"BufferingHints\":{\"SizeInMBs\":500}}}");
        reply.AssertError(System.Net.HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("2 validation errors detected", reply.Text);
        // An empty Snowflake configuration breaks the model first (six required members); a valid one is refused as unsupported.
        reply = await CallAsync("CreateDeliveryStream", "{\"DeliveryStreamName\":\"x\",\"SnowflakeDestinationConfiguration\":{}}");
        reply.AssertError(System.Net.HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("6 validation errors detected", reply.Text);
        reply = await CallAsync("CreateDeliveryStream", "{\"DeliveryStreamName\":\"x\",\"SnowflakeDestinationConfiguration\":{\"AccountUrl\":\"https://acct.snowflakecomputing.com\",\"Database\":\"d\",\"Schema\":\"s\",\"Table\":\"t\",\"RoleARN\":\"arn:aws:iam::000000000000:role/r\",\"S3Configuration\":{\"RoleARN\":\"arn:aws:iam::000000000000:role/r\",\"BucketARN\":\"arn:aws:s3:::bucket-x\"}}}");
        reply.AssertError(System.Net.HttpStatusCode.BadRequest, "InvalidArgumentException");
        reply = await CallAsync("PutRecord", "{\"DeliveryStreamName\":\"x\",\"Record\":{\"Data\":\"not base64!\"}}");
        reply.AssertError(System.Net.HttpStatusCode.BadRequest, "SerializationException");
        reply = await CallAsync("NoSuchOperation", "{}");
        // AWS's exact body for an unknown operation: the type alone.
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("{\"__type\":\"UnknownOperationException\"}", reply.Text);
    }

    [Fact]
    public async Task Every_supported_destination_must_round_trip_through_create_and_describe()
    {
        var s3 = new { BucketARN = "arn:aws:s3:::wire-backup", RoleARN = "arn:aws:iam::000000000000:role/r" };
        var configurations = new Dictionary<string, object>
        {
            ["RedshiftDestinationConfiguration"] = new
            {
                RoleARN = "arn:aws:iam::000000000000:role/r", ClusterJDBCURL = "jdbc:redshift://127.0.0.1:5439/dev", Username = "u", Password = "secret",
                CopyCommand = new { DataTableName = "events", DataTableColumns = "id,name" }, RetryOptions = new { DurationInSeconds = 60 }, S3Configuration = s3,
            },
            ["HttpEndpointDestinationConfiguration"] = new
            {
                EndpointConfiguration = new { Url = "https://127.0.0.1:9/ingest", Name = "mine", AccessKey = "k" },
                BufferingHints = new { SizeInMBs = 2, IntervalInSeconds = 30 },
                RequestConfiguration = new { ContentEncoding = "GZIP", CommonAttributes = new[] { new { AttributeName = "a", AttributeValue = "b" } } },
                RetryOptions = new { DurationInSeconds = 100 }, S3BackupMode = "AllData", S3Configuration = s3,
            },
            ["SplunkDestinationConfiguration"] = new
            {
                HECEndpoint = "https://127.0.0.1:8088", HECEndpointType = "Raw", HECToken = "t", HECAcknowledgmentTimeoutInSeconds = 300,
                BufferingHints = new { SizeInMBs = 5, IntervalInSeconds = 60 }, S3Configuration = s3,
            },
            ["AmazonopensearchserviceDestinationConfiguration"] = new
            {
                RoleARN = "arn:aws:iam::000000000000:role/r", ClusterEndpoint = "https://127.0.0.1:9200", IndexName = "logs", IndexRotationPeriod = "OneHour", S3BackupMode = "AllDocuments", S3Configuration = s3,
            },
        };
        var expected = new Dictionary<string, (string Description, string Member, string Value)>
        {
            ["RedshiftDestinationConfiguration"] = ("RedshiftDestinationDescription", "ClusterJDBCURL", "jdbc:redshift://127.0.0.1:5439/dev"),
            ["HttpEndpointDestinationConfiguration"] = ("HttpEndpointDestinationDescription", "S3BackupMode", "AllData"),
            ["SplunkDestinationConfiguration"] = ("SplunkDestinationDescription", "HECEndpointType", "Raw"),
            ["AmazonopensearchserviceDestinationConfiguration"] = ("AmazonopensearchserviceDestinationDescription", "IndexRotationPeriod", "OneHour"),
        };
        foreach (var (member, configuration) in configurations)
        {
            var name = $"wire-{Guid.NewGuid():N}"[..20];
            var body = new Dictionary<string, object> { ["DeliveryStreamName"] = name, [member] = configuration };
            var created = await CallAsync("CreateDeliveryStream", JsonSerializer.Serialize(body));
            Assert.True(created.Status == System.Net.HttpStatusCode.OK, $"{member}: {created.Text}");
            var described = await CallAsync("DescribeDeliveryStream", JsonSerializer.Serialize(new { DeliveryStreamName = name }));
            var destination = described.Json.GetProperty("DeliveryStreamDescription").GetProperty("Destinations")[0];
            var (descriptionName, field, value) = expected[member];
            Assert.Equal(value, destination.GetProperty(descriptionName).GetProperty(field).GetString());
            Assert.Equal("arn:aws:s3:::wire-backup", destination.GetProperty(descriptionName).GetProperty("S3DestinationDescription").GetProperty("BucketARN").GetString());
            var deleted = await CallAsync("DeleteDeliveryStream", JsonSerializer.Serialize(new { DeliveryStreamName = name }));
            Assert.Equal(System.Net.HttpStatusCode.OK, deleted.Status);
        }
    }

    private Task<KinesisReply> CallAsync(string operation, string json) => server.CallAsync(AwsJsonRequest.Firehose + operation, json);
}
