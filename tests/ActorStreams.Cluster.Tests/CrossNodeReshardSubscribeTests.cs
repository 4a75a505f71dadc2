using System.Net;
using System.Numerics;
using System.Text;
using System.Text.Json;
using ActorStreams.TestSupport;
using Xunit.Abstractions;

namespace ActorStreams.Cluster.Tests;

/// <summary>
/// SubscribeToShard and resharding across the nodes of a three-node cluster. Three consumers subscribe to the same
/// shard, each through another node, so at least two subscriptions run on a node other than the shard's: their
/// catch-up reads, the shard's pushes and its end of shard all cross nodes. The shard is then split through another
/// node: every subscription must end with the two children, a put through yet another node must land in a child,
/// and GetRecords on the parent must read every record and then the children.
/// </summary>
[Collection(LocalCluster.Collection)]
public sealed class CrossNodeReshardSubscribeTests(ITestOutputHelper output)
{
    private const string StreamName = "crossnode";
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);

    [ClusterFact]
    public async Task Subscriptions_through_every_node_must_get_pushed_records_and_the_children_of_a_split_made_through_another_node()
    {
        await using var run = await ClusterTestRun.StartAsync(output, Budget);
        var (budget, cluster, http, nodes) = (run.Budget, run.Cluster, run.Http, run.Nodes);
        void Log(string line) => run.Log(line);
        using var streaming = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var subscriptions = new List<HttpResponseMessage>();
        try
        {
            await http.OkAsync(nodes[0], "CreateStream", new { StreamName, ShardCount = 1 }, budget.Token);
            string? streamArn = null;
            await Eventually.EventuallyAsync(async () =>
            {
                var summary = (await http.OkAsync(nodes[1], "DescribeStreamSummary", new { StreamName }, budget.Token)).GetProperty("StreamDescriptionSummary");
                streamArn = summary.GetProperty("StreamARN").GetString();
                return summary.GetProperty("StreamStatus").GetString() == "ACTIVE";
            }, "the stream to become ACTIVE", TimeSpan.FromSeconds(30), ClusterTestRun.PollInterval, budget.Token);

            var consumers = new string[3];
            for (var i = 0; i < 3; i++)
            {
                var registered = await http.OkAsync(nodes[1], "RegisterStreamConsumer", new { StreamARN = streamArn, ConsumerName = $"c{i + 1}" }, budget.Token);
                consumers[i] = registered.GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!;
            }
            foreach (var arn in consumers)
                await Eventually.EventuallyAsync(async () =>
                    (await http.OkAsync(nodes[2], "DescribeStreamConsumer", new { ConsumerARN = arn }, budget.Token))
                    .GetProperty("ConsumerDescription").GetProperty("ConsumerStatus").GetString() == "ACTIVE",
                    "a consumer to become ACTIVE", TimeSpan.FromSeconds(30), ClusterTestRun.PollInterval, budget.Token);

            var first = await PutAsync(http, nodes[2], ["before"], budget.Token);
            Assert.All(first, r => Assert.Equal("shardId-000000000000", r.ShardId));
            var host = 0;
            await Eventually.EventuallyAsync(() => ClusterFailoverTests.ShardHosts(cluster, StreamName).TryGetValue(0, out host),
                "the shard's start in a node log", TimeSpan.FromSeconds(10), ClusterTestRun.PollInterval, budget.Token);
            Log($"shardId-000000000000 runs on node {host}; consumer c1 subscribes through node 1, c2 through node 2, c3 through node 3");

            // Each consumer subscribes through another node, from the record already there: it reads it (across nodes
            // unless its node runs the shard), then attaches to the shard and gets what follows pushed.
            var readers = new EventStreamReader[3];
            for (var i = 0; i < 3; i++)
            {
                var response = await SubscribeAsync(streaming, nodes[i], consumers[i], first[0].SequenceNumber, budget.Token);
                subscriptions.Add(response);
                readers[i] = new EventStreamReader(await response.Content.ReadAsStreamAsync(budget.Token));
                var initial = await readers[i].ReadAsync(budget.Token).WaitAsync(EventTimeout, budget.Token);
                Assert.Equal("initial-response", initial?.EventType);
            }
            var seen = new List<string>[3];
            for (var i = 0; i < 3; i++) seen[i] = (await ReadUntilAsync(readers[i], 1, budget.Token)).Texts;

            var live = await PutAsync(http, nodes[2], ["live-0", "live-1", "live-2", "live-3", "live-4"], budget.Token);
            for (var i = 0; i < 3; i++)
            {
                seen[i].AddRange((await ReadUntilAsync(readers[i], live.Count, budget.Token)).Texts);
                Assert.Equal(["before", "live-0", "live-1", "live-2", "live-3", "live-4"], seen[i]);
            }
            Log("every subscription got the record it started at and the five put afterwards");

            // ---- every node's console lists every consumer's lag, whichever node runs its subscription ----
            for (var n = 0; n < 3; n++)
            {
                using var lagResponse = await streaming.GetAsync(new Uri(nodes[n], $"/console/api/consumers?stream={StreamName}"), budget.Token);
                Assert.Equal(HttpStatusCode.OK, lagResponse.StatusCode);
                var lag = JsonDocument.Parse(await lagResponse.Content.ReadAsStringAsync(budget.Token)).RootElement;
                Assert.Equal(3, lag.GetProperty("NodesAsked").GetInt32());
                Assert.Equal(3, lag.GetProperty("NodesAnswered").GetInt32());
                var byName = lag.GetProperty("Consumers").EnumerateArray().ToDictionary(c => c.GetProperty("Name").GetString()!);
                foreach (var name in new[] { "c1", "c2", "c3" })
                {
                    var shard = Assert.Single(byName[name].GetProperty("Shards").EnumerateArray());
                    Assert.Equal("shardId-000000000000", shard.GetProperty("ShardId").GetString());
                    Assert.True(shard.GetProperty("Active").GetBoolean(), $"{name}'s subscription runs");
                    Assert.Equal(0, shard.GetProperty("MillisBehindLatest").GetInt64()); // each has read everything put
                }
            }
            Log("the consumers table of every node lists the lag of all three subscriptions, each running on another node");

            // ---- split through node 2; every subscription ends with the children ----
            var middle = (BigInteger.One << 127).ToString();
            await http.OkAsync(nodes[1], "SplitShard",
                new { StreamName, ShardToSplit = "shardId-000000000000", NewStartingHashKey = middle }, budget.Token);
            await Eventually.EventuallyAsync(async () =>
                (await http.OkAsync(nodes[0], "DescribeStreamSummary", new { StreamName }, budget.Token))
                .GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString() == "ACTIVE",
                "the split to finish", TimeSpan.FromSeconds(60), ClusterTestRun.PollInterval, budget.Token);
            for (var i = 0; i < 3; i++)
            {
                var end = await ReadUntilAsync(readers[i], 0, budget.Token, untilChildren: true);
                Assert.Empty(end.Texts);
                Assert.Equal(["shardId-000000000001", "shardId-000000000002"], end.Children);
            }
            Log("every subscription ended with ChildShards shardId-000000000001 and shardId-000000000002");

            // ---- a put through node 1 with a key of the parent's range lands in a child ----
            var after = await PutAsync(http, nodes[0], ["after"], budget.Token);
            Assert.Equal("shardId-000000000001", after[0].ShardId);

            // ---- GetRecords on the closed parent through node 3 reads every record, then the children ----
            var (records, children) = await ReadClosedShardAsync(http, nodes[2], budget.Token);
            Assert.Equal(["before", "live-0", "live-1", "live-2", "live-3", "live-4"], records);
            Assert.Equal(["shardId-000000000001", "shardId-000000000002"], children);
            Log($"GetRecords on the parent read its 6 records and its children; the put after the split went to {after[0].ShardId}");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.LogTails()}", e);
        }
        finally
        {
            foreach (var response in subscriptions) response.Dispose();
        }
    }

    private static async Task<List<(string ShardId, string SequenceNumber)>> PutAsync(KinesisHttp http, Uri node, string[] texts,
        CancellationToken cancellationToken)
    {
        // Hash key 1: the lower half of the key space, so after the split the lower child, whichever node routes it.
        var reply = await http.OkAsync(node, "PutRecords", new
        {
            StreamName,
            Records = texts.Select(t => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(t)), PartitionKey = "pk", ExplicitHashKey = "1" }).ToArray(),
        }, cancellationToken);
        Assert.Equal(0, reply.GetProperty("FailedRecordCount").GetInt32());
        return reply.GetProperty("Records").EnumerateArray()
            .Select(r => (r.GetProperty("ShardId").GetString()!, r.GetProperty("SequenceNumber").GetString()!)).ToList();
    }

    private static async Task<HttpResponseMessage> SubscribeAsync(HttpClient client, Uri node, string consumerArn, string sequenceNumber,
        CancellationToken cancellationToken)
    {
        using var request = AwsJsonRequest.Create("SubscribeToShard", JsonSerializer.Serialize(new
        {
            ConsumerARN = consumerArn,
            ShardId = "shardId-000000000000",
            StartingPosition = new { Type = "AT_SEQUENCE_NUMBER", SequenceNumber = sequenceNumber },
        }), node);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new InvalidOperationException($"SubscribeToShard on {node}: HTTP {(int)response.StatusCode} {body}");
        }
        return response;
    }

    /// <summary>Reads SubscribeToShardEvents until <paramref name="count"/> records arrived (or, with <paramref name="untilChildren"/>, the children).</summary>
    private static async Task<(List<string> Texts, List<string> Children)> ReadUntilAsync(EventStreamReader reader, int count,
        CancellationToken cancellationToken, bool untilChildren = false)
    {
        var texts = new List<string>();
        while (true)
        {
            var message = await reader.ReadAsync(cancellationToken).WaitAsync(EventTimeout, cancellationToken);
            Assert.NotNull(message);
            Assert.True(message.MessageType == "event", $"{message.MessageType} {message.ExceptionType}: {message.PayloadText}");
            Assert.Equal("SubscribeToShardEvent", message.EventType);
            var e = JsonDocument.Parse(message.Payload).RootElement;
            texts.AddRange(e.GetProperty("Records").EnumerateArray().Select(r => Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64())));
            var children = e.GetProperty("ChildShards").EnumerateArray().Select(c => c.GetProperty("ShardId").GetString()!).Order(StringComparer.Ordinal).ToList();
            if (children.Count > 0)
            {
                Assert.True(untilChildren, $"the subscription ended (children {string.Join(", ", children)}) before {count} records arrived");
                Assert.False(e.TryGetProperty("ContinuationSequenceNumber", out _), "the last event of a closed shard has no continuation");
                return (texts, children);
            }
            if (!untilChildren && texts.Count >= count)
            {
                Assert.Equal(count, texts.Count);
                return (texts, children);
            }
        }
    }

    private static async Task<(List<string> Records, List<string> Children)> ReadClosedShardAsync(KinesisHttp http, Uri node, CancellationToken cancellationToken)
    {
        var iterator = (await http.OkAsync(node, "GetShardIterator",
            new { StreamName, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }, cancellationToken)).GetProperty("ShardIterator").GetString();
        var records = new List<string>();
        while (iterator is not null)
        {
            var page = await http.OkAsync(node, "GetRecords", new { ShardIterator = iterator }, cancellationToken);
            records.AddRange(page.GetProperty("Records").EnumerateArray().Select(r => Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64())));
            if (page.TryGetProperty("ChildShards", out var children) && children.GetArrayLength() > 0)
            {
                Assert.False(page.TryGetProperty("NextShardIterator", out var next) && next.ValueKind == JsonValueKind.String,
                    "a page with ChildShards ends the shard");
                return (records, children.EnumerateArray().Select(c => c.GetProperty("ShardId").GetString()!).Order(StringComparer.Ordinal).ToList());
            }
            iterator = page.GetProperty("NextShardIterator").GetString();
            await Task.Delay(220, cancellationToken); // 5 GetRecords calls per second per shard
        }
        throw new InvalidOperationException("the parent's iterator ended without ChildShards");
    }
}
