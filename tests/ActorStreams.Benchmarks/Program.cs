using System.Diagnostics;
using ActorStreams;
using ActorStreams.Dsl;
using ActorStreams.Streams;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;

// Embedded sink throughput to a 4-shard stream with throttles lifted, durable on the configured journal.
// Usage: dotnet run -c Release --project tests/ActorStreams.Benchmarks -- [--sizes 100,1024] [--seconds 10]
//        [--warmup 8] [--shards 4] [--journal sqlite|postgresql] [--pg "<connection string>"] [--synchronous NORMAL|FULL]
//        [--commit-latency | --subscribe (SubscribeToShard catch-up and live, one shard, the first size)]
//        --firehose: Firehose delivery to the directory object store, uncompressed and GZIP
//        [--encrypted (the sink streams encrypted at rest with AES-256-GCM under a generated key)]
//        [--cipher (sealing and opening one 1,000-record event, the first size, without a journal)]
var options = Options.Parse(args);
var dataDir = Path.Combine(Path.GetTempPath(), "actorstreams-bench-" + Guid.NewGuid().ToString("N")[..8]);
var journalHocon = options.Journal == "postgresql"
    ? $"actorstreams.journal {{ provider = postgresql, postgresql.connection-string = \"{options.PostgresConnection}\" }}"
    : $"actorstreams.journal {{ provider = sqlite, sqlite.synchronous = {options.Synchronous} }}";
var encrypted = args.Contains("--encrypted");
var config = ConfigurationFactory.ParseString($$"""
    akka.loglevel = {{Environment.GetEnvironmentVariable("BENCH_LOGLEVEL") ?? "WARNING"}}
    actorstreams {
      data-dir = "{{dataDir.Replace("\\", "/")}}"
      throttling.enabled = off
      encryption.keys { "alias/bench" = "{{Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}}" }
    }
    {{journalHocon}}
    """);

using var system = ActorSystem.Create("bench", ActorStreamsSetup.CreateActorSystemSetup(config));
var client = ActorStreamsExtension.Get(system).Client;
var materializer = system.Materializer();
Console.WriteLine($"journal={options.Journal} synchronous={options.Synchronous} shards={options.Shards} cores={Environment.ProcessorCount} encrypted={encrypted}");

if (args.Contains("--cipher"))
{
    // The cost of encryption at rest alone: sealing and opening one group-commit event of 1,000 records of the first size.
    var size = options.Sizes[0];
    var records = Enumerable.Range(0, 1000).Select(i => new ActorStreams.Internal.StoredRecord($"pk-{i:D13}", new byte[size - 16])).ToArray();
    var batch = new ActorStreams.Internal.RecordsAppended(1, records);
    var keys = new ActorStreams.Internal.KeyProvider(ActorStreams.Settings.ActorStreamsSettings.Create(system).Encryption);
    var key = keys.Resolve("alias/bench");
    long bytes = 1000L * size, n = 0;
    var sealedBatch = ActorStreams.Internal.RecordCipher.Seal(key, "alias/bench", "bench", 1, batch, bytes);
    var swc = Stopwatch.StartNew();
    while (swc.Elapsed < TimeSpan.FromSeconds(options.Seconds)) { sealedBatch = ActorStreams.Internal.RecordCipher.Seal(key, "alias/bench", "bench", 1, batch, bytes); n++; }
    Console.WriteLine($"cipher seal size={size}B events={n} MB/s={n * bytes / swc.Elapsed.TotalSeconds / 1_000_000:F0}");
    n = 0;
    swc.Restart();
    while (swc.Elapsed < TimeSpan.FromSeconds(options.Seconds)) { ActorStreams.Internal.RecordCipher.Open(keys, "bench", 1, sealedBatch); n++; }
    Console.WriteLine($"cipher open size={size}B events={n} MB/s={n * bytes / swc.Elapsed.TotalSeconds / 1_000_000:F0}");
    await system.Terminate();
    return;
}

