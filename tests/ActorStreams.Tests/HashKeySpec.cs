using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using ActorStreams.Kinesis;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>Hash keys: the MD5 of the partition key, or an explicit decimal, and the uniform split of the key space.</summary>
public sealed class HashKeySpec
{
    private static readonly BigInteger KeySpace = BigInteger.One << 128;

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("partition-key-42")]
    [InlineData("ключ-🔑")]
    public void Hash_key_must_be_the_md5_of_the_utf8_partition_key_read_big_endian(string partitionKey)
    {
        var md5 = MD5.HashData(Encoding.UTF8.GetBytes(partitionKey));
        var expected = new BigInteger(md5, isUnsigned: true, isBigEndian: true);

        Assert.Equal(expected, (BigInteger)HashKey.OfPartitionKey(partitionKey));
    }

    [Fact]
    public void Hash_key_must_match_the_md5_of_a_long_partition_key()
    {
        var key = string.Concat(Enumerable.Repeat("é", 256)); // 512 UTF-8 bytes, past the stack buffer for short keys
        var expected = new BigInteger(MD5.HashData(Encoding.UTF8.GetBytes(key)), isUnsigned: true, isBigEndian: true);

        Assert.Equal(expected, (BigInteger)HashKey.OfPartitionKey(key));
    }

    [Fact]
    public void Hash_key_must_match_the_md5_of_a_partition_key_past_the_managed_md5_cut_off()
    {
        var key = string.Concat(Enumerable.Repeat("€", 256)); // 768 UTF-8 bytes: hashed by the platform's MD5
        var expected = new BigInteger(MD5.HashData(Encoding.UTF8.GetBytes(key)), isUnsigned: true, isBigEndian: true);

        Assert.Equal(expected, (BigInteger)HashKey.OfPartitionKey(key));
    }

    [Fact]
    public void Uniform_ranges_must_be_contiguous_cover_the_key_space_and_start_at_multiples_of_2_to_the_126()
    {
        var ranges = HashKey.UniformRanges(4);

        Assert.Equal(4, ranges.Count);
        for (var i = 0; i < 4; i++)
            Assert.Equal(new BigInteger(i) << 126, (BigInteger)ranges[i].StartingHashKey);
        Assert.Equal(UInt128.Zero, ranges[0].StartingHashKey);
        Assert.Equal(UInt128.MaxValue, ranges[^1].EndingHashKey);
        for (var i = 1; i < 4; i++)
            Assert.Equal(ranges[i - 1].EndingHashKey + 1, ranges[i].StartingHashKey);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Uniform_ranges_of_any_count_must_tile_the_key_space(int count)
    {
        var ranges = HashKey.UniformRanges(count);

        Assert.Equal(UInt128.Zero, ranges[0].StartingHashKey);
        Assert.Equal(UInt128.MaxValue, ranges[^1].EndingHashKey);
        BigInteger total = 0;
        for (var i = 0; i < count; i++)
        {
            Assert.True(ranges[i].StartingHashKey <= ranges[i].EndingHashKey);
            if (i > 0) Assert.Equal(ranges[i - 1].EndingHashKey + 1, ranges[i].StartingHashKey);
            total += (BigInteger)ranges[i].EndingHashKey - ranges[i].StartingHashKey + 1;
        }
        Assert.Equal(KeySpace, total);
    }

    [Theory]
    [InlineData("01")]
    [InlineData("340282366920938463463374607431768211456")] // 2^128
    [InlineData("99999999999999999999999999999999999999999")]
    [InlineData("12a")]
    [InlineData("-1")]
    [InlineData(" 1")]
    [InlineData("")]
    public void Parse_explicit_must_reject_anything_but_a_decimal_below_2_to_the_128_without_leading_zeros(string text)
    {
        Assert.Throws<InvalidArgumentException>(() => HashKey.ParseExplicit(text));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("340282366920938463463374607431768211455")] // 2^128 - 1
    public void Parse_explicit_must_accept_every_decimal_of_the_key_space(string text)
    {
        Assert.Equal(BigInteger.Parse(text), (BigInteger)HashKey.ParseExplicit(text));
    }
}
