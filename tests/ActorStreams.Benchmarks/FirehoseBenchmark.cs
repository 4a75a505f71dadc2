using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using ActorStreams;
using ActorStreams.Firehose;
using Akka.Actor;

/// <summary>
/// Firehose delivery throughput to the directory object store: producers PutRecordBatch 500 records of about 1 KiB
/// of JSON (retrying entries refused by the full backlog) for the measured time; the clock stops when the last
/// accepted record is in an object on disk. Run once uncompressed and once with GZIP.
/// </summary>
internal static class FirehoseBenchmark
{
    public static async Task RunAsync(ActorSystem system, string dataDir, int seconds, int warmupSeconds)
    {
        var firehose = FirehoseExtension.Get(system).Client;
        foreach (var compression in new[] { CompressionFormat.Uncompressed, CompressionFormat.Gzip })
        {
            await MeasureAsync(firehose, dataDir, compression, warmupSeconds, print: false);
            await MeasureAsync(firehose, dataDir, compression, seconds, print: true);
        }
    }

    private static async Task MeasureAsync(FirehoseClient firehose, string dataDir, CompressionFormat compression, int seconds, bool print)
    {
        var name = $"bench-{compression}-{Guid.NewGuid():N}"[..30].ToLowerInvariant();
        var bucket = $"bench-{Guid.NewGuid():N}"[..20];
        await firehose.CreateDeliveryStreamAsync(new DeliveryStreamConfiguration
        {
            DeliveryStreamName = name,
            Destination = new ObjectStoreDestination
            {
                BucketArn = "arn:aws:s3:::" + bucket,
                BufferingHints = new BufferingHints { SizeInMBs = 5, IntervalInSeconds = 1 },
                CompressionFormat = compression,
            },
        });

        // Log-like JSON: compressible as real records are, different per record.
        var records = Enumerable.Range(0, 500).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(
            $"{{\"ts\":\"2026-11-26T10:00:{i % 60:D2}Z\",\"level\":\"INFO\",\"host\":\"web-{i % 17}\",\"request\":\"{Guid.NewGuid()}\"," +
            $"\"path\":\"/api/v1/orders/{i * 7919 % 100000}\",\"status\":{200 + i % 5},\"message\":\"{new string('x', 780)}\"}}\n")).ToList();
        long recordBytes = records.Sum(r => r.Length) / records.Count;

        long accepted = 0, acceptedBytes = 0;
        var sw = Stopwatch.StartNew();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        async Task Produce()
        {
            while (DateTime.UtcNow < until)
            {
                var result = await firehose.PutRecordBatchAsync(name, records);
                var ok = result.RequestResponses.Count(e => e.Succeeded);
                Interlocked.Add(ref accepted, ok);
                Interlocked.Add(ref acceptedBytes, ok * recordBytes);
                if (result.FailedPutCount > 0) await Task.Delay(20); // the backlog is full: the destination sets the pace
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Produce)));
        var putSeconds = sw.Elapsed.TotalSeconds;

        // Delivered once every accepted byte is in the bucket (uncompressed size).
        var bucketDir = Path.Combine(dataDir, "objects", bucket);
        var seen = new Dictionary<string, long>();
        long delivered = 0;
        while (delivered < acceptedBytes)
        {
            if (Directory.Exists(bucketDir))
            {
                foreach (var file in Directory.EnumerateFiles(bucketDir, "*", SearchOption.AllDirectories))
                {
                    if (Path.GetFileName(file).StartsWith('.') || seen.ContainsKey(file)) continue;
                    var size = compression == CompressionFormat.Gzip ? GunzippedLength(file) : new FileInfo(file).Length;
                    seen[file] = size;
                    delivered += size;
                }
            }
            if (sw.Elapsed > TimeSpan.FromSeconds(seconds * 10 + 60)) throw new TimeoutException($"only {delivered} of {acceptedBytes} bytes delivered");
            await Task.Delay(20);
        }
        var total = sw.Elapsed.TotalSeconds;
        var onDisk = seen.Keys.Sum(f => new FileInfo(f).Length);
        if (print)
            Console.WriteLine(
                $"firehose compression={compression} record={recordBytes}B records={accepted} put-seconds={putSeconds:F1} delivered-seconds={total:F1} " +
                $"delivered records/s={accepted / total:F0} MB/s={acceptedBytes / total / 1_000_000:F1} objects={seen.Count} on-disk={onDisk / 1_000_000.0:F1}MB");
        if (print) // the line ops/bench/run.sh collects
            Console.WriteLine(FormattableString.Invariant(
                $"RESULT firehose.{(compression == CompressionFormat.Gzip ? "gzip" : "plain")}.mbps={acceptedBytes / total / 1_000_000:F1}"));
        await firehose.DeleteDeliveryStreamAsync(name);
    }

    private static long GunzippedLength(string file)
    {
        using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        var buffer = new byte[81920];
        long total = 0;
        int n;
        while ((n = gzip.Read(buffer)) > 0) total += n;
        return total;
    }
}