if (args.Contains("--commit-latency"))
{
    // One producer, one record per PutRecord, each awaited: every put is its own journal commit, so this
    // measures what a durable commit costs at the configured synchronous level.
    await client.CreateStreamAsync("latency", 1);
    var data = new byte[100];
    async Task<int> PutFor(TimeSpan duration)
    {
        var n = 0;
        var until = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < until)
        {
            await client.PutRecordAsync("latency", data, "key");
            n++;
        }
        return n;
    }
    await PutFor(TimeSpan.FromSeconds(options.WarmupSeconds));
    var sw1 = Stopwatch.StartNew();
    var puts = await PutFor(TimeSpan.FromSeconds(options.Seconds));
    Console.WriteLine($"commit-latency puts={puts} puts/s={puts / sw1.Elapsed.TotalSeconds:F0} mean-ms={sw1.Elapsed.TotalMilliseconds / puts:F2}");
    await system.Terminate();
    return;
}

if (args.Contains("--firehose"))
{
    await FirehoseBenchmark.RunAsync(system, dataDir, options.Seconds, options.WarmupSeconds);
    await system.Terminate();
    try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
    return;
}

if (args.Contains("--subscribe"))
{
    // Enhanced fan-out: SubscribeToShard on one shard, reading history (catch-up from the journal and hot tail) and
    // then live while a sink writes (records pushed by the shard as each event is persisted).
    var size = options.Sizes[0];
    await client.CreateStreamAsync("efo", 1);
    var consumer = await client.RegisterStreamConsumerAsync("efo", "bench");
    var payload = new byte[size - 16];
    PutRecordsEntry Entry(long i) => new(payload, $"pk-{i & 4095:D13}");

    async Task<long> WriteFor(TimeSpan duration)
    {
        long written = 0;
        var deadline = DateTime.UtcNow + duration;
        await Source.Repeat(0)
            .TakeWhile(_ => (written & 0xFFF) != 0 || DateTime.UtcNow < deadline)
            .Select(_ => Entry(written++))
            .RunWith(KinesisSink.Create(system, "efo"), materializer);
        return written;
    }

    var history = await WriteFor(TimeSpan.FromSeconds(options.WarmupSeconds));
    var sw2 = Stopwatch.StartNew();
    long caughtUp = 0;
    await using (var subscription = await client.SubscribeToShardAsync(consumer.ConsumerArn, "shardId-000000000000", StartingPosition.TrimHorizon))
    {
        await foreach (var e in subscription)
        {
            caughtUp += e.Records.Count;
            if (caughtUp >= history) break;
        }
    }
    Console.WriteLine($"subscribe catch-up size={size}B records={caughtUp} seconds={sw2.Elapsed.TotalSeconds:F2} records/s={caughtUp / sw2.Elapsed.TotalSeconds:F0} MB/s={caughtUp * size / sw2.Elapsed.TotalSeconds / 1_000_000:F1}");

    // The same consumer may subscribe again only 5 s after its last subscription.
    await Task.Delay(KinesisLimits.ResubscribeInterval + TimeSpan.FromMilliseconds(100));
    await using var live = await client.SubscribeToShardAsync(consumer.ConsumerArn, "shardId-000000000000", StartingPosition.Latest);
    long received = 0, events = 0;
    var reading = Task.Run(async () =>
    {
        await foreach (var e in live)
        {
            Interlocked.Add(ref received, e.Records.Count);
            events++;
        }
    });
    var sw3 = Stopwatch.StartNew();
    var writtenLive = await WriteFor(TimeSpan.FromSeconds(options.Seconds));
    var writeSeconds = sw3.Elapsed.TotalSeconds;
    while (Volatile.Read(ref received) < writtenLive && sw3.Elapsed < TimeSpan.FromSeconds(options.Seconds + 60)) await Task.Delay(5);
    Console.WriteLine($"subscribe live size={size}B written={writtenLive} received={Volatile.Read(ref received)} events={events} " +
        $"write-seconds={writeSeconds:F2} all-received-after={sw3.Elapsed.TotalSeconds:F2}s records/s={Volatile.Read(ref received) / sw3.Elapsed.TotalSeconds:F0}");
    await live.DisposeAsync();
    await system.Terminate();
    return;
}

