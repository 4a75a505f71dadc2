using System.Collections.Immutable;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Internal;
using ActorStreams.Firehose.Serialization;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// Everything Firehose journals or sends between nodes goes through FirehoseSerializer (identifier 7120) and comes
/// back equal, field for field. The type lists are found by reflection, so a type added without a format (or
/// without a sample here) fails this spec; the layouts are the ones ActorStreamsSerializer and
/// ActorStreamsMessageSerializer wrote before Firehose had a serializer of its own.
/// </summary>
public sealed class FirehoseSerializerSpec(ITestOutputHelper output) : ActorStreamsSpec(output)
{
    private static readonly byte[] Payload = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();

    private static readonly ObjectStoreDestination S3Destination = new()
    {
        BucketArn = "arn:aws:s3:::logs",
        Prefix = "year=!{timestamp:yyyy}/",
        ErrorOutputPrefix = "!{firehose:error-output-type}/",
        BufferingHints = new BufferingHints { SizeInMBs = 64, IntervalInSeconds = 60 },
        CompressionFormat = CompressionFormat.Gzip,
        Processing = new ProcessingConfiguration { Enabled = true, LambdaArn = "arn:aws:lambda:us-east-1:000000000000:function:enrich" },
    };

    private static readonly HttpEndpointDestination HttpDestination = new()
    {
        Url = "https://collector.example/ingest",
        Name = "collector",
        AccessKey = "secret",
        GzipContentEncoding = true,
        CommonAttributes = new Dictionary<string, string> { ["team"] = "payments", ["env"] = "" },
        RetryDurationInSeconds = 60,
        BackupAllData = true,
        S3Configuration = S3Destination with { Processing = null },
    };

    private static readonly DeliveryStreamEncryption Encrypted = new() { Enabled = true, KeyType = "CUSTOMER_MANAGED_CMK", KeyArn = "arn:aws:kms:us-east-1:000000000000:key/k" };

    private static readonly KinesisStreamSourceConfiguration KinesisSource = new()
    {
        KinesisStreamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/orders",
        RoleArn = "arn:aws:iam::000000000000:role/firehose",
    };

