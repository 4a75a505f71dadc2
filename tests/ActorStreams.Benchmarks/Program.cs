using System.Diagnostics;
using ActorStreams;
using ActorStreams.Dsl;
using ActorStreams.Firehose.Settings;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Shards;
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
//        [--no-getrecords] [--latency] [--recovery-write N --data-dir D] [--recovery-read --data-dir D] [--lag] [--help]
// ops/bench/run.sh runs the whole suite; the modes print "RESULT key=value" lines that it collects into one table.
if (args.Contains("--help"))
{
    Console.WriteLine("""
        ActorStreams benchmarks (embedded, throttles lifted). Modes:
          (default)          sink ingest per size (--sizes 100,1024 --shards 4 --warmup 8 --seconds 10), then read-back
                             through KinesisSource.Stream from TRIM_HORIZON, then GetRecords read-back (--no-getrecords skips it)
          --commit-latency   one awaited PutRecord at a time
          --put-records      8 concurrent PutRecordsAsync calls of 500 records (the JS SDK workload without HTTP)
          --subscribe        SubscribeToShard catch-up and live, one shard
          --latency          put-to-read latency of the SubscribeToShard push source, idle and while a sink loads the node
                             (--load-rate N records/s; default 0 = full speed, which saturates the journal)
          --recovery-write N write N 100 B records into --data-dir D and exit
          --recovery-read    start on --data-dir D, time from process start to the first record read; peak RSS;
                             with --read-all N then reads all N records through the whole-stream source
          --lag              peak RSS while a sink writes and a slow consumer lags far behind
          --smoke            a quick functional check
          --firehose         Firehose delivery to the directory object store, uncompressed and GZIP
          --encrypted        the sink streams encrypted at rest (AES-256-GCM, generated key)
          --cipher           sealing and opening one 1,000-record event, without a journal
        Common: --journal sqlite|postgresql --pg "<connection string>" --synchronous NORMAL|FULL --data-dir D
                --hocon "<HOCON>" (appended to the configuration, e.g. to measure a setting before/after)
        """);
    return;
}
var options = Options.Parse(args);
var keepData = options.DataDir is not null;
var dataDir = options.DataDir ?? Path.Combine(Path.GetTempPath(), "actorstreams-bench-" + Guid.NewGuid().ToString("N")[..8]);
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
    {{options.Hocon}}
    """);

var processStarted = Process.GetCurrentProcess().StartTime.ToUniversalTime();
var enteredMain = DateTime.UtcNow - processStarted;
using var system = ActorSystem.Create("bench", ActorStreamsSetup.CreateActorSystemSetup(config.WithFallback(FirehoseConfig.Default)));
var memberUp = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => memberUp.TrySetResult(DateTime.UtcNow - processStarted));
var systemCreated = DateTime.UtcNow - processStarted;
var client = ActorStreamsExtension.Get(system).Client;
var extensionStarted = DateTime.UtcNow - processStarted;
var materializer = system.Materializer();
Console.WriteLine($"journal={options.Journal} synchronous={options.Synchronous} shards={options.Shards} cores={Environment.ProcessorCount} encrypted={encrypted}");

if (args.Contains("--cipher"))
{
    // The cost of encryption at rest alone: sealing and opening one group-commit event of 1,000 records of the first size.
    var size = options.Sizes[0];
    var records = Enumerable.Range(0, 1000).Select(i => new ActorStreams.Kinesis.Internal.Shards.StoredRecord($"pk-{i:D13}", new byte[size - 16])).ToArray();
    var batch = new ActorStreams.Kinesis.Internal.Shards.RecordsAppended(1, records);
    var keys = new ActorStreams.Kinesis.Internal.KeyProvider(ActorStreams.Settings.ActorStreamsSettings.Create(system).Encryption);
    var key = keys.Resolve("alias/bench");
    long bytes = 1000L * size, n = 0;
    var sealedBatch = ActorStreams.Kinesis.Internal.RecordCipher.Seal(key, "alias/bench", "bench", 1, batch, bytes);
    var swc = Stopwatch.StartNew();
    while (swc.Elapsed < TimeSpan.FromSeconds(options.Seconds)) { sealedBatch = ActorStreams.Kinesis.Internal.RecordCipher.Seal(key, "alias/bench", "bench", 1, batch, bytes); n++; }
    Console.WriteLine($"cipher seal size={size}B events={n} MB/s={n * bytes / swc.Elapsed.TotalSeconds / 1_000_000:F0}");
    n = 0;
    swc.Restart();
    while (swc.Elapsed < TimeSpan.FromSeconds(options.Seconds)) { ActorStreams.Kinesis.Internal.RecordCipher.Open(keys, "bench", 1, sealedBatch); n++; }
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

if (args.Contains("--put-records"))
{
    // The JS SDK workload of ops/bench/run.sh without HTTP: 8 concurrent PutRecordsAsync calls of 500 records each to a
    // 4-shard stream (partition keys pk-0..pk-9999, as tests/js/bench.mjs sends them). Run in the same way as the HTTP
    // server (e.g. pinned to one core), it tells the core's share of a PutRecords from the HTTP layer's.
    foreach (var size in options.Sizes)
    {
        var name = $"put-records-{size}";
        await client.CreateStreamAsync(name, options.Shards);
        var payload = new byte[size];
        long keySeq = 0, counted = 0;
        var measuring = false;
        var stop = false;
        async Task Producer()
        {
            while (!Volatile.Read(ref stop))
            {
                var batch = new PutRecordsEntry[500];
                for (var i = 0; i < batch.Length; i++) batch[i] = new PutRecordsEntry(payload, $"pk-{Interlocked.Increment(ref keySeq) % 10_000}");
                var result = await client.PutRecordsAsync(name, batch);
                if (Volatile.Read(ref measuring)) Interlocked.Add(ref counted, batch.Length - result.FailedRecordCount);
            }
        }
        var concurrency = args.SkipWhile(a => a != "--concurrency").Skip(1).Select(int.Parse).DefaultIfEmpty(8).First();
        var producers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(Producer)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds));
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var swp = Stopwatch.StartNew();
        Volatile.Write(ref measuring, true);
        await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
        Volatile.Write(ref measuring, false);
        var seconds = swp.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / seconds;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(producers);
        var rps = Interlocked.Read(ref counted) / seconds;
        Console.WriteLine($"put-records size={size}B concurrency={concurrency} records/s={rps:F0} cpu={cpu:F2} cores mean-call-ms={concurrency * 500 / rps * 1000:F2}");
        Console.WriteLine($"RESULT put-records.{size}.rps={rps:F0}");
        Console.WriteLine($"RESULT put-records.{size}.cpu={cpu:F2}");
    }
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

if (args.Contains("--latency"))
{
    // Put-to-read latency of the embedded push source (KinesisSource.SubscribeToShard): one probe record at a time
    // is put (PutRecordAsync, awaited, so each is its own durable commit) carrying Stopwatch.GetTimestamp() in its
    // first 8 bytes; the subscriber computes now - that stamp. Idle: nothing else runs. At load: a sink writes
    // 100 B records at full speed to another stream (--shards shards) on the same node while the probes run.
    await client.CreateStreamAsync("lat", 1);
    await client.CreateStreamAsync("load", options.Shards);
    var consumer = await client.RegisterStreamConsumerAsync("lat", "bench");
    var samples = new List<double>();
    var recording = 0;
    var phaseStart = long.MaxValue;
    var received = 0L;
    var subscription = KinesisSource.SubscribeToShard(system, consumer.ConsumerArn, new StreamShardId(0), StartingPosition.Latest)
        .ToMaterialized(Sink.ForEach<SubscribeToShardEvent>(e =>
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var r in e.Records)
            {
                var stamp = BitConverter.ToInt64(r.Data.Span[..8]);
                Interlocked.Increment(ref received);
                if (Volatile.Read(ref recording) == 1 && stamp >= Volatile.Read(ref phaseStart)) // only probes sent in this phase
                    lock (samples) samples.Add((now - stamp) * 1000.0 / Stopwatch.Frequency);
            }
        }), Keep.Left)
        .Run(materializer);
    await Task.Delay(500); // the subscription is open before the first probe

    // Each probe's acknowledgment time too (send to PutRecordAsync completing): put-to-read minus it is what the
    // read side (the push to the subscription) adds, so the two tell where the time at load goes.
    var acks = new List<double>();
    async Task<int> Probe(TimeSpan duration)
    {
        var n = 0;
        var until = DateTime.UtcNow + duration;
        var data = new byte[100];
        while (DateTime.UtcNow < until)
        {
            var sentAt = Stopwatch.GetTimestamp();
            BitConverter.TryWriteBytes(data, sentAt);
            await client.PutRecordAsync("lat", data, "probe");
            if (Volatile.Read(ref recording) == 1) lock (acks) acks.Add((Stopwatch.GetTimestamp() - sentAt) * 1000.0 / Stopwatch.Frequency);
            n++;
            await Task.Delay(2);
        }
        return n;
    }

    async Task Measure(string phase)
    {
        lock (samples) samples.Clear();
        lock (acks) acks.Clear();
        Volatile.Write(ref phaseStart, Stopwatch.GetTimestamp());
        Volatile.Write(ref recording, 1);
        var sent = await Probe(TimeSpan.FromSeconds(options.Seconds));
        await Task.Delay(1000); // the last probes arrive
        Volatile.Write(ref recording, 0);
        double[] sorted;
        lock (samples) sorted = samples.Order().ToArray();
        Console.WriteLine($"latency embedded-subscribe {phase} sent={sent} received={sorted.Length} " +
            $"p50={Pct(sorted, 50):F2}ms p99={Pct(sorted, 99):F2}ms p99.9={Pct(sorted, 99.9):F2}ms max={sorted.LastOrDefault():F2}ms");
        Console.WriteLine($"RESULT latency.embedded.{phase}.p50={Pct(sorted, 50):F2}");
        Console.WriteLine($"RESULT latency.embedded.{phase}.p99={Pct(sorted, 99):F2}");
        Console.WriteLine($"RESULT latency.embedded.{phase}.p999={Pct(sorted, 99.9):F2}");
        Console.WriteLine($"RESULT latency.embedded.{phase}.samples={sorted.Length}/{sent}");
        double[] ackSorted;
        lock (acks) ackSorted = acks.Order().ToArray();
        Console.WriteLine($"latency embedded-put-ack {phase} p50={Pct(ackSorted, 50):F2}ms p99={Pct(ackSorted, 99):F2}ms p99.9={Pct(ackSorted, 99.9):F2}ms");
        Console.WriteLine($"RESULT latency.embedded.{phase}.ack-p50={Pct(ackSorted, 50):F2}");
        Console.WriteLine($"RESULT latency.embedded.{phase}.ack-p99={Pct(ackSorted, 99):F2}");
    }

    // --load-rate N: the load writes about N records/s (100 every 1/(N/100) s); 0 (default) writes at full speed.
    var loadRate = args.Contains("--load-rate") ? int.Parse(args[Array.IndexOf(args, "--load-rate") + 1]) : 0;
    await Probe(TimeSpan.FromSeconds(options.WarmupSeconds));
    await Measure(loadRate > 0 ? $"rate{loadRate}-idle" : "idle");

    using var stopLoad = new CancellationTokenSource();
    long loadWritten = 0;
    var loadPayload = new byte[100 - 16];
    var ticks = Source.Repeat(0).TakeWhile(_ => !stopLoad.IsCancellationRequested);
    if (loadRate > 0) ticks = ticks.Throttle(Math.Max(1, loadRate / 100), TimeSpan.FromSeconds(1), Math.Max(1, loadRate / 1000), ThrottleMode.Shaping);
    var load = ticks
        .SelectMany(_ => Enumerable.Range(0, loadRate > 0 ? 100 : 1))
        .Select(_ => new PutRecordsEntry(loadPayload, $"pk-{loadWritten++ & 4095:D13}"))
        .RunWith(KinesisSink.Create(system, "load"), materializer);
    await Probe(TimeSpan.FromSeconds(Math.Min(options.WarmupSeconds, 4)));
    var loadClock = Stopwatch.StartNew();
    var loadBefore = Interlocked.Read(ref loadWritten);
    await Measure(loadRate > 0 ? $"rate{loadRate}" : "load");
    var loadMeasured = (Interlocked.Read(ref loadWritten) - loadBefore) / loadClock.Elapsed.TotalSeconds;
    stopLoad.Cancel();
    await load;
    Console.WriteLine($"RESULT latency.embedded.{(loadRate > 0 ? $"rate{loadRate}" : "load")}.sink-records-per-s={loadMeasured:F0}");
    subscription.Stop();
    await system.Terminate();
    try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
    return;
}

if (args.Contains("--recovery-write"))
{
    // Writes N records of 100 B into a 4-shard stream "recovery" in --data-dir, for --recovery-read to start on.
    var total = long.Parse(args[Array.IndexOf(args, "--recovery-write") + 1]);
    await client.CreateStreamAsync("recovery", options.Shards);
    var payload = new byte[100 - 16];
    long n = 0;
    var sw = Stopwatch.StartNew();
    await Source.Repeat(0).Take(total)
        .Select(_ => new PutRecordsEntry(payload, $"pk-{n++ & 4095:D13}"))
        .RunWith(KinesisSink.Create(system, "recovery"), materializer);
    Console.WriteLine($"recovery-write records={n} seconds={sw.Elapsed.TotalSeconds:F1} records/s={n / sw.Elapsed.TotalSeconds:F0} VmHWM={ProcStatus("VmHWM")}");
    Console.WriteLine($"RESULT rss.write.{total}.vmhwm-mib={ProcStatus("VmHWM") / 1024.0:F0}");
    await system.Terminate();
    return;
}

if (args.Contains("--recovery-read"))
{
    // The time from this process's start to the first record served from TRIM_HORIZON of every shard of "recovery",
    // with the steps on the way: Main entered, ActorSystem created, ActorStreams started, the node Up in its cluster,
    // the catalog answered (the stream's route), each shard's iterator (its recovery) and first page.
    var started = processStarted;
    var shards = options.Shards;
    var firstShard = TimeSpan.MaxValue;
    var routed = client.DescribeStreamSummaryAsync("recovery").ContinueWith(_ => DateTime.UtcNow - started);
    var iterators = new TimeSpan[shards];
    var reads = Enumerable.Range(0, shards).Select(async i =>
    {
        var it = await client.GetShardIteratorAsync("recovery", new StreamShardId(i).ToString(), ShardIteratorType.TrimHorizon);
        iterators[i] = DateTime.UtcNow - started;
        var page = await client.GetRecordsAsync(it);
        var at = DateTime.UtcNow - started;
        lock (args) if (at < firstShard) firstShard = at;
        if (page.Records.Count == 0) throw new InvalidOperationException($"shard {i} served no records");
        return at;
    }).ToArray();
    var all = (await Task.WhenAll(reads)).Max();
    var summary = await client.DescribeStreamSummaryAsync("recovery");
    Console.WriteLine($"recovery-read first-read-ms={firstShard.TotalMilliseconds:F0} all-shards-ms={all.TotalMilliseconds:F0} VmHWM={ProcStatus("VmHWM")} kB");
    var label = args.Contains("--label") ? args[Array.IndexOf(args, "--label") + 1] : "n";
    Console.WriteLine($"RESULT recovery.{label}.first-read-ms={firstShard.TotalMilliseconds:F0}");
    Console.WriteLine($"RESULT recovery.{label}.all-shards-ms={all.TotalMilliseconds:F0}");
    var up = memberUp.Task.IsCompleted ? memberUp.Task.Result.TotalMilliseconds : double.NaN;
    Console.WriteLine($"recovery-read steps: main {enteredMain.TotalMilliseconds:F0} ms, system {systemCreated.TotalMilliseconds:F0} ms, " +
        $"extension {extensionStarted.TotalMilliseconds:F0} ms, member up {up:F0} ms, catalog {(await routed).TotalMilliseconds:F0} ms, " +
        $"iterators {string.Join(" / ", iterators.Select(t => t.TotalMilliseconds.ToString("F0")))} ms");
    Console.WriteLine($"RESULT recovery.{label}.member-up-ms={up:F0}");
    Console.WriteLine($"RESULT recovery.{label}.catalog-ms={(await routed).TotalMilliseconds:F0}");
    Console.WriteLine($"RESULT recovery.{label}.iterators-ms={iterators.Max().TotalMilliseconds:F0}");
    Console.WriteLine($"RESULT rss.recovered.{label}.vmhwm-mib={ProcStatus("VmHWM") / 1024.0:F0}");
    _ = summary;
    if (args.Contains("--read-all"))
    {
        // Then every record of the stream from TRIM_HORIZON through the whole-stream source (--read-all N records).
        var expect = long.Parse(args[Array.IndexOf(args, "--read-all") + 1]);
        var swAll = Stopwatch.StartNew();
        var count = await KinesisSource.Stream(system, "recovery", StartingPosition.TrimHorizon).Take(expect)
            .RunAggregate(0L, (n, _) => n + 1, materializer);
        Console.WriteLine($"read-all records={count} of {expect} seconds={swAll.Elapsed.TotalSeconds:F2} records/s={count / swAll.Elapsed.TotalSeconds:F0}");
        Console.WriteLine($"RESULT readback.retained.{label}.rps={count / swAll.Elapsed.TotalSeconds:F0}");
    }
    await system.Terminate();
    return;
}

if (args.Contains("--lag"))
{
    // Peak RSS while a sink writes 100 B records at full speed and two consumers lag far behind: the whole-stream
    // source and a SubscribeToShard subscription, each taking only 1,000 records/s.
    await client.CreateStreamAsync("lag", options.Shards);
    var consumer = await client.RegisterStreamConsumerAsync("lag", "slow");
    long slowStream = 0, slowEfo = 0, written = 0;
    var streamReader = KinesisSource.Stream(system, "lag", StartingPosition.TrimHorizon)
        .Throttle(1000, TimeSpan.FromSeconds(1), 1000, ThrottleMode.Shaping)
        .ToMaterialized(Sink.ForEach<StreamRecord>(_ => Interlocked.Increment(ref slowStream)), Keep.Left).Run(materializer);
    var efoReader = KinesisSource.SubscribeToShard(system, consumer.ConsumerArn, new StreamShardId(0), StartingPosition.TrimHorizon)
        .SelectMany(e => e.Records)
        .Throttle(1000, TimeSpan.FromSeconds(1), 1000, ThrottleMode.Shaping)
        .ToMaterialized(Sink.ForEach<StreamRecord>(_ => Interlocked.Increment(ref slowEfo)), Keep.Left).Run(materializer);
    var payload = new byte[100 - 16];
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(options.WarmupSeconds + options.Seconds);
    var before = ProcStatus("VmHWM");
    await Source.Repeat(0)
        .TakeWhile(_ => (written & 0xFFF) != 0 || DateTime.UtcNow < deadline)
        .Select(_ => new PutRecordsEntry(payload, $"pk-{written++ & 4095:D13}"))
        .RunWith(KinesisSink.Create(system, "lag"), materializer);
    await Task.Delay(TimeSpan.FromSeconds(5)); // the consumers keep reading behind
    Console.WriteLine($"lag written={written} stream-consumer-read={Interlocked.Read(ref slowStream)} efo-consumer-read={Interlocked.Read(ref slowEfo)} " +
        $"VmHWM-before={before} kB VmHWM={ProcStatus("VmHWM")} kB VmRSS={ProcStatus("VmRSS")} kB");
    Console.WriteLine($"RESULT rss.lag.vmhwm-mib={ProcStatus("VmHWM") / 1024.0:F0}");
    Console.WriteLine($"RESULT rss.lag.written={written}");
    streamReader.Stop();
    efoReader.Stop();
    await system.Terminate();
    try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
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

    var (warmupRecords, _) = await RunFor(TimeSpan.FromSeconds(options.WarmupSeconds));
    var (records, elapsed) = await RunFor(TimeSpan.FromSeconds(options.Seconds));
    var perSecond = records / elapsed.TotalSeconds;
    Console.WriteLine($"sink size={size}B records={records} seconds={elapsed.TotalSeconds:F2} records/s={perSecond:F0} MB/s={perSecond * size / 1_000_000:F1}");
    var key = $"ingest.{options.Journal}.{options.Shards}.{size}";
    Console.WriteLine($"RESULT {key}.rps={perSecond:F0}");
    Console.WriteLine($"RESULT {key}.mbps={perSecond * size / 1_000_000:F1}");

    // Read everything back from TRIM_HORIZON through the whole-stream source (KinesisSource.Stream), after warming the
    // read path up as ingest was: reading the same stream from TRIM_HORIZON for up to --warmup seconds (at most half
    // of what was written) first, so that tiered compilation has promoted the read path's methods (without it the
    // measured pass ran partly in Tier-0 code: a perf profile of it showed [QuickJitted] frames in the journal reader
    // and 7 % of the samples in the JIT).
    var expected = warmupRecords + records;
    var swWarm = Stopwatch.StartNew();
    var warmRead = await KinesisSource.Stream(system, stream, StartingPosition.TrimHorizon)
        .Take(expected / 2)
        .TakeWithin(TimeSpan.FromSeconds(options.WarmupSeconds))
        .RunAggregate(0L, (n, _) => n + 1, materializer);
    Console.WriteLine($"stream-source warm-up size={size}B records={warmRead} seconds={swWarm.Elapsed.TotalSeconds:F2}");
    var swStream = Stopwatch.StartNew();
    var readTask = KinesisSource.Stream(system, stream, StartingPosition.TrimHorizon)
        .Take(expected)
        .RunAggregate(0L, (n, _) => n + 1, materializer);
    var finished = await Task.WhenAny(readTask, Task.Delay(TimeSpan.FromMinutes(10)));
    var streamRead = finished == readTask ? await readTask : -1;
    swStream.Stop();
    Console.WriteLine($"stream-source size={size}B records={streamRead} of {expected} seconds={swStream.Elapsed.TotalSeconds:F2} records/s={streamRead / swStream.Elapsed.TotalSeconds:F0}");
    Console.WriteLine($"RESULT readback.{options.Journal}.{options.Shards}.{size}.rps={(streamRead == expected ? (streamRead / swStream.Elapsed.TotalSeconds).ToString("F0") : "INCOMPLETE")}");
    if (args.Contains("--no-getrecords")) continue;

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
if (!keepData) try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }

static double Pct(double[] sorted, double p) =>
    sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

/// <summary>A kB value from /proc/self/status (VmHWM is the peak resident set), or -1 where there is no /proc.</summary>
static long ProcStatus(string field)
{
    try
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]);
    }
    catch (IOException) { }
    return -1;
}

internal sealed record Options(int[] Sizes, int Seconds, int WarmupSeconds, int Shards, string Journal, string PostgresConnection, string Synchronous,
    string? DataDir, string Hocon)
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
            Get("--synchronous", "NORMAL"),
            Get("--data-dir", "") is { Length: > 0 } dir ? dir : null,
            Get("--hocon", ""));
    }
}
