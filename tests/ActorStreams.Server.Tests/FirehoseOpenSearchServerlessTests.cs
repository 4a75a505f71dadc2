using System.Net;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// AmazonOpenSearchServerlessDestinationConfiguration through the wire protocol: created, described as
/// AmazonOpenSearchServerlessDestinationDescription, updated with AmazonOpenSearchServerlessDestinationUpdate, and a
/// configuration without CollectionEndpoint refused. Delivery itself is the OpenSearch destination's (SplunkAndOpenSearchDeliverySpec).
/// </summary>
public sealed class FirehoseOpenSearchServerlessTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static object S3(string bucket) => new { RoleARN = "arn:aws:iam::000000000000:role/firehose", BucketARN = $"arn:aws:s3:::{bucket}" };

    private async Task<JsonElement> DescribeAsync(string name) =>
        (await server.OkAsync("Firehose_20150804.DescribeDeliveryStream", new { DeliveryStreamName = name })).GetProperty("DeliveryStreamDescription");

    [Fact]
    public async Task A_collection_destination_must_round_trip_through_create_describe_and_update()
    {
        var name = NewName("oss");
        await server.OkAsync("Firehose_20150804.CreateDeliveryStream", new
        {
            DeliveryStreamName = name,
            AmazonOpenSearchServerlessDestinationConfiguration = new
            {
                RoleARN = "arn:aws:iam::000000000000:role/firehose",
                CollectionEndpoint = "https://127.0.0.1:9/",
                IndexName = "metrics",
                BufferingHints = new { IntervalInSeconds = 30, SizeInMBs = 2 },
                RetryOptions = new { DurationInSeconds = 120 },
                S3BackupMode = "FailedDocumentsOnly",
                S3Configuration = S3(NewName("oss")),
            },
        });
        var description = await DescribeAsync(name);
        var destination = description.GetProperty("Destinations")[0];
        Assert.False(destination.TryGetProperty("AmazonopensearchserviceDestinationDescription", out _));
        var oss = destination.GetProperty("AmazonOpenSearchServerlessDestinationDescription");
        Assert.Equal("https://127.0.0.1:9/", oss.GetProperty("CollectionEndpoint").GetString());
        Assert.Equal("metrics", oss.GetProperty("IndexName").GetString());
        Assert.Equal(30, oss.GetProperty("BufferingHints").GetProperty("IntervalInSeconds").GetInt32());
        Assert.Equal(120, oss.GetProperty("RetryOptions").GetProperty("DurationInSeconds").GetInt32());
        Assert.Equal("FailedDocumentsOnly", oss.GetProperty("S3BackupMode").GetString());
        Assert.False(oss.TryGetProperty("IndexRotationPeriod", out _));

        await server.OkAsync("Firehose_20150804.UpdateDestination", new
        {
            DeliveryStreamName = name,
            CurrentDeliveryStreamVersionId = description.GetProperty("VersionId").GetString(),
            DestinationId = destination.GetProperty("DestinationId").GetString(),
            AmazonOpenSearchServerlessDestinationUpdate = new { IndexName = "metrics-v2" },
        });
        oss = (await DescribeAsync(name)).GetProperty("Destinations")[0].GetProperty("AmazonOpenSearchServerlessDestinationDescription");
        Assert.Equal("metrics-v2", oss.GetProperty("IndexName").GetString());
        Assert.Equal("https://127.0.0.1:9/", oss.GetProperty("CollectionEndpoint").GetString());
    }

    [Fact]
    public async Task A_collection_destination_without_its_endpoint_must_be_refused()
    {
        var reply = await server.CallAsync("Firehose_20150804.CreateDeliveryStream", new
        {
            DeliveryStreamName = NewName("oss"),
            AmazonOpenSearchServerlessDestinationConfiguration = new
            {
                RoleARN = "arn:aws:iam::000000000000:role/firehose",
                IndexName = "metrics",
                S3Configuration = S3(NewName("oss")),
            },
        });
        reply.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.Contains("CollectionEndpoint", reply.Message);
    }
}
