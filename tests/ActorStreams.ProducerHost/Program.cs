using System.Globalization;
using System.Text;
using ActorStreams;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Settings;
using ActorStreams.Kinesis;
using Akka.Actor;
using Akka.Configuration;

// A child process for crash tests: it writes to, or reads back, a stream on a SQLite journal in --data-dir.
// Usage: ActorStreams.ProducerHost --data-dir DIR --stream NAME --mode produce|verify [--shards 2] [--run 0] [--reshard]
//   produce: prints READY, then writes forever from 3 concurrent writers; after each acknowledged PutRecords it
//            prints "ACK <shardId> <sequenceNumber> <partitionKey> <counter>" per record that succeeded. Data is
//            the UTF-8 text of a counter that starts at run * 1,000,000,000 and grows with every record written.
//            With --reshard it also rescales the stream without pause (UpdateShardCount between 2 and 4 shards), so a
//            kill lands in the middle of a resharding.
//   verify:  waits until the stream is ACTIVE (a resharding cut short by a kill finishes on recovery), then prints
//            "REC <shardId> <sequenceNumber> <partitionKey> <data>" for every record of every shard (open and
//            closed) from TRIM_HORIZON to the tip or the shard's end, then DONE, and exits 0.
//   verify:  prints "REC <shardId> <sequenceNumber> <partitionKey> <data>" for every record of every shard from
//            TRIM_HORIZON to the tip, then DONE, and exits 0.
//   firehose-produce: creates (or reuses) the delivery stream NAME delivering to bucket "crash" (GZIP, 1 MiB, 0 s),
//            prints READY, then PutRecordBatch forever from 3 writers; prints "FACK <counter>" per accepted record
//            (data "<counter>\n").
//   firehose-serve: starts the runtime (which resumes delivering what was accepted), prints READY, runs until stdin closes.
// Stdout carries only these lines; Akka's log goes to stderr. A produce whose redirected stdin closes exits, so
// a child outlives no crashed test run.
const int Writers = 3;
const int KeysPerWriter = 5;
const int BatchSize = 50;
const long CountersPerRun = 1_000_000_000;

var options = HostOptions.Parse(args);
var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false, NewLine = "\n" };
Console.SetOut(Console.Error);

var config = ConfigurationFactory.ParseString($$"""
    akka.loglevel = {{Environment.GetEnvironmentVariable("PRODUCER_HOST_LOGLEVEL") ?? "WARNING"}}
    actorstreams {
      data-dir = "{{Path.GetFullPath(options.DataDir).Replace("\\", "/")}}"
      journal.provider = sqlite
      throttling.enabled = off
      limits.max-update-shard-count-per-day = 1000000
    }
    """);
var system = ActorSystem.Create("producer-host", ActorStreamsSetup.CreateActorSystemSetup(config.WithFallback(FirehoseConfig.Default)));
var client = ActorStreamsExtension.Get(system).Client;

try
{
    return options.Mode switch
    {
        "produce" => await ProduceAsync(),
        "verify" => await VerifyAsync(),
        "firehose-produce" => await FirehoseProduceAsync(),
        "firehose-serve" => await FirehoseServeAsync(),
        _ => throw new ArgumentException($"--mode must be produce or verify, not '{options.Mode}'."),
    };
}
catch (Exception e)
{
    Console.Error.WriteLine($"FAILED: {e}");
    return 1;
}

async Task<int> ProduceAsync()
{
    try
    {
        await client.CreateStreamAsync(options.Stream, options.Shards);
    }
    catch (ResourceInUseException)
    {
        // A run after a crash writes on into the stream the previous run created.
    }
    lock (stdout)
    {
        stdout.WriteLine("READY");
        stdout.Flush();
    }

    if (Console.IsInputRedirected)
    {
        _ = Task.Run(async () =>
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (await stdin.ReadAsync(buffer) > 0) { }
            Environment.Exit(2);
        });
    }

    var counter = options.Run * CountersPerRun;
    var running = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteForeverAsync(w))).ToList();
    if (options.Reshard) running.Add(Task.Run(ReshardForeverAsync));
    // Writers end only by failing; a SIGTERM or Ctrl+C shuts the ActorSystem down, and then the host ends too.
    running.Add(system.WhenTerminated);
    await await Task.WhenAny(running);
    Console.Error.WriteLine("The ActorSystem terminated.");
    return 3;

    async Task ReshardForeverAsync()
    {
        while (true)
        {
            try
            {
                var open = (await client.DescribeStreamSummaryAsync(options.Stream)).OpenShardCount;
                await client.UpdateShardCountAsync(options.Stream, open <= 2 ? 4 : 2);
            }
            catch (ResourceInUseException)
            {
                // A resharding the previous run left half done is being finished by the recovered catalog.
            }
            await Task.Delay(20);
        }
    }

    async Task WriteForeverAsync(int writer)
    {
        var keys = Enumerable.Range(0, KeysPerWriter).Select(k => $"w{writer}-k{k}").ToArray();
        var lines = new StringBuilder();
        while (true)
        {
            // Counters are taken in entry order, so per partition key they grow in the order the writer sends them.
            var counters = new long[BatchSize];
            var entries = new PutRecordsEntry[BatchSize];
            for (var i = 0; i < BatchSize; i++)
            {
                counters[i] = Interlocked.Increment(ref counter);
                entries[i] = new PutRecordsEntry(Encoding.UTF8.GetBytes(counters[i].ToString(CultureInfo.InvariantCulture)), keys[i % keys.Length]);
            }

            PutRecordsResult result;
            try
            {
                result = await client.PutRecordsAsync(options.Stream, entries);
            }
            catch (ActorStreamsException e)
            {
                // Not acknowledged, so promised nothing; the next batch takes new counters.
                Console.Error.WriteLine($"writer {writer}: PutRecords failed: {e.Message}");
                continue;
            }

            lines.Clear();
            for (var i = 0; i < BatchSize; i++)
            {
                var r = result.Records[i];
                if (!r.Succeeded) continue;
                lines.Append(CultureInfo.InvariantCulture, $"ACK {r.ShardId} {r.SequenceNumber} {entries[i].PartitionKey} {counters[i]}\n");
            }
            lock (stdout)
            {
                stdout.Write(lines);
                stdout.Flush();
            }
        }
    }
}

