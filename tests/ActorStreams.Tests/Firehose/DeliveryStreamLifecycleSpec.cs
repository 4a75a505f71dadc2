using ActorStreams.Firehose;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>The Firehose control plane through <see cref="FirehoseClient"/>: create, describe, list, update, tags, encryption, delete, validation.</summary>
public sealed class DeliveryStreamLifecycleSpec(ITestOutputHelper output) : FirehoseSpec(output)
{
    [Fact]
    public async Task Create_describe_list_and_delete_must_behave_as_in_Firehose()
    {
        var name = UniqueName("fh");
        var arn = await CreateAsync(name, S3("bucket-a", intervalSeconds: 60, compression: CompressionFormat.Gzip, prefix: "p/"));
        Assert.Equal($"arn:aws:firehose:us-east-1:000000000000:deliverystream/{name}", arn);
        await Assert.ThrowsAsync<ResourceInUseException>(() => CreateAsync(name, S3("bucket-a")));

        var description = await Firehose.DescribeDeliveryStreamAsync(name);
        Assert.Equal(DeliveryStreamStatus.Active, description.Status);
        Assert.Equal(DeliveryStreamType.DirectPut, description.DeliveryStreamType);
        Assert.Equal(1, description.VersionId);
        var s3 = Assert.IsType<ObjectStoreDestination>(description.Destination);
        Assert.Equal("arn:aws:s3:::bucket-a", s3.BucketArn);
        Assert.Equal(CompressionFormat.Gzip, s3.CompressionFormat);
        Assert.Equal(60, s3.BufferingHints.IntervalInSeconds);

        var others = new[] { UniqueName("fh"), UniqueName("fh") };
        foreach (var other in others) await CreateAsync(other, S3("bucket-b"));
        var all = new[] { name }.Concat(others).Order(StringComparer.Ordinal).ToList();
        var first = await Firehose.ListDeliveryStreamsAsync(limit: 2);
        Assert.True(first.HasMoreDeliveryStreams);
        Assert.Equal(all.Take(2), first.DeliveryStreamNames);
        var rest = await Firehose.ListDeliveryStreamsAsync(limit: 2, exclusiveStartDeliveryStreamName: first.DeliveryStreamNames[^1]);
        Assert.False(rest.HasMoreDeliveryStreams);
        Assert.Equal(all.Skip(2), rest.DeliveryStreamNames);
        Assert.Empty((await Firehose.ListDeliveryStreamsAsync(deliveryStreamType: DeliveryStreamType.KinesisStreamAsSource)).DeliveryStreamNames);

        await Firehose.DeleteDeliveryStreamAsync(name);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Firehose.DescribeDeliveryStreamAsync(name));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Firehose.PutRecordAsync(name, Bytes("x")));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Firehose.DeleteDeliveryStreamAsync(name));
        Assert.DoesNotContain(name, (await Firehose.ListDeliveryStreamsAsync(limit: 100)).DeliveryStreamNames);

        // The name is free again, and the new delivery stream starts empty at version 1.
        await AwaitAssertAsync(async () => await CreateAsync(name, S3("bucket-c")), TimeSpan.FromSeconds(10));
        Assert.Equal(1, (await Firehose.DescribeDeliveryStreamAsync(name)).VersionId);
    }

    [Fact]
    public async Task UpdateDestination_must_check_the_version_and_deliver_later_buffers_to_the_new_destination()
    {
        var name = UniqueName("fh");
        await CreateAsync(name, S3("bucket-old", intervalSeconds: 0));
        await Firehose.PutRecordAsync(name, Bytes("before"));
        await WaitForObjectsAsync("bucket-old", o => o.Count == 1);

        var description = await Firehose.DescribeDeliveryStreamAsync(name);
        await Assert.ThrowsAsync<ConcurrentModificationException>(() =>
            Firehose.UpdateDestinationAsync(name, "7", DeliveryStreamDescription.DestinationId, S3("bucket-new", intervalSeconds: 0)));
        await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Firehose.UpdateDestinationAsync(name, "1", "destinationId-000000000009", S3("bucket-new", intervalSeconds: 0)));
        await Firehose.UpdateDestinationAsync(name, description.VersionId.ToString(), DeliveryStreamDescription.DestinationId, S3("bucket-new", intervalSeconds: 0));

        var updated = await Firehose.DescribeDeliveryStreamAsync(name);
        Assert.Equal(2, updated.VersionId);
        Assert.Equal("arn:aws:s3:::bucket-new", Assert.IsType<ObjectStoreDestination>(updated.Destination).BucketArn);
        await Firehose.PutRecordAsync(name, Bytes("after"));
        var objects = await WaitForObjectsAsync("bucket-new", o => o.Count == 1);
        var (key, data) = Assert.Single(objects);
        Assert.Equal("after", Text(data));
        Assert.Contains($"{name}-2-", key);
    }

    [Fact]
    public async Task Tags_and_encryption_must_be_kept_and_reported()
    {
        var name = UniqueName("fh");
        await Firehose.CreateDeliveryStreamAsync(new DeliveryStreamConfiguration
        {
            DeliveryStreamName = name,
            Destination = S3("bucket-a"),
            Tags = new Dictionary<string, string> { ["team"] = "data" },
        });
        await Firehose.TagDeliveryStreamAsync(name, new Dictionary<string, string> { ["env"] = "test", ["team"] = "platform" });
        Assert.Equal(new Dictionary<string, string> { ["env"] = "test", ["team"] = "platform" }, await Firehose.ListTagsForDeliveryStreamAsync(name));
        await Firehose.UntagDeliveryStreamAsync(name, ["env", "missing"]);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "platform" }, await Firehose.ListTagsForDeliveryStreamAsync(name));
        var tooMany = Enumerable.Range(0, 50).ToDictionary(i => $"k{i}", i => "v");
        await Assert.ThrowsAsync<LimitExceededException>(() => Firehose.TagDeliveryStreamAsync(name, tooMany));

        Assert.False((await Firehose.PutRecordAsync(name, Bytes("plain"))).Encrypted);
        await Firehose.StartDeliveryStreamEncryptionAsync(name);
        var encryption = (await Firehose.DescribeDeliveryStreamAsync(name)).Encryption;
        Assert.True(encryption.Enabled);
        Assert.Equal("AWS_OWNED_CMK", encryption.KeyType);
        // AWS_OWNED_CMK with no alias/aws/firehose key configured: records stay plaintext, and a put does not claim otherwise.
        Assert.False((await Firehose.PutRecordAsync(name, Bytes("secret"))).Encrypted);
        Assert.False((await Firehose.PutRecordBatchAsync(name, [Bytes("secret")])).Encrypted);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Firehose.StartDeliveryStreamEncryptionAsync(name, "CUSTOMER_MANAGED_CMK"));
        await Firehose.StopDeliveryStreamEncryptionAsync(name);
        Assert.False((await Firehose.DescribeDeliveryStreamAsync(name)).Encryption.Enabled);
    }

    [Fact]
    public async Task Bad_configurations_and_records_must_be_refused_with_Firehose_errors()
    {
        var name = UniqueName("fh");
        await Assert.ThrowsAsync<ValidationException>(() => CreateAsync("bad name!", S3("bucket-a")));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(name, S3("bucket-a", sizeMiB: 129)));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(name, S3("bucket-a", intervalSeconds: 901)));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(name, S3("Bad_Bucket")));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(name, S3("bucket-a", prefix: "!{timestamp:yyyy}/")));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(name, S3("bucket-a", prefix: "!{nope:x}/", errorPrefix: "e/")));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(name, S3("bucket-a", prefix: "!{firehose:error-output-type}/", errorPrefix: "e/")));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(name, new HttpEndpointDestination
        {
            Url = "http://127.0.0.1:1/",
            BufferingHints = new BufferingHints { SizeInMBs = 65, IntervalInSeconds = 60 },
            S3Configuration = S3("bucket-a"),
        }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(name, new HttpEndpointDestination
        {
            Url = "ftp://example/",
            S3Configuration = S3("bucket-a"),
        }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(name, new WarehouseDestination
        {
            ClusterJdbcUrl = "jdbc:postgresql://127.0.0.1:5432/db",
            Username = "u",
            TableName = "events",
            Columns = ["id"],
            S3Configuration = S3("bucket-a", compression: CompressionFormat.Snappy),
        }));
        // Nothing above was created.
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Firehose.DescribeDeliveryStreamAsync(name));

        await CreateAsync(name, S3("bucket-a"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Firehose.PutRecordAsync(name, new byte[FirehoseLimits.MaxRecordBytes + 1]));
        await Assert.ThrowsAsync<ValidationException>(() => Firehose.PutRecordBatchAsync(name, []));
        await Assert.ThrowsAsync<ValidationException>(() =>
            Firehose.PutRecordBatchAsync(name, Enumerable.Repeat<ReadOnlyMemory<byte>>(Bytes("x"), 501).ToList()));
        await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            Firehose.PutRecordBatchAsync(name, Enumerable.Repeat<ReadOnlyMemory<byte>>(new byte[900 * 1024], 5).ToList()));
    }
}
