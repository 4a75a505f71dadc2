using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ActorStreams.Kinesis;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace ActorStreams.MicroBenchmarks;

/// <summary>
/// The partition-key hash every put pays: our managed MD5 (<c>Streams/Md5.cs</c>) against the platform's
/// <see cref="MD5.HashData(ReadOnlySpan{byte}, Span{byte})"/> (OpenSSL's EVP on Linux), on a typical 16-character key
/// and the 256-character maximum; and <see cref="HashKey.OfPartitionKey"/> end to end against the same method as it was
/// with the platform MD5. Each category has its own baseline.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
public class PartitionKeyHashBenchmarks
{
    private const string Digest = "md5";
    private const string EndToEnd = "hash-key";

    private readonly byte[] _digest = new byte[16];
    private string _key = "";
    private byte[] _utf8 = [];

    /// <summary>Partition key length in characters (ASCII, so as many UTF-8 bytes).</summary>
    [Params(16, 256)]
    public int KeyLength { get; set; }

    /// <summary>Builds the key.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var builder = new StringBuilder("user-");
        for (var i = 0; builder.Length < KeyLength; i++) builder.Append((char)('a' + i * 7 % 26)).Append(i % 10);
        _key = builder.ToString(0, KeyLength);
        _utf8 = Encoding.UTF8.GetBytes(_key);
    }

    /// <summary>The platform MD5 (what <see cref="HashKey.OfPartitionKey"/> called before the managed one).</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(Digest)]
    public byte PlatformMd5()
    {
        MD5.HashData(_utf8, _digest);
        return _digest[0];
    }

    /// <summary>ActorStreams' managed MD5.</summary>
    [Benchmark, BenchmarkCategory(Digest)]
    public byte ManagedMd5()
    {
        Md5.HashData(_utf8, _digest);
        return _digest[0];
    }

    /// <summary><see cref="HashKey.OfPartitionKey"/> as it was before the managed MD5, verbatim but for the hash call.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(EndToEnd)]
    public UInt128 OfPartitionKeyPlatformMd5() => OfPartitionKeyWithPlatformMd5(_key);

    /// <summary>The current <see cref="HashKey.OfPartitionKey"/>: UTF-8 encoding on the stack, managed MD5, big-endian read.</summary>
    [Benchmark, BenchmarkCategory(EndToEnd)]
    public UInt128 OfPartitionKey() => HashKey.OfPartitionKey(_key);

    private static UInt128 OfPartitionKeyWithPlatformMd5(string partitionKey)
    {
        Span<byte> hash = stackalloc byte[16];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(partitionKey.Length);
        if (maxBytes <= 1024)
        {
            Span<byte> utf8 = stackalloc byte[maxBytes];
            var n = Encoding.UTF8.GetBytes(partitionKey, utf8);
            MD5.HashData(utf8[..n], hash);
        }
        else
        {
            MD5.HashData(Encoding.UTF8.GetBytes(partitionKey), hash);
        }
        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }
}