void ExitWhenStdinCloses()
{
    if (!Console.IsInputRedirected) return;
    _ = Task.Run(async () =>
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (await stdin.ReadAsync(buffer) > 0) { }
        Environment.Exit(2);
    });
}

async Task<int> FirehoseProduceAsync()
{
    var firehose = FirehoseExtension.Get(system).Client;
    try
    {
        await firehose.CreateDeliveryStreamAsync(new DeliveryStreamConfiguration
        {
            DeliveryStreamName = options.Stream,
            Destination = new ObjectStoreDestination
            {
                BucketArn = "arn:aws:s3:::crash",
                BufferingHints = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 0 },
                CompressionFormat = CompressionFormat.Gzip,
            },
        });
    }
    catch (ResourceInUseException)
    {
        // A run after a crash writes on into the delivery stream the previous run created.
    }
    lock (stdout)
    {
        stdout.WriteLine("READY");
        stdout.Flush();
    }
    ExitWhenStdinCloses();
    var counter = options.Run * CountersPerRun;
    var running = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
    {
        var lines = new StringBuilder();
        while (true)
        {
            var counters = new long[BatchSize];
            var records = new ReadOnlyMemory<byte>[BatchSize];
            for (var i = 0; i < BatchSize; i++)
            {
                counters[i] = Interlocked.Increment(ref counter);
                records[i] = Encoding.UTF8.GetBytes(counters[i].ToString(CultureInfo.InvariantCulture) + "\n");
            }
            var result = await firehose.PutRecordBatchAsync(options.Stream, records);
            lines.Clear();
            for (var i = 0; i < BatchSize; i++)
                if (result.RequestResponses[i].Succeeded) lines.Append(CultureInfo.InvariantCulture, $"FACK {counters[i]}\n");
            lock (stdout)
            {
                stdout.Write(lines);
                stdout.Flush();
            }
            if (result.FailedPutCount > 0) await Task.Delay(20);
        }
    })).ToList();
    running.Add(system.WhenTerminated);
    await await Task.WhenAny(running);
    return 3;
}

async Task<int> FirehoseServeAsync()
{
    _ = FirehoseExtension.Get(system).Client;
    stdout.WriteLine("READY");
    stdout.Flush();
    ExitWhenStdinCloses();
    await system.WhenTerminated;
    return 0;
}

async Task<int> VerifyAsync()
{
    var description = await client.DescribeStreamAsync(options.Stream);
    for (var wait = 0; description.StreamStatus != StreamStatus.Active && wait < 300; wait++)
    {
        await Task.Delay(100);
        description = await client.DescribeStreamAsync(options.Stream);
    }
    if (description.StreamStatus != StreamStatus.Active) throw new InvalidOperationException($"The stream stayed {description.StreamStatus}.");
    foreach (var shard in description.Shards)
    {
        var iterator = await client.GetShardIteratorAsync(options.Stream, shard.ShardId.ToString(), ShardIteratorType.TrimHorizon);
        while (iterator is not null)
        {
            var page = await client.GetRecordsAsync(iterator);
            foreach (var record in page.Records)
                stdout.WriteLine($"REC {record.ShardId} {record.SequenceNumber} {record.PartitionKey} {Encoding.UTF8.GetString(record.Data.Span)}");
            if (page.Records.Count == 0 && page.MillisBehindLatest == 0) break;
            iterator = page.NextShardIterator;
        }
    }
    stdout.WriteLine("DONE");
    stdout.Flush();
    await system.Terminate();
    return 0;
}

internal sealed record HostOptions(string DataDir, string Stream, string Mode, int Shards, int Run, bool Reshard)
{
    public static HostOptions Parse(string[] args)
    {
        string? Get(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        string Required(string name) => Get(name) ?? throw new ArgumentException($"{name} is required.");
        return new HostOptions(
            Required("--data-dir"),
            Required("--stream"),
            Required("--mode"),
            int.Parse(Get("--shards") ?? "2", CultureInfo.InvariantCulture),
            int.Parse(Get("--run") ?? "0", CultureInfo.InvariantCulture),
            args.Contains("--reshard"));
    }
}
