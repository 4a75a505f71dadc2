using System.Runtime.Serialization;
using Google.Protobuf;

namespace ActorStreams.Serialization;

/// <summary>
/// A serializer's table of protobuf formats: per domain type, its manifest, how it becomes its schema message and how
/// it comes back. The domain types stay plain records; only the serializers see the generated types.
/// </summary>
internal sealed class ProtoFormats
{
    private readonly Dictionary<Type, Format> _byType = new();
    private readonly Dictionary<string, Format> _byManifest = new(StringComparer.Ordinal);

    /// <summary>Every manifest with the type it reads (for tests and diagnostics).</summary>
    public IReadOnlyDictionary<string, Type> Types => _byManifest.ToDictionary(p => p.Key, p => p.Value.Type);

    public ProtoFormats Add<T, TProto>(string manifest, Func<T, TProto> toProto, MessageParser<TProto> parser, Func<TProto, T> fromProto)
        where T : notnull
        where TProto : IMessage<TProto>
    {
        var format = new Format(typeof(T), manifest, o => toProto((T)o).ToByteArray(), bytes => fromProto(parser.ParseFrom(bytes)));
        if (!_byManifest.TryAdd(manifest, format)) throw new InvalidOperationException($"Manifest '{manifest}' is used twice.");
        if (!_byType.TryAdd(typeof(T), format)) throw new InvalidOperationException($"{typeof(T)} has two formats.");
        return this;
    }

    public bool TryGetManifest(Type type, out string manifest)
    {
        manifest = _byType.TryGetValue(type, out var format) ? format.Manifest : "";
        return format is not null;
    }

    public bool TryWrite(object obj, out byte[] bytes)
    {
        bytes = _byType.TryGetValue(obj.GetType(), out var format) ? format.Write(obj) : [];
        return format is not null;
    }

    public bool TryRead(string manifest, byte[] bytes, out object obj)
    {
        if (!_byManifest.TryGetValue(manifest, out var format))
        {
            obj = null!;
            return false;
        }
        try
        {
            obj = format.Read(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SerializationException($"A '{manifest}' ({format.Type.Name}) that does not parse: {e.Message}", e);
        }
        catch (Exception e) when (FrameBounds.IsMalformedFrame(e))
        {
            // It parses, but a field holds what the type refuses (a missing sub-message, a value out of range).
            throw new SerializationException($"A '{manifest}' ({format.Type.Name}) with a field it cannot hold: {e.Message}", e);
        }
        return true;
    }

    private sealed record Format(Type Type, string Manifest, Func<object, byte[]> Write, Func<byte[], object> Read);
}
