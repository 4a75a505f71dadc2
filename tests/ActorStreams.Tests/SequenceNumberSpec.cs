using System.Globalization;
using System.Numerics;
using ActorStreams.Kinesis;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>
/// The text form of a sequence number is Kinesis's 56-digit layout (version 2): "2", 9 hex digits of base time, the
/// shard index's low nibble, 16 hex digits of position, "00", 9 hex digits of arrival second, 8 hex digits of shard
/// index, "2". Checked against a reference written with <see cref="BigInteger"/> and hex strings.
/// </summary>
public sealed class SequenceNumberSpec
{
    private const long MaxEventNo = (1L << 43) - 1;

    private static string Reference(long eventNo, int index, int shard, long? arrivalMs)
    {
        var seconds = arrivalMs is { } ms ? ms / 1000 : SequenceNumber.BaseTimeSeconds;
        // The shard-creation field: the base plus the shard's index, so that children number above their parents.
        var hex = "2" + (SequenceNumber.BaseTimeSeconds + shard).ToString("x9", CultureInfo.InvariantCulture)
            + (shard & 0xF).ToString("x1", CultureInfo.InvariantCulture)
            + ((eventNo << 20) | (long)index).ToString("x16", CultureInfo.InvariantCulture)
            + "00" + seconds.ToString("x9", CultureInfo.InvariantCulture)
            + shard.ToString("x8", CultureInfo.InvariantCulture) + "2";
        return BigInteger.Parse("0" + hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
    }

    private static List<(long EventNo, int Index, int Shard, long? ArrivalMs)> Cases()
    {
        var random = new Random(56);
        var cases = new List<(long, int, int, long?)>
        {
            (0, 0, 0, null), (1, 0, 0, 0), (1, 0, 5, 1_765_000_000_123), (MaxEventNo, SequenceNumber.MaxIndex, int.MaxValue, 68_719_476_735_999),
            (1_234_567_890_123, 654_321, 17, 1_700_000_000_000), (9, 9, 15, null), (10, 10, 16, 999),
        };
        for (var i = 0; i < 5_000; i++)
            cases.Add((random.NextInt64(0, MaxEventNo + 1) >> random.Next(0, 43), random.Next(0, SequenceNumber.MaxIndex + 1),
                random.Next(0, 3) == 0 ? random.Next() : random.Next(0, 64), random.Next(0, 4) == 0 ? null : random.NextInt64(0, 4_000_000_000_000)));
        return cases;
    }

    [Fact]
    public void The_text_form_must_be_Kinesis_layout_of_56_digits_and_parse_back_to_the_position_and_its_shard()
    {
        foreach (var (eventNo, index, shard, arrivalMs) in Cases())
        {
            var text = new SequenceNumber(eventNo, index).Format(new StreamShardId(shard), arrivalMs);
            Assert.Equal(Reference(eventNo, index, shard, arrivalMs), text);
            Assert.Equal(SequenceNumber.TextLength, text.Length);
            Assert.True(SequenceNumber.TryParse(text, out var parsed, out var parsedShard), text);
            Assert.Equal(new SequenceNumber(eventNo, index), parsed);
            Assert.Equal(shard, parsedShard);
        }
    }

    [Fact]
    public void Within_a_shard_text_order_must_be_position_order_whatever_the_arrival_times()
    {
        var random = new Random(7);
        var shard = new StreamShardId(3);
        for (var i = 0; i < 5_000; i++)
        {
            var a = new SequenceNumber(random.NextInt64(0, 1_000_000), random.Next(0, 4));
            var b = new SequenceNumber(random.Next(0, 2) == 0 ? a.EventNo : random.NextInt64(0, 1_000_000), random.Next(0, 4));
            // One arrival per event, scattered so that it disagrees with the positions' order: order must not depend on it.
            static long Arrival(SequenceNumber s) => s.EventNo * 7_919_000_003 % 4_000_000_000_000;
            var ta = a.Format(shard, Arrival(a));
            var tb = b.Format(shard, Arrival(b));
            Assert.Equal(Math.Sign(a.CompareTo(b)), Math.Sign(string.CompareOrdinal(ta, tb)));
            Assert.Equal(Math.Sign(a.CompareTo(b)), Math.Sign(BigInteger.Parse(ta).CompareTo(BigInteger.Parse(tb))));
        }
    }

    [Fact]
    public void The_26_digit_form_of_earlier_builds_must_still_parse_without_a_shard()
    {
        Assert.True(SequenceNumber.TryParse("1" + 42L.ToString("D19", CultureInfo.InvariantCulture) + "000007", out var legacy, out var shard));
        Assert.Equal(new SequenceNumber(42, 7), legacy);
        Assert.Equal(-1, shard);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("5")]
    [InlineData("49039857307708443467467104868809893875799651909875269632")] // version 0 in the last hex digit
    [InlineData("49039857307708443467467104868809893875799651909875269636")] // version 4
    [InlineData("73559785961562665201200657303214840813699477864812904449")] // a leading 3
    [InlineData("49039857307719593840066370180380661734935976090628259842")] // the position's top bit set
    [InlineData("4903985730770844346746710486880989387579965190987526963x")]
    public void Anything_else_must_not_parse(string text) => Assert.False(SequenceNumber.TryParse(text, out _, out _));

    [Fact]
    public void A_shard_index_whose_two_copies_disagree_must_not_parse()
    {
        var text = new SequenceNumber(5, 1).Format(new StreamShardId(1), 1_765_000_000_000);
        // Shard 1 in the low field, shard 2's nibble above: add (2 - 1) at bit 144.
        var forged = (BigInteger.Parse(text) + (BigInteger.One << 144)).ToString(CultureInfo.InvariantCulture);
        Assert.True(SequenceNumber.TryParse(text, out _, out _));
        Assert.False(SequenceNumber.TryParse(forged, out _, out _));
    }

    // What AWS takes as PutRecord's SequenceNumberForOrdering: any shard's and stream's number, in layout 1 or 2.
    [Theory]
    [InlineData("20000000000000000000000000000000000000000000002", true)]  // all 0, version 2
    [InlineData("20000000000000000000000000000000000000000000001", true)]  // all 0, version 1
    [InlineData("20000000000000000000000000000000000000800000002", true)]  // a shard index with its top bit set
    [InlineData("2000000000000000000000000000000000000000000000", false)] // 46 digits
    [InlineData("20000000000000000000000000000000000000000000000", false)] // version 0
    [InlineData("20000000000000000000000000000000000000000000003", false)] // version 3
    [InlineData("20000000000000000000000000000000000000000000004", false)] // version 4
    [InlineData("30000000000000000000000000000000000000000000002", false)] // a leading 3
    [InlineData("1ffffffffff7fffffffffffffff000000000007fffffff2", false)] // a leading 1
    [InlineData("20000000000800000000000000000000000000000000002", false)] // a position of 2^63 or more
    [InlineData("2ffffffffff7fffffffffffffff000000000007fffffff2", false)] // shard time past what Kinesis takes
    [InlineData("20000000000000000000000000000fffffffff000000002", false)] // arrival in the future
    public void A_well_formed_Kinesis_sequence_number_is_what_AWS_takes_for_ordering(string hex, bool wellFormed)
    {
        var text = BigInteger.Parse("0" + hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        Assert.Equal(wellFormed, SequenceNumber.IsWellFormed(text, nowMs: 1_765_000_000_000));
    }

    [Fact]
    public void Every_number_ActorStreams_issues_is_well_formed()
    {
        foreach (var (eventNo, index, shard, _) in Cases())
            Assert.True(SequenceNumber.IsWellFormed(new SequenceNumber(eventNo, index).Format(new StreamShardId(shard), 1_700_000_000_000), 1_765_000_000_000));
        Assert.False(SequenceNumber.IsWellFormed("12345", 1_765_000_000_000));
        Assert.False(SequenceNumber.IsWellFormed("", 1_765_000_000_000));
    }

    [Fact]
    public void The_shard_a_number_of_any_Kinesis_layout_names_is_read_as_AWS_reads_it()
    {
        Assert.Equal(5, SequenceNumber.EncodedShard("5")); // version 0: a small number
        var v2 = BigInteger.Parse("020000000000000000000000000000000000000800000002", NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        Assert.Equal(int.MinValue, SequenceNumber.EncodedShard(v2));
        Assert.Equal("shardId--02147483648", SequenceNumber.ShardIdText(int.MinValue));
        Assert.Equal("shardId-000000000007", SequenceNumber.ShardIdText(7));
        Assert.Equal(9, SequenceNumber.EncodedShard(new SequenceNumber(3, 1).Format(new StreamShardId(9), 1_765_000_000_000)));
        Assert.Null(SequenceNumber.EncodedShard("x1"));
        Assert.Null(SequenceNumber.EncodedShard(""));
    }
}
