using System.Security.Cryptography;
using System.Text;
using ActorStreams.Kinesis;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>The managed MD5 behind partition-key hashing must equal the platform's MD5 bit for bit.</summary>
public sealed class Md5Spec
{
    private static string Hex(ReadOnlySpan<byte> input)
    {
        Span<byte> digest = stackalloc byte[16];
        Md5.HashData(input, digest);
        return Convert.ToHexStringLower(digest);
    }

    [Theory]
    // The test suite of RFC 1321, appendix A.5.
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("a", "0cc175b9c0f1b6a831c399e269772661")]
    [InlineData("abc", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("message digest", "f96b697d7cb7938d525a2f31aaf161d0")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a")]
    public void Must_give_the_digests_of_the_rfc_1321_test_suite(string input, string expected) =>
        Assert.Equal(expected, Hex(Encoding.ASCII.GetBytes(input)));

    [Fact]
    public void Must_equal_the_platform_md5_for_every_length_up_to_1100_bytes()
    {
        // Every length crosses the one-block / two-block padding boundary (55/56 bytes mod 64) and several full blocks;
        // 1,024 bytes is the longest partition key (256 characters of up to 4 UTF-8 bytes).
        var random = new Random(1321);
        var data = new byte[1100];
        random.NextBytes(data);
        for (var length = 0; length <= data.Length; length++)
        {
            var input = data.AsSpan(0, length);
            Assert.True(Convert.ToHexStringLower(MD5.HashData(input)) == Hex(input), $"length {length}");
        }
    }

    [Fact]
    public void Must_refuse_a_digest_buffer_shorter_than_16_bytes() =>
        Assert.Throws<ArgumentException>(() => Md5.HashData("abc"u8, new byte[15]));
}
