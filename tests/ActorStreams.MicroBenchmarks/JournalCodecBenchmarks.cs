using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;
using Akka.Actor;
using BenchmarkDotNet.Attributes;

namespace ActorStreams.MicroBenchmarks;

/// <summary>
/// The journal event codec: <see cref="ActorStreamsSerializer"/> writing (<c>ToBinary</c>) and reading
/// (<c>FromBinary</c>) one <c>RecordsAppended</c> group commit of 500 records of 100 B (a 16-character partition key
/// and 84 bytes of data, as the <c>--cipher</c> mode of tests/ActorStreams.Benchmarks builds them). The payload is
/// <see cref="PayloadBytes"/> per operation, so MB/s = PayloadBytes / mean.
/// </summary>
[MemoryDiagnoser]
public class JournalCodecBenchmarks
{
    /// <summary>Records in the event.</summary>
    public const int Records = 500;

    /// <summary>Partition key plus data of one record.</summary>
    public const int RecordSize = 100;

    /// <summary>Record bytes (keys and data) per operation.</summary>
    public const int PayloadBytes = Records * RecordSize;

    private ActorSystem _system = null!;
    private ActorStreamsSerializer _serializer = null!;
    private RecordsAppended _event = null!;
    private byte[] _bytes = [];

    /// <summary>Builds the event and its layout and checks that it reads back equal.</summary>
    [GlobalSetup]
    public void Setup()
    {
        // A bare actor system: the serializer needs one to exist, nothing in it runs.
        _system = ActorSystem.Create("micro-benchmarks");
        _serializer = new ActorStreamsSerializer((ExtendedActorSystem)_system);
        var records = Enumerable.Range(0, Records)
            .Select(i => new StoredRecord($"pk-{i:D13}", Enumerable.Range(0, RecordSize - 16).Select(b => (byte)(b * 31 + i)).ToArray()))
            .ToArray();
        _event = new RecordsAppended(1_764_115_200_000, records);
        _bytes = _serializer.ToBinary(_event);
        var manifest = _serializer.Manifest(_event);
        if (manifest != ActorStreamsSerializer.RecordsAppendedManifest || !_event.Equals(_serializer.FromBinary(_bytes, manifest)))
            throw new InvalidOperationException("RecordsAppended did not read back equal; the benchmark would measure a broken codec.");
    }

    /// <summary>Stops the actor system.</summary>
    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    /// <summary>Encoding the event into its journal layout (one byte array of the exact size).</summary>
    [Benchmark(Baseline = true)]
    public int Write() => _serializer.ToBinary(_event).Length;

    /// <summary>Decoding the layout: a key string per record, each record's data a slice of the stored bytes.</summary>
    [Benchmark]
    public int Read() => ((RecordsAppended)_serializer.FromBinary(_bytes, ActorStreamsSerializer.RecordsAppendedManifest)).Records.Length;
}
