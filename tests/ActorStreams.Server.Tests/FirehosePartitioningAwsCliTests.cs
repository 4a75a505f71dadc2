using System.Text;
using System.Text.Json;
using Parquet;

namespace ActorStreams.Server.Tests;

/// <summary>
/// The server with a schema registry: table <c>analytics.events</c> in HOCON (<c>--config</c>) and <c>files.rows</c>
/// in a JSON schema file (<c>actorstreams.firehose.schema-file</c>).
/// </summary>
public sealed class SchemaRegistryServerFixture : ServerFixture
{
    protected override string[] ExtraArgs()
    {
        var schemaFile = Path.Combine(DataDir, "schemas.json");
        File.WriteAllText(schemaFile, """{"files": {"rows": [{"name": "row", "type": "int"}, {"name": "label", "type": "string"}]}}""");
        var config = Path.Combine(DataDir, "schemas.conf");
        File.WriteAllText(config, $$"""
            actorstreams.firehose {
              schemas {
                analytics {
                  events = [
                    { name = id, type = bigint }
                    { name = name, type = string }
                    { name = score, type = double }
                  ]
                }
              }
              schema-file = "{{schemaFile.Replace("\\", "\\\\")}}"
            }
            """);
        return ["--config", config];
    }
}

/// <summary>
/// The real AWS CLI against dynamic partitioning (a MetadataExtraction query, keys in the prefix) and format
/// conversion to Parquet by a Glue-style table of the local schema registry; objects are read back from the directory
/// store (Parquet with Parquet.Net).
/// </summary>
public sealed class FirehosePartitioningAwsCliTests(SchemaRegistryServerFixture server) : IClassFixture<SchemaRegistryServerFixture>
{
    private async Task<Dictionary<string, byte[]>> WaitForObjectsAsync(string bucket, Func<Dictionary<string, byte[]>, bool> done)
    {
        var dir = Path.Combine(server.DataDir, "objects", bucket);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var objects = Directory.Exists(dir)
                ? Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .ToDictionary(f => Path.GetRelativePath(dir, f).Replace('\\', '/'), File.ReadAllBytes)
                : new Dictionary<string, byte[]>();
            if (done(objects)) return objects;
            Assert.True(DateTime.UtcNow < deadline, $"bucket {bucket} holds {string.Join(", ", objects.Keys)}");
            await Task.Delay(100);
        }
    }

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private static object Partitioned(string bucket, string query) => new
    {
        RoleARN = "arn:aws:iam::000000000000:role/firehose",
        BucketARN = $"arn:aws:s3:::{bucket}",
        Prefix = "customer=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromQuery:device}/",
        ErrorOutputPrefix = "errors/!{firehose:error-output-type}/",
        BufferingHints = new { SizeInMBs = 64, IntervalInSeconds = 1 },
        DynamicPartitioningConfiguration = new { Enabled = true, RetryOptions = new { DurationInSeconds = 300 } },
        ProcessingConfiguration = new
        {
            Enabled = true,
            Processors = new[]
            {
                new
                {
                    Type = "MetadataExtraction",
                    Parameters = new[]
                    {
                        new { ParameterName = "MetadataExtractionQuery", ParameterValue = query },
                        new { ParameterName = "JsonParsingEngine", ParameterValue = "JQ-1.6" },
                    },
                },
            },
        },
    };

    private async Task PutBatchAsync(string name, IEnumerable<string> records)
    {
        var aws = AwsCli.Installed!;
        var file = Path.Combine(server.DataDir, $"{name}-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(records.Select(r => new { Data = r })));
        var batch = await aws.FirehoseAsync(server.BaseAddress, [.. new[] { "put-record-batch", "--delivery-stream-name", name, "--records", "file://" + file }, .. aws.RawBlobs]);
        Assert.Equal(0, batch.GetProperty("FailedPutCount").GetInt32());
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_creates_a_dynamically_partitioned_delivery_stream_and_each_partition_lands_under_its_own_prefix()
    {
        var aws = AwsCli.Installed!;
        var name = NewName("cli-dp");
        var bucket = NewName("dp");
        await aws.FirehoseAsync(server.BaseAddress, "create-delivery-stream", "--delivery-stream-name", name,
            "--extended-s3-destination-configuration", JsonSerializer.Serialize(Partitioned(bucket, "{customer_id: .customer_id, device: .device.type}")));

        var described = (await aws.FirehoseAsync(server.BaseAddress, "describe-delivery-stream", "--delivery-stream-name", name))
            .GetProperty("DeliveryStreamDescription").GetProperty("Destinations")[0].GetProperty("ExtendedS3DestinationDescription");
        Assert.True(described.GetProperty("DynamicPartitioningConfiguration").GetProperty("Enabled").GetBoolean());
        Assert.Equal(300, described.GetProperty("DynamicPartitioningConfiguration").GetProperty("RetryOptions").GetProperty("DurationInSeconds").GetInt32());
        var processor = described.GetProperty("ProcessingConfiguration").GetProperty("Processors")[0];
        Assert.Equal("MetadataExtraction", processor.GetProperty("Type").GetString());
        Assert.Equal("{customer_id: .customer_id, device: .device.type}", processor.GetProperty("Parameters")[0].GetProperty("ParameterValue").GetString());

        var records = new[]
        {
            """{"customer_id":"a1","device":{"type":"phone"},"n":1}""" + "\n",
            """{"customer_id":"b2","device":{"type":"tv"},"n":2}""" + "\n",
            """{"customer_id":"a1","device":{"type":"phone"},"n":3}""" + "\n",
            """{"customer_id":"a1","n":4}""" + "\n",
        };
        await PutBatchAsync(name, records);

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 3);
        string Object(string prefix) => Encoding.UTF8.GetString(Assert.Single(objects, o => o.Key.StartsWith(prefix)).Value);
        Assert.Equal(records[0] + records[2], Object($"customer=a1/device=phone/{name}-1-"));
        Assert.Equal(records[1], Object($"customer=b2/device=tv/{name}-1-"));
        var failed = JsonDocument.Parse(Object("errors/partitioning-failed/").Trim()).RootElement;
        Assert.Equal(records[3], Encoding.UTF8.GetString(failed.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Equal("DynamicPartitioning.MetadataExtractionFailed", failed.GetProperty("errorCode").GetString());
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_gets_InvalidArgumentException_for_jq_outside_the_subset_and_for_partitioning_without_keys_in_the_prefix()
    {
        var aws = AwsCli.Installed!;
        var error = await aws.FirehoseFailsAsync(server.BaseAddress, "create-delivery-stream", "--delivery-stream-name", NewName("cli-dp"),
            "--extended-s3-destination-configuration", JsonSerializer.Serialize(Partitioned("dp-bad", "{customer_id: .customer_id | ascii_downcase, device: .d}")));
        Assert.Contains("InvalidArgumentException", error);
        Assert.Contains("pipes", error);

        var plainPrefix = JsonSerializer.Serialize(Partitioned("dp-bad", "{customer_id: .c, device: .d}")).Replace(
            "customer=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromQuery:device}/", "plain/");
        error = await aws.FirehoseFailsAsync(server.BaseAddress, "create-delivery-stream", "--delivery-stream-name", NewName("cli-dp"),
            "--extended-s3-destination-configuration", plainPrefix);
        Assert.Contains("InvalidArgumentException", error);
        Assert.Contains("Prefix that uses the partition keys", error);
    }

    private static object Parquet(string bucket, string database, string table, string compression = "GZIP") => new
    {
        RoleARN = "arn:aws:iam::000000000000:role/firehose",
        BucketARN = $"arn:aws:s3:::{bucket}",
        Prefix = "parquet/",
        BufferingHints = new { SizeInMBs = 64, IntervalInSeconds = 1 },
        CompressionFormat = "UNCOMPRESSED",
        DataFormatConversionConfiguration = new
        {
            Enabled = true,
            SchemaConfiguration = new { DatabaseName = database, TableName = table, RoleARN = "arn:aws:iam::000000000000:role/glue", Region = "us-east-1" },
            InputFormatConfiguration = new { Deserializer = new { OpenXJsonSerDe = new { } } },
            OutputFormatConfiguration = new { Serializer = new { ParquetSerDe = new { Compression = compression } } },
        },
    };

    [AwsCliFact]
    public async Task The_AWS_CLI_creates_a_delivery_stream_that_converts_to_Parquet_by_a_registry_table()
    {
        var aws = AwsCli.Installed!;
        var name = NewName("cli-pq");
        var bucket = NewName("pq");
        await aws.FirehoseAsync(server.BaseAddress, "create-delivery-stream", "--delivery-stream-name", name,
            "--extended-s3-destination-configuration", JsonSerializer.Serialize(Parquet(bucket, "analytics", "events")));
        var conversion = (await aws.FirehoseAsync(server.BaseAddress, "describe-delivery-stream", "--delivery-stream-name", name))
            .GetProperty("DeliveryStreamDescription").GetProperty("Destinations")[0].GetProperty("ExtendedS3DestinationDescription")
            .GetProperty("DataFormatConversionConfiguration");
        Assert.Equal("events", conversion.GetProperty("SchemaConfiguration").GetProperty("TableName").GetString());
        Assert.Equal("GZIP", conversion.GetProperty("OutputFormatConfiguration").GetProperty("Serializer").GetProperty("ParquetSerDe").GetProperty("Compression").GetString());

        await PutBatchAsync(name, ["""{"id":1,"name":"one","score":0.5}""", """{"id":2,"name":"two","unknown":true}""", "not json"]);

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 2);
        var (key, data) = objects.Single(o => o.Key.StartsWith("parquet/"));
        Assert.EndsWith(".parquet", key);
        await using (var reader = await ParquetReader.CreateAsync(new MemoryStream(data)))
        {
            var fields = reader.Schema.GetDataFields();
            Assert.Equal(["id", "name", "score"], fields.Select(f => f.Name).ToArray());
            using var group = reader.OpenRowGroupReader(0);
            Assert.Equal(2, group.RowCount);
            var ids = new long?[2];
            await group.ReadAsync<long>(fields[0], ids.AsMemory());
            var names = new string?[2];
            await group.ReadAsync(fields[1], names.AsMemory());
            var scores = new double?[2];
            await group.ReadAsync<double>(fields[2], scores.AsMemory());
            Assert.Equal([1L, 2L], ids);
            Assert.Equal(["one", "two"], names.Select(n => n!).ToArray());
            Assert.Equal([0.5, null], scores);
        }
        Assert.Contains(objects.Keys, k => k.StartsWith("format-conversion-failed/"));

        // A table of the JSON schema file works the same way.
        var fileStream = NewName("cli-pq");
        var fileBucket = NewName("pq");
        await aws.FirehoseAsync(server.BaseAddress, "create-delivery-stream", "--delivery-stream-name", fileStream,
            "--extended-s3-destination-configuration", JsonSerializer.Serialize(Parquet(fileBucket, "files", "rows", "SNAPPY")));
        await PutBatchAsync(fileStream, ["""{"row":7,"label":"seven"}"""]);
        var fileObjects = await WaitForObjectsAsync(fileBucket, o => o.Count == 1);
        await using var fileReader = await ParquetReader.CreateAsync(new MemoryStream(fileObjects.Single().Value));
        Assert.Equal(["row", "label"], fileReader.Schema.GetDataFields().Select(f => f.Name).ToArray());
        using var rows = fileReader.OpenRowGroupReader(0);
        var row = new int?[1];
        await rows.ReadAsync<int>(fileReader.Schema.GetDataFields()[0], row.AsMemory());
        Assert.Equal(7, row[0]);
    }

    [AwsCliFact]
    public async Task The_AWS_CLI_gets_InvalidArgumentException_for_a_table_the_registry_does_not_hold()
    {
        var aws = AwsCli.Installed!;
        var error = await aws.FirehoseFailsAsync(server.BaseAddress, "create-delivery-stream", "--delivery-stream-name", NewName("cli-pq"),
            "--extended-s3-destination-configuration", JsonSerializer.Serialize(Parquet("pq-bad", "analytics", "nope")));
        Assert.Contains("InvalidArgumentException", error);
        Assert.Contains("table nope of database analytics is not in the schema registry", error);
        Assert.Contains("analytics.events", error);
    }
}
