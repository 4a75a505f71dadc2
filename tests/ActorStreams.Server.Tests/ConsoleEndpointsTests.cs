using System.Net;
using System.Text;
using System.Text.Json;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Shards;

namespace ActorStreams.Server.Tests;

/// <summary>The console's static files and its metrics resource over real HTTP (no browser).</summary>
public sealed class ConsoleEndpointsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Console_redirects_to_its_folder_and_serves_the_embedded_page_with_a_strict_script_policy()
    {
        using var noRedirect = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using var redirect = await noRedirect.GetAsync("/console");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/console/", redirect.Headers.Location?.OriginalString);

        using var page = await server.Http.GetAsync("/console/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script type=\"module\" src=\"js/app.js\"></script>", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", ""));
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());

        using var script = await server.Http.GetAsync("/console/js/pages/shardmap.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        var etag = script.Headers.ETag!;
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/console/js/pages/shardmap.js");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await server.Http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var missing = await server.Http.GetAsync("/console/js/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        // Never an empty error: the 404 carries the AWS error shape.
        Assert.Equal("UnknownOperationException", missing.Headers.GetValues("x-amzn-ErrorType").Single());
        using var config = await server.Http.GetAsync("/console/api/config");
        Assert.False(JsonDocument.Parse(await config.Content.ReadAsStringAsync()).RootElement.GetProperty("authEnabled").GetBoolean());
    }

    [Fact]
    public async Task Metrics_count_the_records_and_bytes_written_and_read_per_shard_and_the_throttled_writes()
    {
        var name = await server.CreateStreamAsync("console-metrics", shards: 2);
        // 1,500 records to shard 0 in one second: the shard takes 1,000 and refuses the rest, as Kinesis does.
        var accepted = 0;
        var failed = 0;
        for (var call = 0; call < 3; call++)
        {
            var records = Enumerable.Range(0, 500).Select(i => new
            {
                Data = Convert.ToBase64String(Encoding.UTF8.GetBytes($"r{call}-{i:D3}")), PartitionKey = "p", ExplicitHashKey = "0",
            }).ToArray();
            var reply = await server.OkAsync("PutRecords", new { StreamName = name, Records = records });
            failed += reply.GetProperty("FailedRecordCount").GetInt32();
            accepted += 500 - reply.GetProperty("FailedRecordCount").GetInt32();
        }
        Assert.True(failed > 0, "1,500 records within a second exceed one shard's 1,000 records/s");
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var read = (await server.OkAsync("GetRecords", new { ShardIterator = iterator, Limit = 100 })).GetProperty("Records").GetArrayLength();
        Assert.Equal(100, read);

        using var response = await server.Http.GetAsync($"/console/api/metrics?stream={name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var shard = json.GetProperty("Shards").EnumerateArray().Single(s => s.GetProperty("ShardId").GetString() == "shardId-000000000000");
        Assert.All(json.GetProperty("Shards").EnumerateArray(), s => Assert.Equal(name, s.GetProperty("StreamName").GetString()));
        var totals = shard.GetProperty("Totals");
        Assert.Equal(accepted, totals.GetProperty("IncomingRecords").GetInt64());
        // Each record: its data ("rN-NNN", 6 bytes) plus its partition key ("p"), as Kinesis counts a record's size.
        Assert.Equal(accepted * 7L, totals.GetProperty("IncomingBytes").GetInt64());
        Assert.Equal(failed, totals.GetProperty("WriteThrottled").GetInt64());
        Assert.Equal(100, totals.GetProperty("OutgoingRecords").GetInt64());
        Assert.Equal(700, totals.GetProperty("OutgoingBytes").GetInt64());
        Assert.Equal(0, totals.GetProperty("ReadThrottled").GetInt64());
        var perSecond = shard.GetProperty("PerSecond");
        Assert.Equal(json.GetProperty("WindowSeconds").GetInt32(), perSecond.GetProperty("IncomingRecords").GetArrayLength());
        Assert.Equal(accepted, perSecond.GetProperty("IncomingRecords").EnumerateArray().Sum(v => v.GetInt64()));
        Assert.True(shard.TryGetProperty("LastMillisBehindLatest", out _));
    }

    [Fact]
    public async Task Metrics_count_read_throttling()
    {
        var name = await server.CreateStreamAsync("console-read-throttle");
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = name, ShardId = "shardId-000000000000", ShardIteratorType = "LATEST" }))
            .GetProperty("ShardIterator").GetString();
        var throttled = 0;
        for (var i = 0; i < 8; i++)
        {
            var reply = await server.CallAsync("GetRecords", new { ShardIterator = iterator });
            if (reply.ErrorType == "ProvisionedThroughputExceededException") throttled++;
        }
        Assert.True(throttled > 0, "8 GetRecords calls in a row exceed 5 per second");
        using var response = await server.Http.GetAsync($"/console/api/metrics?stream={name}");
        var shard = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("Shards")[0];
        Assert.Equal(throttled, shard.GetProperty("Totals").GetProperty("ReadThrottled").GetInt64());
    }
}

/// <summary>With SigV4 on the metrics resource is signed like any Kinesis request; the page and its config are not data.</summary>
public sealed class ConsoleEndpointsAuthTests(AuthServerFixture server) : IClassFixture<AuthServerFixture>
{
    [Fact]
    public async Task Metrics_need_a_valid_signature_and_config_says_so()
    {
        using var plain = new HttpClient { BaseAddress = server.BaseAddress };
        using var unsigned = await plain.GetAsync("/console/api/metrics");
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        Assert.Equal("MissingAuthenticationTokenException",
            JsonDocument.Parse(await unsigned.Content.ReadAsStringAsync()).RootElement.GetProperty("__type").GetString());

        using var signed = await server.Http.GetAsync("/console/api/metrics?stream=x");
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);

        using var config = await plain.GetAsync("/console/api/config");
        Assert.True(JsonDocument.Parse(await config.Content.ReadAsStringAsync()).RootElement.GetProperty("authEnabled").GetBoolean());
        using var page = await plain.GetAsync("/console/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}