    private static readonly DeliveryStreamMetadata DeliveryMetadata = new("logs", DeliveryStreamType.KinesisStreamAsSource, KinesisSource, HttpDestination,
        DeliveryStreamEncryption.Disabled, ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("team", "ops")]), 3,
        1_700_000_000_000, 1_700_000_000_500);

    /// <summary>One filled-in instance of every command and reply type; the reflection test demands one per type.</summary>
    internal static object[] Samples() =>
    [
        new CreateDeliveryStream("logs", DeliveryMetadata),
        new CreateDeliveryStream("direct", DeliveryMetadata with { Type = DeliveryStreamType.DirectPut, Source = null, Destination = S3Destination, Encryption = Encrypted }),
        new DescribeDeliveryStream("logs"),
        new UpdateDeliveryDestination("logs", 3, DeliveryStreamDescription.DestinationId, S3Destination, 1_700_000_000_600),
        new UpdateDeliveryDestination("logs", 4, DeliveryStreamDescription.DestinationId, HttpDestination, 1_700_000_000_700),
        new ChangeDeliveryStreamTags("logs", ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("k", "v")]), ["old", "older"],
            1_700_000_000_800),
        new SetDeliveryStreamEncryption("logs", Encrypted, 1_700_000_000_900),
        new SetDeliveryStreamEncryption("logs", DeliveryStreamEncryption.Disabled, 1_700_000_000_901),
        new DeleteDeliveryStream("logs"),
        new PutFirehoseRecords("logs", [Payload, Array.Empty<byte>(), [1, 2, 3]], Payload.Length + 3),
        new WakeDeliveryStream("logs"),
        new RegisterDeliveryStream("logs", DeliveryStreamType.KinesisStreamAsSource, 1_700_000_000_000),
        new UnregisterDeliveryStream("logs"),
        new ListDeliveryStreamNames(10, null, null),
        new ListDeliveryStreamNames(10_000, "logs", DeliveryStreamType.DirectPut),
        StartDeliveryCatalog.Instance,
        new DeliveryStreamGone("logs"),
        new DeliveryStreamAck("logs"),
        new PutFirehoseRecordsResult(42, 3, 497, true),
        new DeliveryStreamTags(ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("team", "ops"), KeyValuePair.Create("x", "")])),
        new DeliveryStreamDescription("logs", "arn:aws:firehose:us-east-1:000000000000:deliverystream/logs", DeliveryStreamStatus.Active,
            DeliveryStreamType.KinesisStreamAsSource, 3, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000),
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500), DeliveryStreamEncryption.Disabled, KinesisSource, HttpDestination),
        new DeliveryStreamDescription("direct", "arn:aws:firehose:us-east-1:000000000000:deliverystream/direct", DeliveryStreamStatus.Active,
            DeliveryStreamType.DirectPut, 1, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000),
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), Encrypted, null, S3Destination)
        {
            Statistics = new DeliveryStreamStatistics("S3", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), 1_000, 945_000, 16.5, 15_592.5, 3,
                new Dictionary<string, ErrorOutputStatistics> { ["processing-failed"] = new(1, 12) }, 40, 37_800, TimeSpan.FromSeconds(42),
                new List<DeliveryError> { new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_400), "S3", "S3.InternalError", "the bucket said 500") }),
        },
        new ListDeliveryStreamsResult(new List<string> { "direct", "logs" }, true),
        new ListDeliveryStreamsResult(new List<string>(), false),
    ];

    public static IEnumerable<object[]> SampleData => Samples().Select((s, i) => new object[] { i, s.GetType().Name });

    /// <summary>Public replies that cannot carry the internal marker; the Firehose reference.conf binds them by name.</summary>
    private static readonly Type[] PublicReplies = [typeof(DeliveryStreamDescription), typeof(ListDeliveryStreamsResult)];

    private static IEnumerable<Type> FirehoseTypes() =>
        typeof(FirehoseSerializer).Assembly.GetTypes().Where(t => !t.IsInterface && !t.IsAbstract);

    private T RoundTrip<T>(T obj) where T : notnull
    {
        var serializer = Sys.Serialization.FindSerializerFor(obj);
        Assert.IsType<FirehoseSerializer>(serializer);
        Assert.Equal(7120, serializer.Identifier);
        var bytes = serializer.ToBinary(obj);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, obj);
        Assert.True(manifest.Length is > 0 and <= 3, $"manifest '{manifest}'");
        // Through the registry by identifier and manifest, as the journal and the remote transport read it back.
        var copy = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.IsType(obj.GetType(), copy);
        return (T)copy;
    }

    [Fact]
    public void Every_serializable_type_must_have_a_format_and_every_message_a_sample()
    {
        var serializable = FirehoseTypes().Where(t => typeof(IFirehoseSerializable).IsAssignableFrom(t)).Concat(PublicReplies).ToList();
        Assert.True(serializable.Count >= 30, $"only {serializable.Count} serializable types found");
        var manifests = FirehoseSerializer.Manifests;
        var missingFormat = serializable.Where(t => !manifests.ContainsKey(t)).Select(t => t.Name).ToList();
        Assert.True(missingFormat.Count == 0, $"no format in FirehoseSerializer for: {string.Join(", ", missingFormat)}");
        var messages = FirehoseTypes().Where(t => typeof(IFirehoseMessage).IsAssignableFrom(t)).Concat(PublicReplies).ToList();
        var missingSample = messages.Where(t => Samples().All(s => s.GetType() != t)).Select(t => t.Name).ToList();
        Assert.True(missingSample.Count == 0, $"no sample in {nameof(FirehoseSerializerSpec)} for: {string.Join(", ", missingSample)}");
        // The interfaces the sharding regions route by are messages, so anything sent through them has a format.
        Assert.True(typeof(IFirehoseMessage).IsAssignableFrom(typeof(IDeliveryStreamCommand)));
        Assert.True(typeof(IFirehoseMessage).IsAssignableFrom(typeof(IDeliveryCatalogCommand)));
    }

    [Fact]
    public void Protocol_types_named_like_commands_or_replies_must_be_marked_as_messages()
    {
        // A command or reply that forgot its marker would fall to the JSON serializer between nodes. Commands are found
        // by their routing interfaces (I...Command), replies by their names; public API types and nested (actor-private)
        // types are not messages.
        string[] replySuffixes = ["Result", "Reply", "Ack", "Gone", "Tags", "Command"];
        var unmarked = FirehoseTypes()
            .Where(t => !t.IsPublic && !t.IsNested && t.Namespace?.StartsWith("ActorStreams.Firehose", StringComparison.Ordinal) == true)
            .Where(t => replySuffixes.Any(s => t.Name.EndsWith(s, StringComparison.Ordinal))
                        || t.GetInterfaces().Any(i => i.Name.StartsWith('I') && i.Name.EndsWith("Command", StringComparison.Ordinal)))
            .Where(t => !typeof(IFirehoseSerializable).IsAssignableFrom(t))
            .Select(t => t.FullName)
            .ToList();
        Assert.True(unmarked.Count == 0, $"not marked IFirehoseMessage: {string.Join(", ", unmarked)}");
    }

    [Theory]
    [MemberData(nameof(SampleData))]
    public void A_message_must_round_trip_field_for_field(int sample, string typeName)
    {
        var message = Samples()[sample];
        Assert.Equal(typeName, message.GetType().Name);

        var copy = RoundTrip(message);

        // A singleton signal: the same type is all there is to compare.
        if (message is not StartDeliveryCatalog) ActorStreamsMessageSerializerSpec.AssertSameData(message, copy, typeName);
    }

    [Fact]
    public void Firehose_events_and_snapshots_must_round_trip()
    {
        var metadata = new DeliveryStreamMetadata("fh", DeliveryStreamType.DirectPut, null,
            new HttpEndpointDestination
            {
                Url = "http://127.0.0.1:9/", AccessKey = "key", GzipContentEncoding = true,
                CommonAttributes = new Dictionary<string, string> { ["a"] = "b" },
                S3Configuration = new ObjectStoreDestination { BucketArn = "arn:aws:s3:::b", CompressionFormat = CompressionFormat.Gzip },
            },
            new DeliveryStreamEncryption { Enabled = true, KeyType = "AWS_OWNED_CMK" },
            ImmutableSortedDictionary<string, string>.Empty.Add("t", "v"), 3, 1_700_000_000_000, 1_700_000_000_500);
        var changed = RoundTrip(new DeliveryStreamChanged(metadata));
        Assert.Equal(metadata, changed.Metadata);
        var http = Assert.IsType<HttpEndpointDestination>(changed.Metadata.Destination);
        Assert.Equal("b", http.CommonAttributes["a"]);
        Assert.Equal(CompressionFormat.Gzip, http.S3Configuration.CompressionFormat);

        var records = new FirehoseRecordsAccepted(1_700_000_000_001, [[1, 2, 3], [], Enumerable.Range(0, 300).Select(i => (byte)i).ToArray()]);
        Assert.Equal(records, RoundTrip(records));
        var sealedEvent = new DeliveryBufferSealed(Guid.NewGuid(), 42, 1_700_000_000_002);
        Assert.Equal(sealedEvent, RoundTrip(sealedEvent));
        var completed = new DeliveryBufferCompleted(Guid.NewGuid());
        Assert.Equal(completed, RoundTrip(completed));
        Assert.Equal(new DeliveryStreamDeleted(5), RoundTrip(new DeliveryStreamDeleted(5)));
        var checkpoint = new SourceCheckpointed("shardId-000000000001", "12345");
        Assert.Equal(checkpoint, RoundTrip(checkpoint));
        var snapshot = new DeliveryStreamSnapshot(metadata, false,
            [new BufferedRecord(7, [9, 8]), new BufferedRecord(8, [])],
            [new SealedBuffer(Guid.NewGuid(), 1, 9)],
            ImmutableSortedDictionary<string, string>.Empty.Add("shardId-000000000000", "77"));
        Assert.Equal(snapshot, RoundTrip(snapshot));
        var registered = new DeliveryStreamRegistered("fh", DeliveryStreamType.KinesisStreamAsSource, 11);
        Assert.Equal(registered, RoundTrip(registered));
        Assert.Equal(new DeliveryStreamUnregistered("fh"), RoundTrip(new DeliveryStreamUnregistered("fh")));
        var catalog = new DeliveryCatalogSnapshot([registered]);
        Assert.Equal(catalog, RoundTrip(catalog));
    }

    [Fact]
    public void The_protobuf_metadata_event_and_snapshot_must_round_trip_every_field()
    {
        var direct = DeliveryMetadata with { Type = DeliveryStreamType.DirectPut, Source = null, Destination = S3Destination, Encryption = Encrypted };
        var changed = RoundTrip(new DeliveryStreamChanged(direct));
        Assert.Equal(direct, changed.Metadata);
        Assert.Null(changed.Metadata.Source);
        Assert.Equal("ops", changed.Metadata.Tags["team"]);
        Assert.Equal((3, 1_700_000_000_000L, 1_700_000_000_500L), (changed.Metadata.Version, changed.Metadata.CreatedAtMs, changed.Metadata.UpdatedAtMs));
        var withSource = RoundTrip(new DeliveryStreamChanged(DeliveryMetadata));
        Assert.Equal(KinesisSource.KinesisStreamArn, withSource.Metadata.Source?.KinesisStreamArn);
        Assert.Equal(DeliveryStreamType.KinesisStreamAsSource, withSource.Metadata.Type);

        var partitioned = new DeliveryStreamSnapshot(DeliveryMetadata, true, [new BufferedRecord(5, Payload)], [],
            ImmutableSortedDictionary<string, string>.Empty)
        {
            Partitions =
            [
                new PartitionSnapshot(ImmutableSortedDictionary<string, string>.Empty.Add("region", "eu").Add("day", "01"), false,
                    [new BufferedRecord(6, [1]), new BufferedRecord(7, [])], [new SealedBuffer(Guid.NewGuid(), 2, 8)], 4),
                new PartitionSnapshot(ImmutableSortedDictionary<string, string>.Empty, true, [], [new SealedBuffer(Guid.NewGuid(), 0, 9)], 3),
            ],
        };
        var read = RoundTrip(partitioned);
        Assert.Equal(partitioned, read);
        Assert.True(read.Deleted);
        Assert.Equal(["day", "region"], read.Partitions[0].Keys.Keys);
        Assert.Equal(4, read.Partitions[0].OpenedAtMs);
        Assert.True(read.Partitions[1].Overflow);

        var empty = new DeliveryStreamSnapshot(null, false, [], [], ImmutableSortedDictionary<string, string>.Empty);
        var emptyRead = RoundTrip(empty);
        Assert.Equal(empty, emptyRead);
        Assert.Null(emptyRead.Metadata);
        Assert.Empty(emptyRead.Partitions);
    }

    [Fact]
    public void A_protobuf_metadata_frame_with_a_field_it_cannot_hold_must_fail_with_a_serialization_error()
    {
        var serializer = Sys.Serialization.FindSerializerFor(new DeliveryStreamChanged(DeliveryMetadata));
        // An FM without its metadata, an FM whose type is no DeliveryStreamType, an FN whose sealed buffer id is not a Guid.
        byte[] noMetadata = [];
        byte[] unknownType = [0x0A, 0x02, 0x10, 0x07];
        byte[] shortGuid = [0x22, 0x03, 0x0A, 0x01, 0x01];
        var e1 = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Sys.Serialization.Deserialize(noMetadata, serializer.Identifier, "FM"));
        Assert.Contains("without its metadata", e1.Message);
        var e2 = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Sys.Serialization.Deserialize(unknownType, serializer.Identifier, "FM"));
        Assert.Contains("unknown DeliveryStreamType 7", e2.Message);
        var e3 = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Sys.Serialization.Deserialize(shortGuid, serializer.Identifier, "FN"));
        Assert.Contains("1 bytes", e3.Message);
    }

    [Fact]
    public void A_group_commit_of_puts_must_keep_its_layout_of_raw_payloads()
    {
        var records = new FirehoseRecordsAccepted(0x0102030405060708, [[0xAA, 0xBB], []]);
        var serializer = Sys.Serialization.FindSerializerFor(records);

        var bytes = serializer.ToBinary(records);

        // timestamp (i64 LE), count (i32 LE), then per record its length (i32 LE) and bytes.
        byte[] expected = [8, 7, 6, 5, 4, 3, 2, 1, 2, 0, 0, 0, 2, 0, 0, 0, 0xAA, 0xBB, 0, 0, 0, 0];
        Assert.Equal(expected, bytes);
        Assert.Equal("FR", Akka.Serialization.Serialization.ManifestFor(serializer, records));
    }

    [Fact]
    public void An_unknown_manifest_or_a_truncated_message_must_fail_with_a_serialization_error()
    {
        var put = new PutFirehoseRecords("logs", [Payload], Payload.Length);
        var serializer = Sys.Serialization.FindSerializerFor(put);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Sys.Serialization.Deserialize([1, 2], serializer.Identifier, "zz"));
        var bytes = serializer.ToBinary(put);
        Assert.ThrowsAny<Exception>(() => Sys.Serialization.Deserialize(bytes[..^10], serializer.Identifier, "fP"));
    }

    [Fact]
    public async Task A_system_without_the_Firehose_configuration_must_refuse_to_start_Firehose()
    {
        var system = ActorSystem.Create("without-firehose-" + Guid.NewGuid().ToString("N")[..6],
            ActorStreamsSetup.CreateActorSystemSetup(Akka.Configuration.ConfigurationFactory.ParseString("""
                akka.loglevel = WARNING
                actorstreams.journal.provider = inmemory
                """)));
        try
        {
            var failure = Assert.ThrowsAny<Exception>(() => FirehoseExtension.Get(system));
            Assert.Contains("FirehoseConfig.Default", failure.ToString());
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
