using System.Net;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>The shard estimator over HTTP: <c>GET</c> with a query string and <c>POST</c> with JSON, and its 400s.</summary>
public sealed class ShardEstimateEndpointTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string query)
    {
        using var response = await server.Http.GetAsync("/estimate-shards" + query);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string json)
    {
        using var response = await server.Http.PostAsync("/estimate-shards", new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string[] DecidedBy(JsonElement body) => body.GetProperty("DecidedBy").EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static void AssertInvalidArgument((HttpStatusCode Status, JsonElement Body) reply, string mentions)
    {
        Assert.True(reply.Status == HttpStatusCode.BadRequest, reply.Body.ToString());
        Assert.Equal("InvalidArgumentException", reply.Body.GetProperty("__type").GetString());
        Assert.Contains(mentions, reply.Body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task GET_estimates_1_KiB_at_2500_per_second_with_2_consumers_as_3_shards_decided_by_all_three_limits()
    {
        var (status, body) = await GetAsync("?averageRecordSizeKiB=1&recordsPerSecond=2500&consumers=2");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetProperty("Shards").GetInt32());
        var b = body.GetProperty("Breakdown");
        Assert.Equal(2500, b.GetProperty("IncomingKiBPerSecond").GetDouble());
        Assert.Equal(5000, b.GetProperty("OutgoingKiBPerSecond").GetDouble());
        Assert.Equal(3, b.GetProperty("ForWriteBytes").GetInt32());
        Assert.Equal(3, b.GetProperty("ForWriteRecords").GetInt32());
        Assert.Equal(3, b.GetProperty("ForReadBytes").GetInt32());
        Assert.Equal(["WriteBytes", "WriteRecords", "ReadBytes"], DecidedBy(body));
        Assert.Equal(2, body.GetProperty("Input").GetProperty("Consumers").GetInt32());
    }

    [Fact]
    public async Task POST_JSON_gives_the_same_answer_and_names_the_deciding_limit()
    {
        var (status, body) = await PostAsync("""{"AverageRecordSizeKiB": 100, "RecordsPerSecond": 50, "Consumers": 5}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(13, body.GetProperty("Shards").GetInt32());
        Assert.Equal(["ReadBytes"], DecidedBy(body));
        Assert.Equal(25000, body.GetProperty("Breakdown").GetProperty("OutgoingKiBPerSecond").GetDouble());
    }

    [Fact]
    public async Task Consumers_defaults_to_one_and_a_small_workload_still_gets_one_shard()
    {
        var (status, body) = await GetAsync("?averageRecordSizeKiB=0.5&recordsPerSecond=10");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("Shards").GetInt32());
        Assert.Equal(1, body.GetProperty("Input").GetProperty("Consumers").GetInt32());
        Assert.Equal(10, body.GetProperty("Breakdown").GetProperty("IncomingKiBPerSecond").GetDouble());
    }

    [Fact]
    public async Task Missing_malformed_and_out_of_range_inputs_are_400_InvalidArgumentException()
    {
        AssertInvalidArgument(await GetAsync("?recordsPerSecond=10"), "averageRecordSizeKiB is required");
        AssertInvalidArgument(await GetAsync("?averageRecordSizeKiB=abc&recordsPerSecond=10"), "averageRecordSizeKiB must be a number");
        AssertInvalidArgument(await GetAsync("?averageRecordSizeKiB=0&recordsPerSecond=10"), "averageRecordSizeKiB = 0");
        AssertInvalidArgument(await GetAsync("?averageRecordSizeKiB=2048&recordsPerSecond=10"), "at most 1024 KiB");
        AssertInvalidArgument(await GetAsync("?averageRecordSizeKiB=1&recordsPerSecond=-5"), "recordsPerSecond = -5");
        AssertInvalidArgument(await GetAsync("?averageRecordSizeKiB=1&recordsPerSecond=5&consumers=1.5"), "consumers must be a whole number");
        AssertInvalidArgument(await GetAsync("?averageRecordSizeKiB=1&recordsPerSecond=5&consumers=-1"), "consumers = -1");
        AssertInvalidArgument(await PostAsync("{\"averageRecordSizeKiB\": 1,"), "not valid JSON");
        AssertInvalidArgument(await PostAsync("[1, 2]"), "JSON object");
        AssertInvalidArgument(await PostAsync("""{"averageRecordSizeKiB": true, "recordsPerSecond": 1}"""), "averageRecordSizeKiB must be a number");
        AssertInvalidArgument(await PostAsync("{\"pad\": \"" + new string('x', 20_000) + "\"}"), "exceeds");
    }
}
