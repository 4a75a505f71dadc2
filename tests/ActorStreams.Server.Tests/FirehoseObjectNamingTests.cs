using System.Net;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// FileExtension and CustomTimeZone of ExtendedS3DestinationConfiguration through the wire protocol: delivered
/// objects named with them, both round-tripped by DescribeDeliveryStream and cleared by UpdateDestination with "",
/// and values off the model's patterns refused with ValidationException, unknown time zones with InvalidArgumentException.
/// </summary>
public sealed class FirehoseObjectNamingTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static object S3(string bucket, string? fileExtension, string? timeZone) => new
    {
        RoleARN = "arn:aws:iam::000000000000:role/firehose",
        BucketARN = $"arn:aws:s3:::{bucket}",
        BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 0 },
        CompressionFormat = "GZIP",
        FileExtension = fileExtension,
        CustomTimeZone = timeZone,
    };

    private Task<Dictionary<string, byte[]>> WaitForObjectsAsync(string bucket, Func<Dictionary<string, byte[]>, bool> done) =>
        DirectoryStore.WaitForObjectsAsync(Path.Combine(server.DataDir, "objects", bucket), bucket, done, TimeSpan.FromMinutes(1));

    private async Task<JsonElement> DescribeS3Async(string name) =>
        (await server.OkAsync("Firehose_20150804.DescribeDeliveryStream", new { DeliveryStreamName = name }))
        .GetProperty("DeliveryStreamDescription").GetProperty("Destinations")[0].GetProperty("ExtendedS3DestinationDescription");

    private Task PutAsync(string name, string text) =>
        server.OkAsync("Firehose_20150804.PutRecord", new { DeliveryStreamName = name, Record = new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) } });

    [Fact]
    public async Task Objects_must_get_the_file_extension_and_the_time_zone_until_an_update_clears_both()
    {
        var name = NewName("naming");
        var bucket = NewName("naming");
        await server.OkAsync("Firehose_20150804.CreateDeliveryStream",
            new { DeliveryStreamName = name, ExtendedS3DestinationConfiguration = S3(bucket, ".json", "Asia/Tokyo") });
        var described = await DescribeS3Async(name);
        Assert.Equal(".json", described.GetProperty("FileExtension").GetString());
        Assert.Equal("Asia/Tokyo", described.GetProperty("CustomTimeZone").GetString());

        var before = server.Clock.GetUtcNow();
        await PutAsync(name, "first\n");
        var first = Assert.Single(await WaitForObjectsAsync(bucket, o => o.Count == 1)).Key;
        var after = server.Clock.GetUtcNow();
        // The extension replaces GZIP's .gz; the hour is Tokyo's (9 hours ahead of UTC, so never UTC's).
        Assert.EndsWith(".json", first);
        Assert.Contains(new[] { before, after }, t => first.StartsWith(TimeZoneInfo.ConvertTime(t, Tokyo).ToString("yyyy'/'MM'/'dd'/'HH'/'"), StringComparison.Ordinal));

        var version = (await server.OkAsync("Firehose_20150804.DescribeDeliveryStream", new { DeliveryStreamName = name }))
            .GetProperty("DeliveryStreamDescription").GetProperty("VersionId").GetString();
        await server.OkAsync("Firehose_20150804.UpdateDestination", new
        {
            DeliveryStreamName = name,
            CurrentDeliveryStreamVersionId = version,
            DestinationId = "destinationId-000000000001",
            ExtendedS3DestinationUpdate = new { FileExtension = "", CustomTimeZone = "" },
        });
        described = await DescribeS3Async(name);
        Assert.False(described.TryGetProperty("FileExtension", out _));
        Assert.False(described.TryGetProperty("CustomTimeZone", out _));

        before = server.Clock.GetUtcNow();
        await PutAsync(name, "second\n");
        var second = (await WaitForObjectsAsync(bucket, o => o.Count == 2)).Keys.Single(k => k != first);
        after = server.Clock.GetUtcNow();
        Assert.EndsWith(".gz", second);
        Assert.Contains(new[] { before, after }, t => second.StartsWith(t.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HH'/'"), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("json", null, "ValidationException")]
    [InlineData(".JSON", null, "ValidationException")]
    [InlineData(".a/b", null, "ValidationException")]
    [InlineData(null, "Etc/GMT+9", "ValidationException")]
    [InlineData(null, "Mars/Olympus_Mons", "InvalidArgumentException")]
    public async Task A_file_extension_or_time_zone_AWS_would_refuse_must_be_refused_with_its_error_type(string? fileExtension, string? timeZone, string errorType)
    {
        var reply = await server.CallAsync("Firehose_20150804.CreateDeliveryStream",
            new { DeliveryStreamName = NewName("naming"), ExtendedS3DestinationConfiguration = S3(NewName("naming"), fileExtension, timeZone) });
        reply.AssertError(HttpStatusCode.BadRequest, errorType);
        Assert.Contains(fileExtension is null ? "ustomTimeZone" : "ileExtension", reply.Message);
    }
}
