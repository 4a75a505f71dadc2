using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ActorStreams.Firehose;
using ActorStreams.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Snappier;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// The base of Firehose specs: the spec system with fast delivery retries, and helpers that read what landed in the
/// directory object store (<c>&lt;data-dir&gt;/objects</c>).
/// </summary>
public abstract class FirehoseSpec : ActorStreamsSpec
{
    private readonly CancellationTokenSource _clockStop = new();

    /// <summary>
    /// With <paramref name="clockRuns"/> (the default) the runtime clock, on which delivery retries wait, moves with real
    /// time (20 ms every 20 ms), so fault-injection specs need not drive it; a spec that moves time itself passes false.
    /// </summary>
    protected FirehoseSpec(ITestOutputHelper output, SpecJournal journal = SpecJournal.Sqlite, string? config = null, bool clockRuns = true)
        : base(output, journal, LoopbackDestinations + (config ?? "") + """

        actorstreams.firehose {
          retry-base-delay = 50ms
          retry-max-delay = 400ms
        }
        """)
    {
        if (!clockRuns) return;
        var clock = Clock;
        var stop = _clockStop.Token;
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                clock.Advance(TimeSpan.FromMilliseconds(20));
                try
                {
                    await Task.Delay(20, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    /// <summary>
    /// The specs' destinations are test servers on loopback, which the destination address policy refuses by default;
    /// a spec's own config comes after this and can take it back (<c>allowed-cidrs = []</c>).
    /// </summary>
    protected const string LoopbackDestinations = """

        actorstreams.firehose.destination-policy.allowed-cidrs = ["127.0.0.0/8", "::1/128"]

        """;

    protected override void Dispose(bool disposing)
    {
        _clockStop.Cancel();
        base.Dispose(disposing);
    }

    protected FirehoseClient Firehose => FirehoseExtension.Get(Sys).Client;

    protected string ObjectRoot => Path.Combine(SpecConfig.GetString("actorstreams.data-dir"), "objects");

    protected static string UniqueBucket(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    protected static ObjectStoreDestination S3(string bucket, int intervalSeconds = 0, int sizeMiB = 1,
        CompressionFormat compression = CompressionFormat.Uncompressed, string? prefix = null, string? errorPrefix = null) => new()
    {
        BucketArn = "arn:aws:s3:::" + bucket,
        BufferingHints = new BufferingHints { SizeInMBs = sizeMiB, IntervalInSeconds = intervalSeconds },
        CompressionFormat = compression,
        Prefix = prefix,
        ErrorOutputPrefix = errorPrefix,
    };

    protected Task<string> CreateAsync(string name, DeliveryDestination destination, FirehoseClient? client = null) =>
        (client ?? Firehose).CreateDeliveryStreamAsync(new DeliveryStreamConfiguration { DeliveryStreamName = name, Destination = destination });

    /// <summary>Every object of a bucket (temporary files excluded) as key -> bytes, keys with '/'.</summary>
    protected Dictionary<string, byte[]> Objects(string bucket) => DirectoryStore.Objects(Path.Combine(ObjectRoot, bucket));

    /// <summary>Waits (real time) until <paramref name="done"/> holds for the bucket's objects, and returns them.</summary>
    protected Task<Dictionary<string, byte[]>> WaitForObjectsAsync(string bucket, Func<Dictionary<string, byte[]>, bool> done, TimeSpan? timeout = null) =>
        DirectoryStore.WaitForObjectsAsync(Path.Combine(ObjectRoot, bucket), bucket, done, timeout);

    /// <summary>The delivery attempts of a delivery stream that failed so far (its statistics).</summary>
    protected async Task<long> FailedDeliveryAttemptsAsync(string deliveryStreamName) =>
        (await Firehose.DescribeDeliveryStreamAsync(deliveryStreamName)).Statistics?.FailedDeliveryAttempts ?? 0;

    /// <summary>
    /// Polls the delivery statistics until more than <paramref name="moreThan"/> delivery attempts failed, moving the
    /// runtime clock by <paramref name="advance"/> before each look: for specs that keep a destination down "for a while"
    /// and must know that delivery met it.
    /// </summary>
    protected Task AwaitFailedDeliveryAsync(string deliveryStreamName, long moreThan = 0, TimeSpan? advance = null) =>
        AwaitAssertAsync(async () =>
        {
            if (advance is { } step) Clock.Advance(step);
            var failed = await FailedDeliveryAttemptsAsync(deliveryStreamName);
            Assert.True(failed > moreThan, $"{failed} failed delivery attempts of {deliveryStreamName}, expected more than {moreThan}");
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

    /// <summary>The uncompressed content of an object.</summary>
    protected static byte[] Decompress(CompressionFormat format, byte[] data)
    {
        switch (format)
        {
            case CompressionFormat.Gzip:
            {
                using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
                using var output = new MemoryStream();
                input.CopyTo(output);
                return output.ToArray();
            }
            case CompressionFormat.Zip:
            {
                using var zip = new ZipArchive(new MemoryStream(data), ZipArchiveMode.Read);
                var entry = Assert.Single(zip.Entries);
                using var input = entry.Open();
                using var output = new MemoryStream();
                input.CopyTo(output);
                return output.ToArray();
            }
            case CompressionFormat.Snappy:
            {
                using var input = new SnappyStream(new MemoryStream(data), CompressionMode.Decompress);
                using var output = new MemoryStream();
                input.CopyTo(output);
                return output.ToArray();
            }
            case CompressionFormat.HadoopSnappy:
            {
                using var output = new MemoryStream();
                var span = data.AsSpan();
                while (span.Length > 0)
                {
                    var original = BinaryPrimitives.ReadInt32BigEndian(span);
                    var compressed = BinaryPrimitives.ReadInt32BigEndian(span[4..]);
                    var block = Snappy.DecompressToArray(span.Slice(8, compressed));
                    Assert.Equal(original, block.Length);
                    output.Write(block);
                    span = span[(8 + compressed)..];
                }
                return output.ToArray();
            }
            default:
                return data;
        }
    }

    /// <summary>All the bucket's objects (not error output) decompressed and concatenated in key order.</summary>
    protected static string Content(Dictionary<string, byte[]> objects, CompressionFormat format = CompressionFormat.Uncompressed) =>
        string.Concat(objects.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => Encoding.UTF8.GetString(Decompress(format, o.Value))));

    /// <summary>
    /// A new ActorSystem on the spec's data (same journal, same object store), after the spec's own was terminated,
    /// with Firehose started as a node starts it (so delivery resumes without a request).
    /// </summary>
    protected override ActorSystem StartAnotherSystem(string name, Config? config = null)
    {
        var system = base.StartAnotherSystem(name, config);
        FirehoseExtension.Get(system);
        return system;
    }
}