if (args.Contains("--smoke"))
{
    var sw0 = Stopwatch.StartNew();
    await client.CreateStreamAsync("smoke", 2);
    Console.WriteLine($"created in {sw0.ElapsedMilliseconds} ms");
    var put = await client.PutRecordAsync("smoke", new byte[] { 1, 2, 3 }, "key");
    Console.WriteLine($"put {put} in {sw0.ElapsedMilliseconds} ms");
    var it = await client.GetShardIteratorAsync("smoke", put.ShardId.ToString(), ShardIteratorType.TrimHorizon);
    var got = await client.GetRecordsAsync(it);
    Console.WriteLine($"got {got.Records.Count} records, behind {got.MillisBehindLatest}, in {sw0.ElapsedMilliseconds} ms");
    var batch = Enumerable.Range(0, 1000).Select(i => new PutRecordsEntry(new byte[100], "k" + i)).ToArray();
    await Source.From(batch).RunWith(KinesisSink.Create(system, "smoke"), materializer);
    Console.WriteLine($"sink done in {sw0.ElapsedMilliseconds} ms");
    return;
}

foreach (var size in options.Sizes)
{
    var stream = $"bench-{size}-{Guid.NewGuid():N}"[..40];
    await client.CreateStreamAsync(stream, options.Shards);
    if (encrypted) await client.StartStreamEncryptionAsync(stream, "alias/bench");
    var payload = new byte[size - 16]; // data + a 16-character partition key = size bytes per record
    Random.Shared.NextBytes(payload);
    var keys = Enumerable.Range(0, 4096).Select(i => $"pk-{i:D13}").ToArray();

    async Task<(long Records, TimeSpan Elapsed)> RunFor(TimeSpan duration)
    {
        long written = 0;
        var sw = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + duration;
        var done = await Source.Repeat(0)
            .TakeWhile(_ => (written & 0xFFF) != 0 || DateTime.UtcNow < deadline)
            .Select(_ => new PutRecordsEntry(payload, keys[written++ & 4095]))
            .RunWith(KinesisSink.Create(system, stream), materializer);
        sw.Stop();
        return (written, sw.Elapsed);
    }

    await RunFor(TimeSpan.FromSeconds(options.WarmupSeconds));
    var (records, elapsed) = await RunFor(TimeSpan.FromSeconds(options.Seconds));
    var perSecond = records / elapsed.TotalSeconds;
    Console.WriteLine($"sink size={size}B records={records} seconds={elapsed.TotalSeconds:F2} records/s={perSecond:F0} MB/s={perSecond * size / 1_000_000:F1}");

    // Read everything back through the journal to prove it was stored: count the records in shard 0 by GetRecords.
    var description = await client.DescribeStreamAsync(stream);
    long readBack = 0;
    var sw = Stopwatch.StartNew();
    foreach (var shard in description.Shards)
    {
        var iterator = await client.GetShardIteratorAsync(stream, shard.ShardId.ToString(), ShardIteratorType.TrimHorizon);
        while (true)
        {
            var page = await client.GetRecordsAsync(iterator);
            readBack += page.Records.Count;
            if (page.Records.Count == 0 && page.MillisBehindLatest == 0) break;
            iterator = page.NextShardIterator!;
        }
    }
    sw.Stop();
    Console.WriteLine($"getrecords size={size}B records={readBack} seconds={sw.Elapsed.TotalSeconds:F2} records/s={readBack / sw.Elapsed.TotalSeconds:F0}");
}

await system.Terminate();
try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }

internal sealed record Options(int[] Sizes, int Seconds, int WarmupSeconds, int Shards, string Journal, string PostgresConnection, string Synchronous)
{
    public static Options Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        return new Options(
            Get("--sizes", "100,1024").Split(',').Select(int.Parse).ToArray(),
            int.Parse(Get("--seconds", "10")),
            int.Parse(Get("--warmup", "8")),
            int.Parse(Get("--shards", "4")),
            Get("--journal", "sqlite"),
            Get("--pg", Environment.GetEnvironmentVariable("ACTORSTREAMS_TEST_POSTGRES") ?? ""),
            Get("--synchronous", "NORMAL"));
    }
}
