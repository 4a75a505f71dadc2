using System.Collections.Immutable;
using System.Text;
using ActorStreams.Internal;
using ActorStreams.Streams;
using Akka.Actor;
using Akka.Serialization;

namespace ActorStreams.Serialization;

/// <summary>
/// The binary format of the events and snapshots of consumer applications (their checkpoints): small, versioned by
/// manifest, kept apart from <see cref="ActorStreamsSerializer"/> so the two evolve independently.
/// </summary>
public sealed class ConsumerApplicationSerializer : SerializerWithStringManifest
{
    private const string ApplicationStartedManifest = "KA";
    private const string CheckpointsAdvancedManifest = "KC";
    private const string SnapshotManifest = "KS";

    /// <summary>Created by Akka's serialization extension.</summary>
    public ConsumerApplicationSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 7119;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        ApplicationStarted => ApplicationStartedManifest,
        CheckpointsAdvanced => CheckpointsAdvancedManifest,
        ConsumerApplicationSnapshot => SnapshotManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not serialized by {nameof(ConsumerApplicationSerializer)}"),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case ApplicationStarted e: Write(w, e); break;
                case CheckpointsAdvanced e: WriteUpdates(w, e.Updates); break;
                case ConsumerApplicationSnapshot s:
                    w.Write(s.Started is not null);
                    if (s.Started is not null) Write(w, s.Started);
                    WriteUpdates(w, s.Checkpoints);
                    break;
                default:
                    throw new ArgumentException($"{obj.GetType()} is not serialized by {nameof(ConsumerApplicationSerializer)}");
            }
        }
        return stream.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return manifest switch
        {
            ApplicationStartedManifest => ReadStarted(r),
            CheckpointsAdvancedManifest => new CheckpointsAdvanced(ReadUpdates(r)),
            SnapshotManifest => new ConsumerApplicationSnapshot(r.ReadBoolean() ? ReadStarted(r) : null, ReadUpdates(r)),
            _ => throw new System.Runtime.Serialization.SerializationException($"Unknown manifest '{manifest}' for {nameof(ConsumerApplicationSerializer)}"),
        };
    }

    private static void Write(BinaryWriter w, ApplicationStarted e)
    {
        w.Write(e.InitialLatest);
        WriteInts(w, e.LatestShards);
        WriteInts(w, e.SkippedShards);
    }

    private static ApplicationStarted ReadStarted(BinaryReader r) => new(r.ReadBoolean(), ReadInts(r), ReadInts(r));

    internal static void WriteUpdates(BinaryWriter w, ImmutableArray<CheckpointUpdate> updates)
    {
        w.Write(updates.Length);
        foreach (var u in updates)
        {
            w.Write(u.ShardIndex);
            w.Write(u.Position.EventNo);
            w.Write(u.Position.Index);
            w.Write(u.ShardEnd);
        }
    }

    internal static ImmutableArray<CheckpointUpdate> ReadUpdates(BinaryReader r)
    {
        var n = r.ReadInt32();
        var result = ImmutableArray.CreateBuilder<CheckpointUpdate>(n);
        for (var i = 0; i < n; i++)
            result.Add(new CheckpointUpdate(r.ReadInt32(), new SequenceNumber(r.ReadInt64(), r.ReadInt32()), r.ReadBoolean()));
        return result.MoveToImmutable();
    }

    internal static void WriteInts(BinaryWriter w, ImmutableArray<int> values)
    {
        w.Write(values.Length);
        foreach (var v in values) w.Write(v);
    }

    internal static ImmutableArray<int> ReadInts(BinaryReader r)
    {
        var n = r.ReadInt32();
        var result = ImmutableArray.CreateBuilder<int>(n);
        for (var i = 0; i < n; i++) result.Add(r.ReadInt32());
        return result.MoveToImmutable();
    }
}
