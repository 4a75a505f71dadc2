using System.Text;
using System.Text.Json;
using ActorStreams.Dsl;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Aggregation;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorStreams.Server.Tests;

/// <summary>
/// KPL aggregation against the reference Node.js library, <c>aws-kinesis-agg</c> (tests/js/kpl-aggregation.mjs):
/// its aggregates, put with the JavaScript SDK, come back through the C# de-aggregating source, it reads the
/// aggregates the C# codec writes, and the C# codec reads the ones it writes.
/// </summary>
public sealed class KplAggregationTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static async Task<string> NodeAsync(params string[] args)
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!, ["kpl-aggregation.mjs", .. args], Timeout);
        Assert.True(code == 0, $"node kpl-aggregation.mjs {string.Join(' ', args)} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        return stdout;
    }

    private static List<PutRecordsEntry> UserRecords(int count) =>
        Enumerable.Range(0, count)
            .Select(i => new PutRecordsEntry(Encoding.UTF8.GetBytes($"user record {i} {new string('x', i % 50)}"), $"key-{i % 7}",
                i % 5 == 0 ? $"{i * 1_000_003}" : null))
            .ToList();

    [JavaScriptSdkFact]
    public async Task Aggregates_made_by_aws_kinesis_agg_and_put_with_the_JavaScript_SDK_come_back_once_in_order_per_key_through_the_Deaggregate_flow()
    {
        const int count = 3_000;
        var stream = await server.CreateStreamAsync("kpl", shards: 2);
        var endpoint = server.BaseAddress.ToString().TrimEnd('/');

        var summary = JsonDocument.Parse(await NodeAsync("put", endpoint, stream, $"{count}", "20")).RootElement;
        var aggregates = summary.GetProperty("aggregates").GetInt32();
        Assert.InRange(aggregates, 2, count / 100);

        var system = server.Services.GetRequiredService<ActorSystem>();
        var (control, read) = KinesisSource.Stream(system, stream, StartingPosition.TrimHorizon)
            .Via(KinesisAggregation.Deaggregate())
            .Take(count)
            .ToMaterialized(Sink.Seq<UserRecord>(), Keep.Both)
            .Run(system.Materializer());
        var users = await read.WaitAsync(Timeout);
        await control.Completion.WaitAsync(Timeout);

        var numbers = users.Select(u => int.Parse(Encoding.UTF8.GetString(u.Data.Span)["record ".Length..])).ToList();
        Assert.Equal(Enumerable.Range(0, count), numbers.Order());
        Assert.All(users, u => Assert.True(u.Aggregated));
        foreach (var key in users.GroupBy(u => u.PartitionKey))
        {
            var inKey = key.Select(u => int.Parse(Encoding.UTF8.GetString(u.Data.Span)["record ".Length..])).ToList();
            Assert.Equal(inKey.Order(), inKey);
            Assert.All(inKey, n => Assert.Equal(key.Key, $"key-{n % 20}"));
        }
        // Sub-sequence numbers count the user records of each aggregate from 0.
        foreach (var aggregate in users.GroupBy(u => (u.ShardId, u.SequenceNumber)))
            Assert.Equal(Enumerable.Range(0, aggregate.Count()).Select(i => (long)i), aggregate.Select(u => u.SubSequenceNumber));
        Assert.Equal(aggregates, users.Select(u => (u.ShardId, u.SequenceNumber)).Distinct().Count());
    }

    [JavaScriptSdkFact]
    public async Task Aggregates_made_by_aws_kinesis_agg_decode_to_the_records_it_was_given()
    {
        var entries = UserRecords(2_000);
        var input = Path.Combine(server.DataDir, $"kpl-in-{Guid.NewGuid():N}.json");
        var output = Path.Combine(server.DataDir, $"kpl-out-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(input, JsonSerializer.Serialize(entries.Select(e =>
            new { partitionKey = e.PartitionKey, explicitHashKey = e.ExplicitHashKey, data = Convert.ToBase64String(e.Data.Span) })));

        await NodeAsync("encode", input, output);

        var encoded = JsonDocument.Parse(await File.ReadAllTextAsync(output)).RootElement.EnumerateArray().ToList();
        Assert.NotEmpty(encoded);
        var users = encoded
            .Select((e, i) => new StreamRecord(new StreamShardId(0), $"{i + 1}", DateTimeOffset.UnixEpoch,
                Convert.FromBase64String(e.GetProperty("data").GetString()!), e.GetProperty("partitionKey").GetString()!))
            .SelectMany(KplAggregate.Deaggregate)
            .ToList();
        Assert.Equal(entries.Count, users.Count);
        Assert.All(users, u => Assert.True(u.Aggregated));
        Assert.Equal(entries.Select(e => (e.PartitionKey, e.ExplicitHashKey, Convert.ToBase64String(e.Data.Span))),
            users.Select(u => (u.PartitionKey, u.ExplicitHashKey, Convert.ToBase64String(u.Data.Span))));
    }

    [JavaScriptSdkFact]
    public async Task The_aggregates_of_the_CSharp_codec_decode_with_aws_kinesis_agg_checksums_checked()
    {
        var entries = UserRecords(500);
        var aggregates = new[] { entries[..200], entries[200..] }.Select(part => KplAggregate.Encode(part)).ToList();
        var input = Path.Combine(server.DataDir, $"kpl-agg-{Guid.NewGuid():N}.json");
        var output = Path.Combine(server.DataDir, $"kpl-dec-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(input, JsonSerializer.Serialize(aggregates.Select(Convert.ToBase64String)));

        await NodeAsync("decode", input, output);

        var decoded = JsonDocument.Parse(await File.ReadAllTextAsync(output)).RootElement.EnumerateArray()
            .SelectMany(aggregate => aggregate.EnumerateArray())
            .ToList();
        Assert.Equal(entries.Count, decoded.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            Assert.Equal(entries[i].PartitionKey, decoded[i].GetProperty("partitionKey").GetString());
            Assert.Equal(Convert.ToBase64String(entries[i].Data.Span), decoded[i].GetProperty("data").GetString());
            Assert.Equal(i < 200 ? i : i - 200, decoded[i].GetProperty("subSequenceNumber").GetInt32());
            // aws-kinesis-agg reads an absent explicit_hash_key_index as 0, so only a record that has one is compared.
            if (entries[i].ExplicitHashKey is { } hashKey)
                Assert.Equal(hashKey, decoded[i].GetProperty("explicitHashKey").GetString());
        }
    }
}
