using System.Text;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Reads;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Serialization;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>
/// A page filled from stored layouts (journal rows, decoded only as far as the page needs) is the page filled from
/// decoded events: same records, same bytes, same place to continue, for any start, record limit and byte cap.
/// </summary>
public sealed class ReadPageSpec
{
    private static RecordsAppended RandomEvent(Random random, long timestampMs)
    {
        var records = Enumerable.Range(0, random.Next(0, 12)).Select(i =>
        {
            // Keys with multi-byte characters: the byte cap counts UTF-8 bytes, not characters.
            var key = new string('k', random.Next(1, 6)) + (i % 3 == 0 ? "é€" : "") + i;
            var data = new byte[random.Next(0, 40)];
            random.NextBytes(data);
            return new StoredRecord(key, data);
        }).ToArray();
        return new RecordsAppended(timestampMs, records);
    }

    [Fact]
    public void Filling_from_stored_layouts_must_equal_filling_from_decoded_events()
    {
        var random = new Random(7117);
        for (var round = 0; round < 500; round++)
        {
            var events = Enumerable.Range(0, random.Next(1, 6)).Select(i => RandomEvent(random, 1000 + i)).ToArray();
            var limit = random.Next(1, 30);
            var maxBytes = random.Next(1, 400);
            var startIndex = random.Next(0, 4);
            var decoded = new ReadPage(limit, maxBytes);
            var fromLayout = new ReadPage(limit, maxBytes);
            for (var i = 0; i < events.Length; i++)
            {
                var start = i == 0 ? startIndex : 0;
                var layout = ActorStreamsSerializer.WriteRecordsAppended(events[i]);
                var more = decoded.Add(10 + i, events[i], start);
                Assert.Equal(more, fromLayout.AddLayout(10 + i, layout, start));
                if (!more) break;
            }
            Assert.Equal(decoded.FullAt, fromLayout.FullAt);
            Assert.Equal(decoded.Bytes, fromLayout.Bytes);
            Assert.Equal(decoded.Records.Count, fromLayout.Records.Count);
            for (var r = 0; r < decoded.Records.Count; r++)
            {
                var (a, b) = (decoded.Records[r], fromLayout.Records[r]);
                Assert.Equal((a.Position, a.TimestampMs, a.Record.PartitionKey), (b.Position, b.TimestampMs, b.Record.PartitionKey));
                Assert.True(a.Record.Data.Span.SequenceEqual(b.Record.Data.Span));
            }
        }
    }

    [Fact]
    public void A_stored_layout_cut_short_must_fail_to_decode_rather_than_read_past_its_end()
    {
        var layout = ActorStreamsSerializer.WriteRecordsAppended(new RecordsAppended(1, [new StoredRecord("key", Encoding.UTF8.GetBytes("some data"))]));
        var page = new ReadPage(10, 1000);
        Assert.ThrowsAny<Exception>(() => page.AddLayout(1, layout[..^3], 0));
        Assert.Empty(page.Records);
    }
}
