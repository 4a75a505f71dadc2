using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using Akka.Actor;
using Akka.Serialization;
using P = ActorStreams.Serialization.Proto;

namespace ActorStreams.Serialization;

// A persisted format changes only with a test that reads the previous one: these are protobuf messages
// (Proto/kinesis_events.proto) that gain fields under new numbers, and the golden files in
// tests/ActorStreams.Tests/Serialization/golden hold each manifest as written today.

/// <summary>
/// The binary format of the events and snapshots of consumer applications (their checkpoints): the protobuf messages
/// of <c>Proto/kinesis_events.proto</c>, kept apart from <see cref="ActorStreamsSerializer"/> so the two evolve independently.
/// </summary>
public sealed class ConsumerApplicationSerializer : SerializerWithStringManifest
{
    private static readonly ProtoFormats Formats = new ProtoFormats()
        .Add<ApplicationStarted, P.ApplicationStarted>("KA", Started, P.ApplicationStarted.Parser, Started)
        .Add<CheckpointsAdvanced, P.CheckpointsAdvanced>("KC", e => new() { Updates = { e.Updates.Select(KinesisProto.Checkpoint) } },
            P.CheckpointsAdvanced.Parser, p => new CheckpointsAdvanced(KinesisProto.Checkpoints(p.Updates)))
        .Add<ConsumerApplicationSnapshot, P.ConsumerApplicationSnapshot>("KS",
            s => new() { Started = s.Started is null ? null : Started(s.Started), Checkpoints = { s.Checkpoints.Select(KinesisProto.Checkpoint) } },
            P.ConsumerApplicationSnapshot.Parser,
            p => new ConsumerApplicationSnapshot(p.Started is null ? null : Started(p.Started), KinesisProto.Checkpoints(p.Checkpoints)));

    /// <summary>Created by Akka's serialization extension.</summary>
    public ConsumerApplicationSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 7119;

    /// <summary>Every manifest with the type it reads (the golden-file spec covers each).</summary>
    internal static IReadOnlyDictionary<string, Type> Manifests => Formats.Types;

    /// <inheritdoc />
    public override string Manifest(object o) =>
        Formats.TryGetManifest(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType()} is not serialized by {nameof(ConsumerApplicationSerializer)}");

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) =>
        Formats.TryWrite(obj, out var bytes)
            ? bytes
            : throw new ArgumentException($"{obj.GetType()} is not serialized by {nameof(ConsumerApplicationSerializer)}");

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) =>
        Formats.TryRead(manifest, bytes, out var obj)
            ? obj
            : throw new System.Runtime.Serialization.SerializationException($"Unknown manifest '{manifest}' for {nameof(ConsumerApplicationSerializer)}");

    private static P.ApplicationStarted Started(ApplicationStarted e) =>
        new() { InitialLatest = e.InitialLatest, LatestShards = { e.LatestShards }, SkippedShards = { e.SkippedShards } };

    private static ApplicationStarted Started(P.ApplicationStarted p) => new(p.InitialLatest, [.. p.LatestShards], [.. p.SkippedShards]);
}
