using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// UpdateMaxRecordSize and MaxRecordSizeInKiB on CreateStream over HTTP: records of up to 10 MiB written and read
/// back byte for byte, the shard's write limit taking a large record as a burst and then throttling, the size
/// reported by DescribeStreamSummary, and AWS's errors.
/// </summary>
public sealed class MaxRecordSizeTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int MiB = 1024 * 1024;
    private const string Shard0 = "shardId-000000000000";

    [Fact]
    public async Task A_stream_raised_to_10_MiB_takes_and_returns_records_up_to_that_size_and_throttles_after_the_burst()
    {
        var stream = await server.CreateStreamAsync("large");
        var arn = (await SummaryAsync(stream)).GetProperty("StreamARN").GetString();
        Assert.Equal(1024, (await SummaryAsync(stream)).GetProperty("MaxRecordSizeInKiB").GetInt32());
        var tooLarge = await PutAsync(stream, RandomNumberGenerator.GetBytes(2 * MiB));
        tooLarge.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("more than the stream's maximum record size of 1048576 bytes", tooLarge.Message);

        Assert.Equal(HttpStatusCode.OK, (await server.CallAsync("UpdateMaxRecordSize", new { StreamARN = arn, MaxRecordSizeInKiB = 10240 })).Status);
        Assert.Equal(10240, (await SummaryAsync(stream)).GetProperty("MaxRecordSizeInKiB").GetInt32());

        // Data plus the one-byte partition key: exactly 10 MiB, the largest record there is.
        var largest = RandomNumberGenerator.GetBytes(10 * MiB - 1);
        var put = await PutAsync(stream, largest);
        Assert.Equal(HttpStatusCode.OK, put.Status);
        // The shard's 1 MiB/s took it as a burst; now it is in debt and throttles until that is paid off.
        (await PutAsync(stream, [1, 2, 3])).AssertError(HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException");
        server.Clock.Advance(TimeSpan.FromSeconds(11));
        var five = RandomNumberGenerator.GetBytes(5 * MiB);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(stream, five)).Status);
        // 10 MiB of data plus its key is over the stream's 10 MiB: refused, however the shard stands.
        (await PutAsync(stream, RandomNumberGenerator.GetBytes(10 * MiB))).AssertError(HttpStatusCode.BadRequest, "ValidationException");

        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = Shard0, ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var first = await server.OkAsync("GetRecords", new { ShardIterator = iterator });
        // One 10 MiB record fills a GetRecords call (10 MiB at most): the 5 MiB one comes with the next.
        var record = Assert.Single(first.GetProperty("Records").EnumerateArray());
        Assert.Equal(put.Json.GetProperty("SequenceNumber").GetString(), record.GetProperty("SequenceNumber").GetString());
        Assert.Equal(SHA256.HashData(largest), SHA256.HashData(record.GetProperty("Data").GetBytesFromBase64()));
        server.Clock.Advance(TimeSpan.FromSeconds(11)); // the 10 MiB read throttles the shard's reads for a while too
        var second = await server.OkAsync("GetRecords", new { ShardIterator = first.GetProperty("NextShardIterator").GetString() });
        Assert.Equal(SHA256.HashData(five), SHA256.HashData(Assert.Single(second.GetProperty("Records").EnumerateArray()).GetProperty("Data").GetBytesFromBase64()));
    }

    [Fact]
    public async Task CreateStream_takes_MaxRecordSizeInKiB_and_PutRecords_holds_each_entry_to_it()
    {
        var stream = $"large-created-{Guid.NewGuid():N}";
        await server.OkAsync("CreateStream", new { StreamName = stream, ShardCount = 2, MaxRecordSizeInKiB = 3072 });
        Assert.Equal(3072, (await SummaryAsync(stream)).GetProperty("MaxRecordSizeInKiB").GetInt32());
        var three = RandomNumberGenerator.GetBytes(3 * MiB - 1);
        var accepted = await server.OkAsync("PutRecords", new
        {
            StreamName = stream,
            Records = new[] { new { Data = Convert.ToBase64String(three), PartitionKey = "k", ExplicitHashKey = "0" } },
        });
        Assert.Equal(0, accepted.GetProperty("FailedRecordCount").GetInt32());
        var refused = await server.CallAsync("PutRecords", new
        {
            StreamName = stream,
            Records = new[]
            {
                new { Data = "AA==", PartitionKey = "k", ExplicitHashKey = "0" },
                new { Data = Convert.ToBase64String(RandomNumberGenerator.GetBytes(3 * MiB)), PartitionKey = "k", ExplicitHashKey = "0" },
            },
        });
        refused.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("'records.2.member.data'", refused.Message);
        Assert.Contains("more than the stream's maximum record size of 3145728 bytes", refused.Message);
    }

    [Fact]
    public async Task Bad_requests_are_answered_as_AWS_does()
    {
        var stream = await server.CreateStreamAsync("large-errors");
        var arn = (await SummaryAsync(stream)).GetProperty("StreamARN").GetString()!;
        var low = await server.CallAsync("UpdateMaxRecordSize", new { StreamARN = arn, MaxRecordSizeInKiB = 1023 });
        low.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("Member must have value greater than or equal to 1024", low.Message);
        var high = await server.CallAsync("UpdateMaxRecordSize", new { StreamARN = arn, MaxRecordSizeInKiB = 10241 });
        high.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains("Member must have value less than or equal to 10240", high.Message);
        (await server.CallAsync("CreateStream", new { StreamName = stream + "-x", ShardCount = 1, MaxRecordSizeInKiB = 20000 }))
            .AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UpdateMaxRecordSize", new { MaxRecordSizeInKiB = 2048 })).AssertError(HttpStatusCode.BadRequest, "ValidationException");
        (await server.CallAsync("UpdateMaxRecordSize", new { StreamARN = arn })).AssertError(HttpStatusCode.BadRequest, "ValidationException");
        var missing = await server.CallAsync("UpdateMaxRecordSize", new { StreamARN = arn + "-gone", MaxRecordSizeInKiB = 2048 });
        missing.AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        Assert.Equal($"Stream {stream}-gone under account 000000000000 not found.", missing.Message);
    }

    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_round_trips_5_and_10_MiB_records()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();
        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["max-record-size.mjs", endpoint], TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"node max-record-size.mjs {endpoint} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }

    private Task<KinesisReply> PutAsync(string stream, byte[] data) =>
        server.CallAsync("PutRecord", new { StreamName = stream, PartitionKey = "k", Data = Convert.ToBase64String(data) });

    private async Task<JsonElement> SummaryAsync(string stream) =>
        (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary");
}

