using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Reads;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>How many rows a PostgreSQL journal query asks for: about what the page still has room for.</summary>
public sealed class SqlJournalReaderRowsToAskSpec
{
    [Fact]
    public void The_first_query_of_a_read_must_ask_for_a_few_rows() =>
        Assert.Equal(SqlJournalReader.FirstSizedQueryRows, SqlJournalReader.RowsToAsk(0, 0, 0, 10_000, 10 << 20, 256));

    [Fact]
    public void Later_queries_must_ask_for_the_rows_that_fill_the_page_plus_the_one_that_closes_it()
    {
        // 3 rows held 4,500 records (1,500 per row); 5,500 records of room need 4 more rows, and one closes the page.
        Assert.Equal(5, SqlJournalReader.RowsToAsk(3, 4_500, 450_000, 5_500, 10 << 20, 256));
    }

    [Fact]
    public void The_byte_cap_must_bound_the_rows_asked_for_when_it_is_nearer()
    {
        // 1,000 records and 1 MB per row: 10,000 records of room, but 2 MB left, is 2 rows plus the closing one.
        Assert.Equal(3, SqlJournalReader.RowsToAsk(2, 2_000, 2_000_000, 10_000, 2_000_000, 256));
    }

    [Fact]
    public void Rows_of_one_record_each_must_be_asked_for_at_most_the_query_cap()
    {
        Assert.Equal(256, SqlJournalReader.RowsToAsk(4, 4, 400, 9_996, 10 << 20, 256));
        Assert.Equal(1, SqlJournalReader.RowsToAsk(4, 4, 400, 0, 0, 256));
    }
}
