using System.Net;
using System.Text.Json;

namespace ActorStreams.Server.Tests;

/// <summary>
/// Bodies of a megabyte and more carry their large <c>Data</c> blobs outside the parsed document (Protocol/LargeStrings):
/// what a client sees must not change, neither for records that are right nor for records that are wrong.
/// </summary>
public sealed class LargeBodyTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<List<byte[]>> ReadAllAsync(string stream)
    {
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var all = new List<byte[]>();
        for (var calls = 0; iterator is not null && calls < 20; calls++)
        {
            var page = await server.OkAsync("GetRecords", new { ShardIterator = iterator });
            foreach (var record in page.GetProperty("Records").EnumerateArray()) all.Add(record.GetProperty("Data").GetBytesFromBase64());
            if (page.GetProperty("Records").GetArrayLength() == 0 && page.GetProperty("MillisBehindLatest").GetInt64() == 0) break;
            iterator = page.GetProperty("NextShardIterator").GetString();
        }
        return all;
    }

    [Fact]
    public async Task Records_of_a_large_PutRecords_and_of_a_large_PutRecord_are_stored_byte_for_byte()
    {
        // Each under its shard's 1 MiB a second: two streams.
        var stream = await server.CreateStreamAsync("large-body", 1);
        var other = await server.CreateStreamAsync("large-single", 1);
        var random = new Random(7);
        var records = Enumerable.Range(0, 3).Select(i =>
        {
            var data = new byte[300 * 1024 + i];
            random.NextBytes(data);
            return data;
        }).ToList();
        // A small record between the large ones stays in the document as it is.
        records.Insert(1, [1, 2, 3]);

        var put = await server.OkAsync("PutRecords", new
        {
            StreamName = stream,
            Records = records.Select((r, i) => new { Data = Convert.ToBase64String(r), PartitionKey = "k" + i }).ToArray(),
        });
        Assert.Equal(0, put.GetProperty("FailedRecordCount").GetInt32());
        var single = new byte[1024 * 1024 - 1];
        random.NextBytes(single);
        await server.OkAsync("PutRecord", new { StreamName = other, PartitionKey = "k", Data = Convert.ToBase64String(single) });

        Assert.Equal(records.Select(Convert.ToHexString), (await ReadAllAsync(stream)).Select(Convert.ToHexString));
        Assert.Equal(Convert.ToHexString(single), Convert.ToHexString(Assert.Single(await ReadAllAsync(other))));
    }

    [Fact]
    public async Task A_large_blob_that_is_not_base64_is_quoted_whole_in_the_SerializationException()
    {
        var text = new string('A', 1_500_000) + "!AAA";
        var reply = await server.CallAsync("PutRecord", new { StreamName = "any", PartitionKey = "k", Data = text });

        reply.AssertError(HttpStatusCode.BadRequest, "SerializationException");
        Assert.Equal($"'{text}' can not be converted to a Blob: Invalid Base64 character: '!'", reply.Message);
    }

    [Fact]
    public async Task A_record_over_the_streams_size_in_a_large_body_is_refused_with_its_true_length()
    {
        var stream = await server.CreateStreamAsync("large-over", 1);
        var data = Convert.ToBase64String(new byte[1024 * 1024 + 10]);

        var reply = await server.CallAsync("PutRecord", new { StreamName = stream, PartitionKey = "k", Data = data });

        reply.AssertError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.Empty(await ReadAllAsync(stream));
    }

    [Fact]
    public async Task A_client_cannot_name_a_blob_it_did_not_send()
    {
        var stream = await server.CreateStreamAsync("large-forged", 1);
        var big = Convert.ToBase64String(new byte[400 * 1024]);
        // What a placeholder looks like, without the server's random token: a string like any other, and not base64.
        var body = JsonSerializer.Serialize(new
        {
            StreamName = stream,
            Records = new object[]
            {
                new { Data = big, PartitionKey = "a" },
                new { Data = big, PartitionKey = "b" },
                new { Data = "\u0000as-blob-0", PartitionKey = "c" },
            },
        });

        var reply = await server.CallAsync("PutRecords", body);

        reply.AssertError(HttpStatusCode.BadRequest, "SerializationException");
        Assert.Contains("can not be converted to a Blob", reply.Message);
        Assert.Empty(await ReadAllAsync(stream));
    }
}
