using System.Buffers.Binary;
using System.Runtime.Serialization;
using ActorStreams.Tests.Firehose;
using Akka.Serialization;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Serialization;

/// <summary>
/// A frame from another node or a damaged journal row is read by our serializers without trusting it: every manifest
/// (the samples of the golden-file, message and Firehose serializer specs), cut short at many points and with huge
/// counts and lengths written over its first bytes, either reads or fails with a SerializationException, and reading
/// it allocates in proportion to the frame, never what a count in it claims.
/// </summary>
public sealed class HostileFrameSpec(ITestOutputHelper output) : ActorStreamsSpec(output)
{
    // Reading a frame may allocate a few times its size (objects, strings, a JSON document); a count taken on trust
    // would allocate gigabytes.
    private const long AllocationSlackBytes = 1 << 20;
    private const int AllocationPerFrameByte = 64;

    // Where the hostile values are written: the headers, counts and first lengths of every layout are in these bytes.
    private const int MutatedPrefix = 48;

    private IEnumerable<object> Samples() =>
        GoldenFormatSpec.Samples.Values
            .Concat(GoldenFormatSpec.FirehoseSamples.Values)
            .Concat(ActorStreamsMessageSerializerSpec.Samples(TestActor))
            .Concat(FirehoseSerializerSpec.Samples());

    [Fact]
    public void Truncated_and_oversized_frames_of_every_manifest_must_fail_as_SerializationException_without_a_giant_allocation()
    {
        var manifests = new HashSet<string>();
        var refused = 0;
        var frames = 0;
        foreach (var sample in Samples())
        {
            var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(sample);
            var manifest = serializer.Manifest(sample);
            manifests.Add($"{serializer.Identifier}/{manifest}");
            var bytes = serializer.ToBinary(sample);
            serializer.FromBinary(bytes, manifest); // first use (JSON metadata, type loading) is not the frame's doing
            foreach (var (what, frame) in HostileFrames(bytes))
            {
                frames++;
                var before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    serializer.FromBinary(frame, manifest);
                }
                catch (SerializationException)
                {
                    refused++;
                }
                catch (Exception e)
                {
                    Assert.Fail($"{sample.GetType().Name} ('{manifest}') {what}: {e.GetType().Name} instead of a SerializationException: {e.Message}");
                }
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated <= AllocationSlackBytes + (long)AllocationPerFrameByte * frame.Length,
                    $"{sample.GetType().Name} ('{manifest}') {what}: reading a {frame.Length}-byte frame allocated {allocated} bytes.");
            }
        }
        Output.WriteLine($"{manifests.Count} manifests, {frames} hostile frames, {refused} refused with a SerializationException");
        Assert.True(manifests.Count > 100, $"only {manifests.Count} manifests were tried");
        Assert.True(refused > frames / 10, $"only {refused} of {frames} hostile frames were refused");
    }

    [Fact]
    public void A_record_batch_claiming_more_records_than_its_bytes_hold_must_be_refused_before_allocating_for_them()
    {
        foreach (var sample in Samples().Where(s => s.GetType().Name is "RecordsAppended" or "FirehoseRecordsAccepted"))
        {
            var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(sample);
            var frame = serializer.ToBinary(sample);
            BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(8), int.MaxValue);
            var ex = Assert.Throws<SerializationException>(() => serializer.FromBinary(frame, serializer.Manifest(sample)));
            Assert.Contains("does not fit", ex.Message);
        }
    }

    /// <summary>Prefixes of the frame, and the frame with int.MaxValue, -1 and 0xFF bytes written at each of its first offsets.</summary>
    private static IEnumerable<(string What, byte[] Frame)> HostileFrames(byte[] bytes)
    {
        var step = Math.Max(1, bytes.Length / 64);
        for (var length = 0; length < bytes.Length; length += length < 32 ? 1 : step)
            yield return ($"cut to {length} of {bytes.Length} bytes", bytes[..length]);
        for (var offset = 0; offset < Math.Min(bytes.Length, MutatedPrefix); offset++)
        {
            foreach (var value in new[] { int.MaxValue, -1 })
            {
                if (offset + 4 > bytes.Length) continue;
                var frame = (byte[])bytes.Clone();
                BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(offset), value);
                yield return ($"with {value} at offset {offset}", frame);
            }
            var varint = (byte[])bytes.Clone();
            // A protobuf length or a 7-bit string length that claims far more than the frame.
            varint.AsSpan(offset, Math.Min(5, bytes.Length - offset)).Fill(0xFF);
            yield return ($"with 0xFF bytes at offset {offset}", varint);
        }
    }
}
