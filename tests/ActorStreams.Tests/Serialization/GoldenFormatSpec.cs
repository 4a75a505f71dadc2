using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Internal;
using ActorStreams.Firehose.Serialization;
using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;
using Akka.Serialization;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Serialization;

/// <summary>
/// What the Kinesis and Firehose sides persist must stay readable: every event and snapshot manifest has a golden file, the bytes
/// the serializer wrote when the format was set (<c>golden/&lt;manifest&gt;.bin</c>), and each must still read as the
/// sample it was written from. A format change that breaks reading fails here. To add a manifest (or a new golden
/// file for a new format next to the old one), add its sample and run this spec once with
/// <c>ACTORSTREAMS_WRITE_GOLDEN=1</c>, which writes the missing files into the source tree; never rewrite a file that
/// is already committed.
/// </summary>
public sealed class GoldenFormatSpec(ITestOutputHelper output) : ActorStreamsSpec(output)
{
    private const string WriteVariable = "ACTORSTREAMS_WRITE_GOLDEN";

    private static readonly ShardInitialized Init = new("orders", 7, 2, UInt128.MaxValue / 4, UInt128.MaxValue / 2, 48, 1_700_000_000_123);

    private static readonly ImmutableSortedDictionary<string, string> Tags =
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("env", ""), KeyValuePair.Create("team", "payments")]);

    private static readonly ShardClosed Closed = new(41, 1_700_000_010_000,
    [
        new ChildShardEntry(3, 2, null, new HashKeyRange(UInt128.MaxValue / 4, UInt128.MaxValue / 3)),
        new ChildShardEntry(4, 2, 1, new HashKeyRange(UInt128.MaxValue / 3 + 1, UInt128.MaxValue / 2)),
    ]);

    private static readonly ImmutableArray<ReshardOp> Ops =
        [new(ReshardOpKind.Split, UInt128.MaxValue / 3), new(ReshardOpKind.Merge, UInt128.One << 100, UpperIsParent: true)];

    private static readonly StreamEntry Stream = new("orders", 3, StreamStatus.Updating, StreamMode.OnDemand, 36, 1_700_000_000_000,
        [
            new ShardEntry(0, new HashKeyRange(0, UInt128.MaxValue / 2), null, null, 17, 1_700_000_000_000, 1_700_000_000_700),
            new ShardEntry(1, new HashKeyRange(UInt128.MaxValue / 2 + 1, UInt128.MaxValue), null, null, null),
            new ShardEntry(2, new HashKeyRange(0, UInt128.MaxValue / 4), 0, 1, null, 1_700_000_000_700),
        ],
        Tags,
        [new ConsumerEntry("billing", 1_700_000_000_500) { Tags = Tags }, new ConsumerEntry("audit", 1_700_000_000_600)],
        Ops, [1_700_000_000_100, 1_700_000_000_200], [1_700_000_000_300]) { EncryptionKeyId = "alias/orders" };

    private static readonly ApplicationStarted Started = new(true, [0, 3], [1, 2]);

    private static readonly ImmutableArray<CheckpointUpdate> Checkpoints =
        [new CheckpointUpdate(0, new SequenceNumber(12, 3), false), new CheckpointUpdate(5, new SequenceNumber(99, 0), true)];

    /// <summary>One filled-in sample per persisted manifest, optional fields set, so the golden file carries every field.</summary>
    internal static readonly IReadOnlyDictionary<string, object> Samples = new Dictionary<string, object>
    {
        // ---- StreamShard (ActorStreamsSerializer) ----
        ["RA"] = new RecordsAppended(1_700_000_000_456, [new StoredRecord("key-1", new byte[] { 0, 1, 2, 255 }), new StoredRecord("ключ-🔑", Array.Empty<byte>())]),
        ["RE"] = new EncryptedRecordsAppended(1_700_000_000_457, 3, 1234, "alias/orders", Enumerable.Range(0, 60).Select(i => (byte)i).ToArray()),
        ["SI"] = Init,
        ["SR"] = new ShardRetentionChanged(168),
        ["SX"] = new ShardRetired(1_700_000_020_000),
        ["SE"] = new ShardEncryptionChanged("alias/orders"),
        ["SC"] = Closed,
        ["SS"] = new StreamShardSnapshot(Init, 72, 42, false, 1_700_000_009_000, 41, [2, 17, 40], [1_700_000_000_000, 1_700_000_005_000, 1_700_000_009_000],
            Closed, "alias/orders"),
        // ---- stream catalog (ActorStreamsSerializer) ----
        ["CC"] = new StreamCreated("orders", 3, 4, StreamMode.OnDemand, 24, 1_700_000_000_000),
        ["CA"] = new StreamActivated("orders"),
        ["CD"] = new StreamDeletionStarted("orders"),
        ["CX"] = new StreamDeleted("orders"),
        ["CR"] = new StreamRetentionChanged("orders", 99),
        ["CT"] = new StreamTagsAdded("orders", Tags),
        ["CU"] = new StreamTagsRemoved("orders", ["env", "team"]),
        ["CE"] = new StreamEncryptionChanged("orders", "arn:aws:kms:us-east-1:000000000000:key/k"),
        ["CO"] = new StreamModeChanged("orders", StreamMode.OnDemand, 1_700_000_000_800),
        ["CB"] = new AccountCommitmentChanged(new AccountCommitment(1_700_000_000_000, 1_700_086_400_000)),
        ["CH"] = new StreamWarmThroughputChanged("orders", 64),
        ["CK"] = new StreamMaxRecordSizeChanged("orders", 10_240),
        ["CI"] = new StreamRecordDistributionChanged("orders", RecordDistributionStrategy.Auto),
        ["CF"] = new ResourcePolicyChanged("orders", "billing", "{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"kinesis:*\",\"Resource\":\"*\"}]}"),
        ["CM"] = new StreamMonitoringChanged("orders", ShardLevelMetrics.IncomingBytes | ShardLevelMetrics.IteratorAgeMilliseconds),
        ["CG"] = new ConsumerRegistered("orders", "billing", 1_700_000_000_500),
        ["CN"] = new ConsumerDeregistered("orders", "billing"),
        ["CV"] = new ConsumerTagsAdded("orders", "billing", Tags),
        ["CW"] = new ConsumerTagsRemoved("orders", "billing", ["team"]),
        ["CP"] = new ReshardStarted("orders", Ops, 1_700_000_000_900),
        ["CQ"] = new ReshardStepCompleted("orders", 41, 7, 1_700_000_001_000),
        ["CY"] = new ClosedShardRemoved("orders", 3),
        ["CS"] = new CatalogSnapshot(9, [Stream, Stream with { Name = "other", Status = StreamStatus.Active, Tags = ConsumerEntry.NoTags, Consumers = [] }]),
        // ---- consumer applications (ConsumerApplicationSerializer) ----
        ["KA"] = Started,
        ["KC"] = new CheckpointsAdvanced(Checkpoints),
        ["KS"] = new ConsumerApplicationSnapshot(Started, Checkpoints),
    };

    private static readonly DeliveryStreamMetadata FirehoseMetadata = new("logs", DeliveryStreamType.KinesisStreamAsSource,
        new KinesisStreamSourceConfiguration { KinesisStreamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/orders", RoleArn = "arn:aws:iam::000000000000:role/firehose" },
        new HttpEndpointDestination
        {
            Url = "https://collector.example/ingest",
            Name = "collector",
            CommonAttributes = new Dictionary<string, string> { ["team"] = "payments" },
            S3Configuration = new ObjectStoreDestination { BucketArn = "arn:aws:s3:::backup", CompressionFormat = CompressionFormat.Gzip },
        },
        new DeliveryStreamEncryption { Enabled = true, KeyType = "AWS_OWNED_CMK" }, Tags, 3, 1_700_000_000_000, 1_700_000_000_500);

    private static readonly ImmutableSortedDictionary<string, string> PartitionKeys =
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("customer", "42"), KeyValuePair.Create("région", "eu-ü")]);

    private static readonly DeliveryStreamRegistered Registered = new("logs", DeliveryStreamType.KinesisStreamAsSource, 1_700_000_000_000);

    /// <summary>
    /// Every Firehose event and snapshot the journal or snapshot store holds (FirehoseSerializer's <c>F?</c>
    /// manifests: the protobuf FM and FN of <c>firehose_events.proto</c>, the BinaryWriter layouts and FR's span
    /// layout): one filled-in sample each. Commands and replies (<c>f?</c>) only cross nodes and are not kept.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, object> FirehoseSamples = new Dictionary<string, object>
    {
        // ---- a DeliveryStream entity's events ----
        ["FR"] = new FirehoseRecordsAccepted(1_700_000_000_600, [[0, 1, 255], [], Enumerable.Range(0, 300).Select(i => (byte)i).ToArray()]),
        ["FD"] = new DeliveryStreamDeleted(1_700_000_009_000),
        ["FS"] = new DeliveryBufferSealed(new Guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), 12, 1_700_000_000_700),
        ["FC"] = new DeliveryBufferCompleted(new Guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")),
        ["FK"] = new SourceCheckpointed("shardId-000000000000", "49590338271490256608559692538361571095921575989136588898"),
        ["FP"] = new DeliveryRecordsPartitioned(new Guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), 1_700_000_000_800,
        [
            new PartitionedRecords(PartitionKeys, false, [new BufferedRecord(1_700_000_000_600, [0, 1, 255]), new BufferedRecord(1_700_000_000_601, [])]),
            new PartitionedRecords(ImmutableSortedDictionary<string, string>.Empty, true, [new BufferedRecord(1_700_000_000_602, [9])]),
        ]),
        // The partition is PartitionKeys in Partitioning.Canonical's form, written out so the sample cannot drift.
        ["FQ"] = new PartitionBufferSealed(new Guid("00112233-4455-6677-8899-aabbccddeeff"), "customer\u000142\0région\u0001eu-ü", 2, 1_700_000_000_900),
        // Encryption on: a record-carrying event or the snapshot sealed; the bytes stand in for a ciphertext.
        ["FZ"] = new SealedFirehoseEvent("alias/aws/firehose", "FR", [.. Enumerable.Range(0, 40).Select(i => (byte)(i * 7))]),
        // ---- the delivery catalog's events and snapshot ----
        ["FG"] = Registered,
        ["FU"] = new DeliveryStreamUnregistered("logs"),
        ["FL"] = new DeliveryCatalogSnapshot([Registered, new DeliveryStreamRegistered("direct", DeliveryStreamType.DirectPut, 1_700_000_000_100)]),
        // ---- a DeliveryStream entity's metadata event and snapshot (protobuf) ----
        ["FM"] = new DeliveryStreamChanged(FirehoseMetadata),
        ["FN"] = new DeliveryStreamSnapshot(FirehoseMetadata, false,
            [new BufferedRecord(1_700_000_000_600, [0, 1, 255]), new BufferedRecord(1_700_000_000_601, [])],
            [new SealedBuffer(new Guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), 12, 1_700_000_000_700)],
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("shardId-000000000000", "49590338271490256608559692538361571095921575989136588898")]))
        {
            Partitions =
            [
                new PartitionSnapshot(ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("customer", "42")]), false,
                    [new BufferedRecord(1_700_000_000_650, [7, 7])], [new SealedBuffer(new Guid("00112233-4455-6677-8899-aabbccddeeff"), 1, 1_700_000_000_660)],
                    1_700_000_000_640),
                new PartitionSnapshot(ImmutableSortedDictionary<string, string>.Empty, true, [], [], 1_700_000_000_641),
            ],
        },
    };

    public static IEnumerable<object[]> Manifests => Samples.Keys.Concat(FirehoseSamples.Keys).Order(StringComparer.Ordinal).Select(m => new object[] { m });

    [Fact]
    public void Every_persisted_firehose_manifest_must_have_a_sample_and_a_golden_file()
    {
        // Persisted: what FirehoseSerializer writes that is not a command or reply crossing nodes.
        var persisted = FirehoseSerializer.Manifests
            .Where(p => typeof(IFirehoseSerializable).IsAssignableFrom(p.Key) && !typeof(IFirehoseMessage).IsAssignableFrom(p.Key))
            .Select(p => p.Value)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(persisted.Count >= 12, $"only {persisted.Count} persisted Firehose manifests found: {string.Join(", ", persisted)}");
        Assert.All(persisted, m => Assert.StartsWith("F", m, StringComparison.Ordinal));
        Assert.Equal(persisted, FirehoseSamples.Keys.Order(StringComparer.Ordinal));
        foreach (var (manifest, sample) in FirehoseSamples)
        {
            var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(sample);
            Assert.Equal(FirehoseSerializer.SerializerId, serializer.Identifier);
            Assert.Equal(manifest, serializer.Manifest(sample));
            Assert.True(WriteMode || File.Exists(GoldenFile(manifest)),
                $"no golden file for '{manifest}': run {nameof(GoldenFormatSpec)} once with {WriteVariable}=1 and commit what it writes");
        }
    }

    [Fact]
    public void Every_persisted_kinesis_manifest_must_have_a_sample_and_a_golden_file()
    {
        var persisted = ActorStreamsSerializer.KinesisManifests.Keys
            .Concat([ActorStreamsSerializer.RecordsAppendedManifest, ActorStreamsSerializer.EncryptedRecordsAppendedManifest])
            .Concat(ConsumerApplicationSerializer.Manifests.Keys)
            .Order(StringComparer.Ordinal);
        Assert.Equal(persisted, Samples.Keys.Order(StringComparer.Ordinal));
        foreach (var (manifest, sample) in Samples)
        {
            var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(sample);
            Assert.Equal(manifest, serializer.Manifest(sample));
            Assert.True(WriteMode || File.Exists(GoldenFile(manifest)),
                $"no golden file for '{manifest}': run {nameof(GoldenFormatSpec)} once with {WriteVariable}=1 and commit what it writes");
        }
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void A_golden_file_must_still_read_as_the_sample_it_was_written_from(string manifest)
    {
        var sample = Samples.TryGetValue(manifest, out var kinesis) ? kinesis : FirehoseSamples[manifest];
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(sample);
        var file = GoldenFile(manifest);
        if (WriteMode)
        {
            file = SourceGoldenFile(manifest);
            if (!File.Exists(file)) File.WriteAllBytes(file, serializer.ToBinary(sample));
        }

        var read = Sys.Serialization.Deserialize(File.ReadAllBytes(file), serializer.Identifier, manifest);

        Assert.IsType(sample.GetType(), read);
        Assert.Equal(sample, read);
    }

    private static bool WriteMode => Environment.GetEnvironmentVariable(WriteVariable) == "1";

    // The test project copies the golden folder next to the assembly; the writer puts new files into the source tree.
    private static string GoldenFile(string manifest) => Path.Combine(AppContext.BaseDirectory, "Serialization", "golden", manifest + ".bin");

    private static string SourceGoldenFile(string manifest, [CallerFilePath] string spec = "") =>
        Path.Combine(Path.GetDirectoryName(spec)!, "golden", manifest + ".bin");
}
