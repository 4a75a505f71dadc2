using System.Text;
using System.Text.RegularExpressions;
using ActorStreams.Firehose;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// The S3 destination's FileExtension (replacing the default extension, the compression's included) and
/// CustomTimeZone (the times in object keys in an IANA time zone), delivered into the directory object store.
/// </summary>
public sealed class ObjectNamingOptionsSpec(ITestOutputHelper output) : FirehoseSpec(output)
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    private static ReadOnlyMemory<byte> Line(string text) => Encoding.UTF8.GetBytes(text + "\n");

    [Fact]
    public async Task A_file_extension_must_replace_the_compression_extension_of_delivered_objects()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, S3(bucket, compression: CompressionFormat.Gzip) with { FileExtension = ".json.gz" });
        await Firehose.PutRecordAsync(name, Line("{\"n\":1}"));

        var objects = await WaitForObjectsAsync(bucket, o => o.Count > 0);
        var key = Assert.Single(objects).Key;
        Assert.Matches(new Regex($@"/{Regex.Escape(name)}-1-\d{{4}}(-\d{{2}}){{5}}-[0-9a-f-]{{36}}\.json\.gz$"), key);
        Assert.Equal("{\"n\":1}\n", Content(objects, CompressionFormat.Gzip));
        Assert.Equal(".json.gz", ((ObjectStoreDestination)(await Firehose.DescribeDeliveryStreamAsync(name)).Destination).FileExtension);
    }

    [Fact]
    public async Task A_custom_time_zone_must_give_the_default_prefix_and_the_timestamp_expressions_its_local_time()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        var partitioned = UniqueBucket("bucket");
        await CreateAsync(name, S3(bucket) with { CustomTimeZone = "Asia/Tokyo" });
        var withExpression = UniqueName("fh");
        await CreateAsync(withExpression, S3(partitioned, prefix: "at=!{timestamp:yyyy-MM-dd-HH}/", errorPrefix: "errors/") with { CustomTimeZone = "Asia/Tokyo" });
        var before = Clock.GetUtcNow();
        await Firehose.PutRecordAsync(name, Line("a"));
        await Firehose.PutRecordAsync(withExpression, Line("b"));
        var plain = Assert.Single(await WaitForObjectsAsync(bucket, o => o.Count > 0)).Key;
        var expressed = Assert.Single(await WaitForObjectsAsync(partitioned, o => o.Count > 0)).Key;
        var after = Clock.GetUtcNow();

        // Tokyo is 9 hours ahead of UTC, without daylight saving: the hour differs from UTC's at every instant.
        var hours = new[] { before, after }.Select(t => TimeZoneInfo.ConvertTime(t, Tokyo).DateTime).ToList();
        Assert.Contains(hours, h => plain.StartsWith(h.ToString("yyyy'/'MM'/'dd'/'HH'/'") + name + "-1-" + h.ToString("yyyy-MM-dd-HH"), StringComparison.Ordinal));
        Assert.Contains(hours, h => expressed.StartsWith($"at={h:yyyy-MM-dd-HH}/{withExpression}-1-{h:yyyy-MM-dd-HH}", StringComparison.Ordinal));
        Assert.DoesNotContain(new[] { before, after }, t => plain.StartsWith(t.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HH'/'"), StringComparison.Ordinal));
        Assert.Equal("Asia/Tokyo", ((ObjectStoreDestination)(await Firehose.DescribeDeliveryStreamAsync(name)).Destination).CustomTimeZone);
    }

    [Fact]
    public async Task A_file_extension_off_the_pattern_or_an_unknown_time_zone_must_be_refused()
    {
        async Task<string> Refused(ObjectStoreDestination destination) =>
            (await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(UniqueName("fh"), destination))).Message;

        var bucket = UniqueBucket("bucket");
        Assert.Contains("FileExtension 'json'", await Refused(S3(bucket) with { FileExtension = "json" }));
        Assert.Contains("FileExtension '.JSON'", await Refused(S3(bucket) with { FileExtension = ".JSON" }));
        Assert.Contains("FileExtension '.a/b'", await Refused(S3(bucket) with { FileExtension = ".a/b" }));
        Assert.Contains("CustomTimeZone 'Mars/Olympus_Mons'", await Refused(S3(bucket) with { CustomTimeZone = "Mars/Olympus_Mons" }));
        Assert.Contains("CustomTimeZone 'EST'", await Refused(S3(bucket) with { CustomTimeZone = "EST" }));
    }
}
