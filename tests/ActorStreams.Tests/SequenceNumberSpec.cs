using System.Globalization;
using ActorStreams.Kinesis;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>The text form of a sequence number: "1", 19 digits of event number, 6 digits of index; parsed back unchanged.</summary>
public sealed class SequenceNumberSpec
{
    private static string Reference(long eventNo, int index) =>
        "1" + eventNo.ToString("D19", CultureInfo.InvariantCulture) + index.ToString("D6", CultureInfo.InvariantCulture);

    [Fact]
    public void The_text_form_must_be_fixed_width_decimal_and_parse_back_to_the_same_position()
    {
        var random = new Random(26);
        var cases = new List<(long, int)> { (0, 0), (1, 0), (9, 9), (10, 10), (99, 99), (100, 100), (long.MaxValue, SequenceNumber.MaxIndex), (1_234_567_890_123, 654_321) };
        for (var i = 0; i < 10_000; i++) cases.Add((random.NextInt64(0, long.MaxValue) >> random.Next(0, 63), random.Next(0, SequenceNumber.MaxIndex + 1)));
        foreach (var (eventNo, index) in cases)
        {
            var text = new SequenceNumber(eventNo, index).ToString();
            Assert.Equal(Reference(eventNo, index), text);
            Assert.True(SequenceNumber.TryParse(text, out var parsed));
            Assert.Equal(new SequenceNumber(eventNo, index), parsed);
        }
    }
}
