using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Cluster.Tests;

/// <summary>A record the cluster acknowledged: the producer's counter, its sequence number, when the ack came and from which node.</summary>
public sealed record Ack(long Counter, string SequenceNumber, TimeSpan At, Uri? Node = null);

/// <summary>A request that failed: no answer in time, no connection, or an error answer.</summary>
public sealed record RequestFailure(TimeSpan At, Uri Node, string Reason);

/// <summary>
/// Writes to one Kinesis shard (by ExplicitHashKey) through PutRecords as fast as the answers come, one request at a
/// time, round-robin over the nodes it is allowed to use. A failed request is retried with the same records on the
/// next node; throttled or failed entries are sent again before new ones. Data is "s{shard}-{counter}".
/// </summary>
public sealed class ShardProducer(int shard, string explicitHashKey, string streamName, KinesisHttp http, Stopwatch clock)
{
    private const int BatchRecords = 5;
    private readonly object _lock = new();
    private readonly List<Ack> _acks = [];
    private readonly List<RequestFailure> _failures = [];
    private readonly List<(TimeSpan At, string Code)> _entryFailures = [];
    private volatile Uri[] _nodes = [];
    // The node of the request in flight (a producer sends one request at a time); null between requests.
    private volatile Uri? _sendingTo;

    public int Shard => shard;

    /// <summary>How long a request may take before the producer gives up on it and retries elsewhere.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Pause after each answered request: a steady load, not a flood (the read-back at the end stays short).</summary>
    public TimeSpan Pace { get; set; } = TimeSpan.FromMilliseconds(40);

    public IReadOnlyList<Ack> Acks { get { lock (_lock) return _acks.ToList(); } }

    public IReadOnlyList<RequestFailure> Failures { get { lock (_lock) return _failures.ToList(); } }

    public IReadOnlyList<(TimeSpan At, string Code)> EntryFailures { get { lock (_lock) return _entryFailures.ToList(); } }

    /// <summary>The nodes to send to, round-robin (a load balancer's pool).</summary>
    public void UseNodes(params Uri[] nodes) => _nodes = nodes;

    /// <summary>Whether a request to <paramref name="node"/> is in flight now (a drained node waits for these to finish).</summary>
    public bool IsSendingTo(Uri node) => _sendingTo == node;

    public int AcksAfter(TimeSpan at)
    {
        lock (_lock) return _acks.Count(a => a.At > at);
    }

    public async Task RunAsync(CancellationToken stop)
    {
        var queue = new List<long>();
        long next = 0;
        var turn = shard;
        while (!stop.IsCancellationRequested)
        {
            while (queue.Count < BatchRecords) queue.Add(next++);
            var nodes = _nodes;
            var node = nodes[turn++ % nodes.Length];
            var records = queue.Select(c => new
            {
                Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(Data(shard, c))),
                PartitionKey = $"p{shard}",
                ExplicitHashKey = explicitHashKey,
            }).ToArray();
            try
            {
                _sendingTo = node;
                HttpStatusCode status;
                JsonElement body;
                try
                {
                    (status, body) = await http.CallAsync(node, "PutRecords", new { StreamName = streamName, Records = records }, RequestTimeout, stop);
                }
                finally
                {
                    _sendingTo = null;
                }
                if (status != HttpStatusCode.OK)
                {
                    Fail(node, $"HTTP {(int)status} {Type(body)}");
                    await Task.Delay(100, stop);
                    continue;
                }
                var failed = new List<long>();
                var i = 0;
                foreach (var entry in body.GetProperty("Records").EnumerateArray())
                {
                    if (entry.TryGetProperty("SequenceNumber", out var sequence))
                    {
                        lock (_lock) _acks.Add(new Ack(queue[i], sequence.GetString()!, clock.Elapsed, node));
                    }
                    else
                    {
                        failed.Add(queue[i]);
                        lock (_lock) _entryFailures.Add((clock.Elapsed, entry.GetProperty("ErrorCode").GetString()!));
                    }
                    i++;
                }
                queue = failed;
                await Task.Delay(failed.Count > 0 ? TimeSpan.FromMilliseconds(100) : Pace, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Fail(node, e is OperationCanceledException ? $"no answer within {RequestTimeout.TotalSeconds:0.#} s" : $"{e.GetType().Name}: {e.Message}");
                try
                {
                    await Task.Delay(100, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    public static string Data(int shard, long counter) => $"s{shard}-{counter}";

    private void Fail(Uri node, string reason)
    {
        lock (_lock) _failures.Add(new RequestFailure(clock.Elapsed, node, reason));
    }

    private static string Type(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("__type", out var t) ? t.GetString() ?? "" : body.ToString();
}
