using System.Numerics;
using System.Text;
using System.Text.Json;
using ActorStreams.TestSupport;
using Xunit.Abstractions;

namespace ActorStreams.Cluster.Tests;

/// <summary>
/// Firehose on a three-node cluster: a DirectPut delivery stream created through node 1 takes PutRecordBatch through
/// nodes 2 and 3 (its entity runs on one node, so at least two of the three talk to it across nodes, through the
/// binary wire formats), and delivers every record to the directory store of the node that runs it. A
/// KinesisStreamAsSource delivery stream created through node 2 reads a stream written through node 3 and split
/// through node 1 (its consumer application, the stream's shards and the delivery stream may each run on another
/// node) and delivers every record, each key's in the order written. Describe, List and Delete go through yet other nodes.
/// When the node running a KinesisStreamAsSource delivery stream is killed, the entity restarts on a survivor and
/// resumes from the application's checkpoints: nothing lost, keys in order (redeliveries allowed).
/// </summary>
[Collection(LocalCluster.Collection)]
public sealed class FirehoseClusterTests(ITestOutputHelper output)
{
    private const string Firehose = AwsJsonRequest.Firehose;
    private const string RoleArn = "arn:aws:iam::000000000000:role/firehose";
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    private static object S3(string bucket) => new
    {
        BucketARN = "arn:aws:s3:::" + bucket,
        RoleARN = RoleArn,
        BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 0 },
    };

    [ClusterFact]
    public async Task Delivery_streams_must_take_requests_through_every_node_and_deliver_every_record()
    {
        await using var run = await ClusterTestRun.StartAsync(output, Budget);
        var (budget, cluster, http, nodes) = (run.Budget, run.Cluster, run.Http, run.Nodes);
        void Log(string line) => run.Log(line);
        try
        {
            // ---- DirectPut: create through node 1, PutRecordBatch through nodes 2 and 3 ----
            await http.OkAsync(nodes[0], Firehose + "CreateDeliveryStream", new
            {
                DeliveryStreamName = "direct",
                DeliveryStreamType = "DirectPut",
                ExtendedS3DestinationConfiguration = S3("direct-bucket"),
            }, budget.Token);
            // CREATING for the server's state delay (as in Firehose), then ACTIVE.
            await Eventually.EventuallyAsync(async () =>
                (await http.OkAsync(nodes[1], Firehose + "DescribeDeliveryStream", new { DeliveryStreamName = "direct" }, budget.Token))
                .GetProperty("DeliveryStreamDescription").GetProperty("DeliveryStreamStatus").GetString() == "ACTIVE",
                "the delivery stream to become ACTIVE", TimeSpan.FromSeconds(30), ClusterTestRun.PollInterval, budget.Token);
            var sent = new List<string>();
            for (var batch = 0; batch < 10; batch++)
            {
                var node = batch % 2 == 0 ? 2 : 3;
                var records = Enumerable.Range(0, 100).Select(i => $"node{node}-batch{batch}-{i}").ToList();
                var reply = await http.OkAsync(nodes[node - 1], Firehose + "PutRecordBatch", new
                {
                    DeliveryStreamName = "direct",
                    Records = records.Select(r => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(r + "\n")) }).ToArray(),
                }, budget.Token);
                Assert.Equal(0, reply.GetProperty("FailedPutCount").GetInt32());
                Assert.Equal(records.Count, reply.GetProperty("RequestResponses").GetArrayLength());
                sent.AddRange(records);
            }
            var description = (await http.OkAsync(nodes[2], Firehose + "DescribeDeliveryStream", new { DeliveryStreamName = "direct" }, budget.Token))
                .GetProperty("DeliveryStreamDescription");
            Assert.Equal("ACTIVE", description.GetProperty("DeliveryStreamStatus").GetString());
            Assert.Equal("arn:aws:s3:::direct-bucket",
                description.GetProperty("Destinations")[0].GetProperty("ExtendedS3DestinationDescription").GetProperty("BucketARN").GetString());

            var delivered = await WaitForRecordsAsync(cluster, "direct-bucket", sent, budget.Token);
            Assert.Equal(sent.Order(StringComparer.Ordinal), delivered.Distinct().Order(StringComparer.Ordinal));
            Log($"DirectPut: {sent.Count} records put through nodes 2 and 3, {delivered.Count} delivered by node(s) {string.Join(", ", HostsOf(cluster, "direct-bucket"))}");

            // ---- KinesisStreamAsSource: stream through node 1, delivery stream through node 2, records through node 3 ----
            await http.OkAsync(nodes[0], "CreateStream", new { StreamName = "fhsource", ShardCount = 2 }, budget.Token);
            var streamArn = await WaitActiveAsync(http, nodes[1], "fhsource", budget.Token);
            await http.OkAsync(nodes[1], Firehose + "CreateDeliveryStream", new
            {
                DeliveryStreamName = "fromstream",
                DeliveryStreamType = "KinesisStreamAsSource",
                KinesisStreamSourceConfiguration = new { KinesisStreamARN = streamArn, RoleARN = RoleArn },
                ExtendedS3DestinationConfiguration = S3("stream-bucket"),
            }, budget.Token);
            var written = new List<string>();
            for (var round = 0; round < 10; round++) written.AddRange(await PutRoundAsync(http, nodes[2], round, budget.Token));
            await http.OkAsync(nodes[0], "SplitShard", new
            {
                StreamName = "fhsource",
                ShardToSplit = "shardId-000000000000",
                NewStartingHashKey = BigInteger.Pow(2, 126).ToString(),
            }, budget.Token);
            await WaitActiveAsync(http, nodes[0], "fhsource", budget.Token);
            for (var round = 10; round < 20; round++) written.AddRange(await PutRoundAsync(http, nodes[1], round, budget.Token));

            var fromStream = await WaitForRecordsAsync(cluster, "stream-bucket", written, budget.Token);
            Assert.DoesNotContain(fromStream, r => !written.Contains(r));
            AssertKeyOrder(fromStream);
            Log($"KinesisStreamAsSource: {written.Count} records written across a split, {fromStream.Count} delivered by node(s) "
                + string.Join(", ", HostsOf(cluster, "stream-bucket")));

            // ---- List through node 2, Delete through node 3, List again through node 1 ----
            var listed = await http.OkAsync(nodes[1], Firehose + "ListDeliveryStreams", new { }, budget.Token);
            Assert.Equal(["direct", "fromstream"], listed.GetProperty("DeliveryStreamNames").EnumerateArray().Select(e => e.GetString()!).Order());
            await http.OkAsync(nodes[2], Firehose + "DeleteDeliveryStream", new { DeliveryStreamName = "direct" }, budget.Token);
            listed = await http.OkAsync(nodes[0], Firehose + "ListDeliveryStreams", new { }, budget.Token);
            Assert.Equal(["fromstream"], listed.GetProperty("DeliveryStreamNames").EnumerateArray().Select(e => e.GetString()!));
            // DELETING for the server's state delay, then gone.
            await Eventually.EventuallyAsync(async () =>
            {
                var (status, error) = await http.CallAsync(nodes[1], Firehose + "DescribeDeliveryStream", new { DeliveryStreamName = "direct" },
                    TimeSpan.FromSeconds(30), budget.Token);
                return (int)status == 400 && error.GetProperty("__type").GetString() == "ResourceNotFoundException";
            }, "the deleted delivery stream to be gone", TimeSpan.FromSeconds(30), ClusterTestRun.PollInterval, budget.Token);
        }
        catch
        {
            output.WriteLine(cluster.LogTails(60));
            throw;
        }
    }

    [ClusterFact]
    public async Task A_KinesisStreamAsSource_delivery_stream_must_resume_on_another_node_when_its_node_is_killed()
    {
        await using var run = await ClusterTestRun.StartAsync(output, Budget);
        var (budget, cluster, http, nodes) = (run.Budget, run.Cluster, run.Http, run.Nodes);
        void Log(string line) => run.Log(line);
        try
        {
            await http.OkAsync(nodes[0], "CreateStream", new { StreamName = "fhsource", ShardCount = 3 }, budget.Token);
            var streamArn = await WaitActiveAsync(http, nodes[0], "fhsource", budget.Token);
            await http.OkAsync(nodes[0], Firehose + "CreateDeliveryStream", new
            {
                DeliveryStreamName = "failover",
                DeliveryStreamType = "KinesisStreamAsSource",
                KinesisStreamSourceConfiguration = new { KinesisStreamARN = streamArn, RoleARN = RoleArn },
                ExtendedS3DestinationConfiguration = S3("failover-bucket"),
            }, budget.Token);
            var written = new List<string>();
            for (var round = 0; round < 10; round++) written.AddRange(await PutRoundAsync(http, nodes[round % 3], round, budget.Token));
            await WaitForRecordsAsync(cluster, "failover-bucket", written, budget.Token);
            var victim = HostsOf(cluster, "failover-bucket").Single();
            var survivors = nodes.Where((_, i) => i + 1 != victim).ToArray();
            Log($"the delivery stream runs on node {victim}; killing it");

            await cluster.KillAsync(victim, budget.Token);
            // Written while the delivery stream (and perhaps shards of the stream) move: retried until acknowledged.
            for (var round = 10; round < 20; round++)
                written.AddRange(await PutRoundWithRetriesAsync(http, survivors[round % 2], round, budget.Token));
            var delivered = await WaitForRecordsAsync(cluster, "failover-bucket", written, budget.Token);
            Assert.DoesNotContain(delivered, r => !written.Contains(r));
            AssertKeyOrder(delivered);
            var hosts = HostsOf(cluster, "failover-bucket").ToList();
            Log($"{written.Count} records written, {delivered.Count} delivered ({delivered.Count - delivered.Distinct().Count()} repeated) by node(s) "
                + string.Join(", ", hosts));
            Assert.True(hosts.Count == 2, "after the kill another node delivers");
        }
        catch
        {
            output.WriteLine(cluster.LogTails(60));
            throw;
        }
    }

    private static async Task<List<string>> PutRoundWithRetriesAsync(KinesisHttp http, Uri node, int round, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await PutRoundAsync(http, node, round, cancellationToken);
            }
            catch (Exception) when (attempt < 60 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    private static async Task<List<string>> PutRoundAsync(KinesisHttp http, Uri node, int round, CancellationToken cancellationToken)
    {
        var records = Enumerable.Range(0, 8).Select(k => (Key: $"key-{k}", Text: $"key-{k}:{round}")).ToList();
        var reply = await http.OkAsync(node, "PutRecords", new
        {
            StreamName = "fhsource",
            Records = records.Select(r => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(r.Text + "\n")), PartitionKey = r.Key }).ToArray(),
        }, cancellationToken);
        Assert.Equal(0, reply.GetProperty("FailedRecordCount").GetInt32());
        return records.Select(r => r.Text).ToList();
    }

    private static async Task<string> WaitActiveAsync(KinesisHttp http, Uri node, string stream, CancellationToken cancellationToken)
    {
        string? arn = null;
        await Eventually.EventuallyAsync(async () =>
        {
            var summary = (await http.OkAsync(node, "DescribeStreamSummary", new { StreamName = stream }, cancellationToken)).GetProperty("StreamDescriptionSummary");
            arn = summary.GetProperty("StreamARN").GetString();
            return summary.GetProperty("StreamStatus").GetString() == "ACTIVE";
        }, $"stream {stream} to become ACTIVE", TimeSpan.FromSeconds(60), ClusterTestRun.PollInterval, cancellationToken);
        return arn!;
    }

    /// <summary>Waits until every record is in the bucket; returns its records in delivery order (objects by write time).</summary>
    private static async Task<List<string>> WaitForRecordsAsync(LocalCluster cluster, string bucket, IReadOnlyCollection<string> expected,
        CancellationToken cancellationToken)
    {
        var want = expected.ToHashSet();
        List<string> records = [];
        await Eventually.EventuallyAsync(() =>
        {
            records = cluster.ObjectFiles(bucket).OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.FullName, StringComparer.Ordinal)
                .SelectMany(f => File.ReadAllText(f.FullName).Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
            return Task.FromResult(want.IsSubsetOf(records));
        }, $"every record in bucket {bucket}", TimeSpan.FromSeconds(90), ClusterTestRun.PollInterval, cancellationToken);
        return records;
    }

    private static IEnumerable<int> HostsOf(LocalCluster cluster, string bucket) =>
        cluster.ObjectFiles(bucket).Select(f => int.Parse(f.FullName.Split(Path.DirectorySeparatorChar).First(p => p.StartsWith("node", StringComparison.Ordinal))[4..]))
            .Distinct().Order();

    /// <summary>Per key, each record is the next of its key or a repeat of an earlier one: never ahead of one not yet delivered.</summary>
    private static void AssertKeyOrder(List<string> delivered)
    {
        var next = new Dictionary<string, int>();
        foreach (var record in delivered)
        {
            var parts = record.Split(':');
            var round = int.Parse(parts[1]);
            var expected = next.GetValueOrDefault(parts[0]);
            Assert.True(round <= expected, $"{parts[0]}: round {round} delivered when round {expected} was next");
            if (round == expected) next[parts[0]] = expected + 1;
        }
    }
}