/// <summary>UpdateMaxRecordSize with state delays on: the stream is UPDATING for the update delay, as after other updates.</summary>
public sealed class MaxRecordSizeStateTests(StateDelayServerFixture server) : IClassFixture<StateDelayServerFixture>
{
    [Fact]
    public async Task UpdateMaxRecordSize_makes_the_stream_UPDATING_and_a_change_meanwhile_is_ResourceInUse()
    {
        var stream = await server.CreateStreamAsync("large-state");
        server.Clock.Advance(StateDelayServerFixture.Delay);
        await Eventually.EventuallyAsync(async () => Assert.Equal("ACTIVE", await StatusAsync(stream)), TimeSpan.FromSeconds(15));
        var arn = $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}";

        Assert.Equal(HttpStatusCode.OK, (await server.CallAsync("UpdateMaxRecordSize", new { StreamARN = arn, MaxRecordSizeInKiB = 4096 })).Status);
        Assert.Equal("UPDATING", await StatusAsync(stream));
        var busy = await server.CallAsync("UpdateMaxRecordSize", new { StreamARN = arn, MaxRecordSizeInKiB = 2048 });
        busy.AssertError(HttpStatusCode.BadRequest, "ResourceInUseException");
        Assert.Equal($"Stream {stream} under account 000000000000 not ACTIVE, instead in state UPDATING", busy.Message);

        server.Clock.Advance(StateDelayServerFixture.Delay);
        Assert.Equal("ACTIVE", await StatusAsync(stream));
        Assert.Equal(HttpStatusCode.OK, (await server.CallAsync("UpdateMaxRecordSize", new { StreamARN = arn, MaxRecordSizeInKiB = 2048 })).Status);
    }

    private async Task<string?> StatusAsync(string stream) =>
        (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString();
}
