using System.Text;
using System.Text.Json;
using Parquet;

namespace ActorStreams.Server.Tests;

/// <summary>
/// The server with a schema registry: table <c>analytics.events</c> in HOCON (<c>--config</c>) and <c>files.rows</c>
/// in a JSON schema file (<c>actorstreams.firehose.schema-file</c>); a 2 MiB backlog, so 1 MiB closes a buffer.
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
              # Half of it (1 MiB) closes buffers: the CLI wants intervals of at least 60 s, and partitions at least 64 MiB.
              max-backlog-bytes = 2 MiB
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
    private Task<Dictionary<string, byte[]>> WaitForObjectsAsync(string bucket, Func<Dictionary<string, byte[]>, bool> done) =>
        DirectoryStore.WaitForObjectsAsync(Path.Combine(server.DataDir, "objects", bucket), bucket, done);

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    /// <summary>A record of exactly 128 KiB: eight of them fill the 1 MiB that closes a buffer here.</summary>
    private static string Sized(Func<string, string> make)
    {
        const int size = 128 * 1024;
        return make(new string('x', size - Encoding.UTF8.GetByteCount(make(""))));
    }

    private static object Partitioned(string bucket, string query) => new
    {
        RoleARN = "arn:aws:iam::000000000000:role/firehose",
        BucketARN = $"arn:aws:s3:::{bucket}",
        Prefix = "customer=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromQuery:device}/",
        ErrorOutputPrefix = "errors/!{firehose:error-output-type}/",
        BufferingHints = new { SizeInMBs = 64, IntervalInSeconds = 900 },
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

    /// <summary>PutRecordBatch, resending the entries a full backlog refused (ServiceUnavailableException), as a producer does.</summary>
    private async Task PutBatchAsync(string name, IEnumerable<string> records)
    {
        var aws = AwsCli.Installed!;
        var pending = records.ToList();
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            Assert.True(attempt < 50, $"{pending.Count} records still refused");
            var file = Path.Combine(server.DataDir, $"{name}-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(pending.Select(r => new { Data = r })));
            var batch = await aws.FirehoseAsync(server.BaseAddress, [.. new[] { "put-record-batch", "--delivery-stream-name", name, "--records", "file://" + file }, .. aws.RawBlobs]);
            var responses = batch.GetProperty("RequestResponses").EnumerateArray().ToList();
            var refused = responses.Select((r, i) => (r, i)).Where(x => x.r.TryGetProperty("ErrorCode", out _)).ToList();
            Assert.All(refused, x => Assert.Equal("ServiceUnavailableException", x.r.GetProperty("ErrorCode").GetString()));
            pending = refused.Select(x => pending[x.i]).ToList();
            if (pending.Count > 0) await Task.Delay(200);
        }
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

        // Partition a1 fills 1 MiB first and is delivered; then b2 with a record that has no device.
        var a1 = Enumerable.Range(0, 8).Select(i => Sized(pad => $$"""{"customer_id":"a1","device":{"type":"phone"},"n":{{i}},"pad":"{{pad}}"}""")).ToList();
        var b2 = Enumerable.Range(0, 8).Select(i => Sized(pad => $$"""{"customer_id":"b2","device":{"type":"tv"},"n":{{i}},"pad":"{{pad}}"}""")).ToList();
        var noDevice = """{"customer_id":"a1","n":4}""";
        await PutBatchAsync(name, a1);
        await WaitForObjectsAsync(bucket, o => o.Count == 1);
        await PutBatchAsync(name, [.. b2, noDevice]);

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 3);
        string Object(string prefix) => Encoding.UTF8.GetString(Assert.Single(objects, o => o.Key.StartsWith(prefix)).Value);
        Assert.Equal(string.Concat(a1), Object($"customer=a1/device=phone/{name}-1-"));
        Assert.Equal(string.Concat(b2), Object($"customer=b2/device=tv/{name}-1-"));
        var failed = JsonDocument.Parse(Object("errors/partitioning-failed/").Trim()).RootElement;
        Assert.Equal(noDevice, Encoding.UTF8.GetString(failed.GetProperty("rawData").GetBytesFromBase64()));
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
        BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 900 },
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

        // Six that fit (the second without a score), one that is not JSON and one whose id is not a number: 1 MiB.
        var records = Enumerable.Range(0, 6).Select(i => Sized(pad => i == 1
                ? $$"""{"id":{{i}},"name":"n{{i}}-{{pad}}","unknown":true}"""
                : $$"""{"id":{{i}},"name":"n{{i}}-{{pad}}","score":{{i}}.5}"""))
            .Append(Sized(pad => "not json " + pad))
            .Append(Sized(pad => $$"""{"id":"seven","name":"{{pad}}"}"""))
            .ToList();
        await PutBatchAsync(name, records);

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 2);
        var (key, data) = objects.Single(o => o.Key.StartsWith("parquet/"));
        Assert.EndsWith(".parquet", key);
        await using (var reader = await ParquetReader.CreateAsync(new MemoryStream(data)))
        {
            var fields = reader.Schema.GetDataFields();
            Assert.Equal(["id", "name", "score"], fields.Select(f => f.Name).ToArray());
            using var group = reader.OpenRowGroupReader(0);
            Assert.Equal(6, group.RowCount);
            var ids = new long?[6];
            await group.ReadAsync<long>(fields[0], ids.AsMemory());
            var names = new string?[6];
            await group.ReadAsync(fields[1], names.AsMemory());
            var scores = new double?[6];
            await group.ReadAsync<double>(fields[2], scores.AsMemory());
            Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L], ids);
            Assert.Equal(["n0-", "n1-", "n2-", "n3-", "n4-", "n5-"], names.Select(n => n![..3]).ToArray());
            Assert.Equal([0.5, null, 2.5, 3.5, 4.5, 5.5], scores);
        }
        var failed = Encoding.UTF8.GetString(objects.Single(o => o.Key.StartsWith("format-conversion-failed/")).Value)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, failed.Length);

        // A table of the JSON schema file works the same way.
        var fileStream = NewName("cli-pq");
        var fileBucket = NewName("pq");
        await aws.FirehoseAsync(server.BaseAddress, "create-delivery-stream", "--delivery-stream-name", fileStream,
            "--extended-s3-destination-configuration", JsonSerializer.Serialize(Parquet(fileBucket, "files", "rows", "SNAPPY")));
        await PutBatchAsync(fileStream, Enumerable.Range(0, 8).Select(i => Sized(pad => $$"""{"row":{{i + 7}},"label":"{{pad}}"}""")));
        var fileObjects = await WaitForObjectsAsync(fileBucket, o => o.Count == 1);
        await using var fileReader = await ParquetReader.CreateAsync(new MemoryStream(fileObjects.Single().Value));
        Assert.Equal(["row", "label"], fileReader.Schema.GetDataFields().Select(f => f.Name).ToArray());
        using var rows = fileReader.OpenRowGroupReader(0);
        var row = new int?[8];
        await rows.ReadAsync<int>(fileReader.Schema.GetDataFields()[0], row.AsMemory());
        Assert.Equal(Enumerable.Range(7, 8).Select(i => (int?)i), row);
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
