using System.Security.Cryptography;
using System.Text;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Aggregation;
using Xunit;

namespace ActorStreams.Tests.Aggregation;

/// <summary>
/// The KPL aggregation codec: what it writes reads back, it writes what the reference library writes, and a record
/// that is not a well-formed aggregate (whatever is wrong with it) passes through as one user record, unchanged.
/// </summary>
public sealed class KplAggregateSpec
{
    private static readonly DateTimeOffset Arrival = new(2026, 12, 7, 18, 0, 0, TimeSpan.Zero);

    private static StreamRecord Carrier(byte[] data, string partitionKey = "outer") =>
        new(new StreamShardId(3), "49590338271490256608559692538361571095921575989136588898", Arrival, data, partitionKey);

    private static string Text(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span);

    /// <summary>Magic bytes, <paramref name="body"/>, and the MD5 of <paramref name="body"/>: a frame around any protobuf.</summary>
    private static byte[] Frame(byte[] body) => [.. KplAggregate.MagicBytes, .. body, .. MD5.HashData(body)];

    /// <summary>A length-delimited protobuf field.</summary>
    private static byte[] Field(int field, byte[] bytes) => [(byte)((field << 3) | 2), .. Varint((ulong)bytes.Length), .. bytes];

    private static byte[] VarintField(int field, ulong value) => [(byte)(field << 3), .. Varint(value)];

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static void AssertPassedThrough(StreamRecord record, IReadOnlyList<UserRecord> users)
    {
        var user = Assert.Single(users);
        Assert.False(user.Aggregated);
        Assert.Equal(0, user.SubSequenceNumber);
        Assert.Equal(record.PartitionKey, user.PartitionKey);
        Assert.Null(user.ExplicitHashKey);
        Assert.Equal(record.SequenceNumber, user.SequenceNumber);
        Assert.Equal(record.Data.ToArray(), user.Data.ToArray());
    }

    [Fact]
    public void Encode_then_Deaggregate_must_give_every_user_record_with_its_own_keys_and_sub_sequence_number()
    {
        var entries = new List<PutRecordsEntry>
        {
            new(Utf8("first"), "key-a"),
            new(Utf8("second"), "key-b", "170141183460469231731687303715884105728"),
            new(Array.Empty<byte>(), "key-a"),
            new(Utf8("fourth"), "ключ-ü", "170141183460469231731687303715884105728"),
            new(new byte[300], "key-c", "0"),
        };
        var carrier = Carrier(KplAggregate.Encode(entries));

        var users = KplAggregate.Deaggregate(carrier);

        Assert.Equal(entries.Count, users.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            Assert.True(users[i].Aggregated);
            Assert.Equal(i, users[i].SubSequenceNumber);
            Assert.Equal(entries[i].PartitionKey, users[i].PartitionKey);
            Assert.Equal(entries[i].ExplicitHashKey, users[i].ExplicitHashKey);
            Assert.Equal(entries[i].Data.ToArray(), users[i].Data.ToArray());
            Assert.Equal(carrier.ShardId, users[i].ShardId);
            Assert.Equal(carrier.SequenceNumber, users[i].SequenceNumber);
            Assert.Equal(Arrival, users[i].ApproximateArrivalTimestamp);
        }
    }

    // What aws-kinesis-agg 4.2.8 (RecordAggregator, tests/js/kpl-aggregation.mjs encode) made of the user records
    // (a, "hello"), (b, explicit hash key 12345, "world"), (a, "!").
    private const string ReferenceAggregate = "84mawgoBYQoBYhIFMTIzNDUaCQgAGgVoZWxsbxoLCAEQABoFd29ybGQaBQgAGgEhNQv3iHtk9ZFozkdy/CgEgA==";

    [Fact]
    public void Deaggregate_must_read_an_aggregate_made_by_the_reference_library()
    {
        var users = KplAggregate.Deaggregate(Carrier(Convert.FromBase64String(ReferenceAggregate)));

        Assert.Equal(["a", "b", "a"], users.Select(u => u.PartitionKey));
        Assert.Equal([null, "12345", null], users.Select(u => u.ExplicitHashKey));
        Assert.Equal(["hello", "world", "!"], users.Select(u => Text(u.Data)));
        Assert.Equal([0L, 1L, 2L], users.Select(u => u.SubSequenceNumber));
    }

    [Fact]
    public void Encode_must_write_the_same_bytes_as_the_reference_library()
    {
        var encoded = KplAggregate.Encode([new(Utf8("hello"), "a"), new(Utf8("world"), "b", "12345"), new(Utf8("!"), "a")]);

        Assert.Equal(ReferenceAggregate, Convert.ToBase64String(encoded));
    }

    [Fact]
    public void A_record_without_the_magic_bytes_must_pass_through_as_one_user_record()
    {
        var record = Carrier(Utf8("plain text, not an aggregate at all"), "pk");
        AssertPassedThrough(record, KplAggregate.Deaggregate(record));
        Assert.False(KplAggregate.HasMagicBytes(record.Data.Span));
    }

    [Fact]
    public void A_record_with_the_magic_bytes_but_too_short_for_the_digest_must_pass_through()
    {
        var record = Carrier([.. KplAggregate.MagicBytes, 1, 2, 3]);
        AssertPassedThrough(record, KplAggregate.Deaggregate(record));
    }

    [Fact]
    public void An_aggregate_with_a_wrong_md5_must_pass_through_unchanged()
    {
        var bytes = KplAggregate.Encode([new(Utf8("hello"), "a"), new(Utf8("world"), "b")]);
        bytes[^1] ^= 0x01;
        var record = Carrier(bytes);

        AssertPassedThrough(record, KplAggregate.Deaggregate(record));
    }

    [Fact]
    public void An_aggregate_whose_data_was_changed_must_pass_through_unchanged()
    {
        var bytes = KplAggregate.Encode([new(Utf8("hello"), "a")]);
        bytes[^20] ^= 0x20;
        var record = Carrier(bytes);

        AssertPassedThrough(record, KplAggregate.Deaggregate(record));
    }

    [Fact]
    public void A_truncated_protobuf_with_a_matching_md5_must_pass_through_unchanged()
    {
        var whole = KplAggregate.Encode([new(Utf8("hello"), "a"), new(Utf8("world"), "b")]);
        var body = whole[KplAggregate.MagicLength..^KplAggregate.DigestLength];
        for (var cut = 1; cut < body.Length; cut++)
        {
            var truncated = body[..cut];
            var record = Carrier(Frame(truncated));
            var users = KplAggregate.Deaggregate(record);
            // A cut right after a whole field is a shorter well-formed message; every other cut is not protobuf.
            if (users.Count == 1 && !users[0].Aggregated) AssertPassedThrough(record, users);
            else Assert.All(users, u => Assert.True(u.Aggregated));
        }
        // Inside the data of the last record: not well formed.
        var cutInData = Carrier(Frame(body[..^2]));
        AssertPassedThrough(cutInData, KplAggregate.Deaggregate(cutInData));
    }

    [Fact]
    public void A_partition_key_index_out_of_the_table_must_pass_through()
    {
        byte[] body = [.. Field(1, Utf8("a")), .. Field(3, [.. VarintField(1, 1), .. Field(3, Utf8("x"))])];
        var record = Carrier(Frame(body));
        AssertPassedThrough(record, KplAggregate.Deaggregate(record));
    }

    [Fact]
    public void An_explicit_hash_key_index_out_of_the_table_must_pass_through()
    {
        byte[] body = [.. Field(1, Utf8("a")), .. Field(3, [.. VarintField(1, 0), .. VarintField(2, 0), .. Field(3, Utf8("x"))])];
        var record = Carrier(Frame(body));
        AssertPassedThrough(record, KplAggregate.Deaggregate(record));
    }

    [Fact]
    public void A_record_missing_its_required_data_or_partition_key_index_must_pass_through()
    {
        var noData = Carrier(Frame([.. Field(1, Utf8("a")), .. Field(3, VarintField(1, 0))]));
        AssertPassedThrough(noData, KplAggregate.Deaggregate(noData));
        var noKey = Carrier(Frame([.. Field(1, Utf8("a")), .. Field(3, Field(3, Utf8("x")))]));
        AssertPassedThrough(noKey, KplAggregate.Deaggregate(noKey));
    }

    [Fact]
    public void A_tag_without_its_required_key_must_pass_through_and_tags_with_keys_must_be_read_past()
    {
        byte[] Body(byte[] tag) => [.. Field(1, Utf8("a")), .. Field(3, [.. VarintField(1, 0), .. Field(3, Utf8("x")), .. Field(4, tag)])];

        var keyless = Carrier(Frame(Body(Field(2, Utf8("value only")))));
        AssertPassedThrough(keyless, KplAggregate.Deaggregate(keyless));

        var tagged = KplAggregate.Deaggregate(Carrier(Frame(Body([.. Field(1, Utf8("k")), .. Field(2, Utf8("v"))]))));
        Assert.Equal("x", Text(Assert.Single(tagged).Data));
    }

    [Fact]
    public void Unknown_fields_must_be_skipped_as_protobuf_does()
    {
        byte[] body =
        [
            .. VarintField(9, 300), 0x7D, 1, 2, 3, 4, // field 15, fixed32
            .. Field(1, Utf8("a")),
            .. Field(3, [.. VarintField(1, 0), 0x79, 1, 2, 3, 4, 5, 6, 7, 8, .. Field(3, Utf8("x"))]), // field 15, fixed64
        ];
        var users = KplAggregate.Deaggregate(Carrier(Frame(body)));
        Assert.Equal("x", Text(Assert.Single(users).Data));
    }

    [Fact]
    public void A_declared_length_far_beyond_the_record_must_pass_through_without_allocating_it()
    {
        // A partition-key table entry claiming 2^62 bytes, and a varint that never ends.
        var huge = Carrier(Frame([0x0A, .. Varint(1UL << 62), .. Utf8("a")]));
        AssertPassedThrough(huge, KplAggregate.Deaggregate(huge));
        var endless = Carrier(Frame([0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]));
        AssertPassedThrough(endless, KplAggregate.Deaggregate(endless));
        var group = Carrier(Frame([0x0B, 0x0C]));
        AssertPassedThrough(group, KplAggregate.Deaggregate(group));
    }

    [Fact]
    public void An_aggregate_of_no_records_must_pass_through_as_one_record()
    {
        var record = Carrier(KplAggregate.Encode([]));
        AssertPassedThrough(record, KplAggregate.Deaggregate(record));
    }

    [Fact]
    public void Random_damage_with_a_recomputed_md5_must_never_throw_and_must_give_the_record_or_well_formed_user_records()
    {
        var entries = Enumerable.Range(0, 20).Select(i => new PutRecordsEntry(Utf8($"user record {i}"), $"key-{i % 3}", i % 4 == 0 ? $"{i}" : null)).ToList();
        var whole = KplAggregate.Encode(entries);
        var body = whole[KplAggregate.MagicLength..^KplAggregate.DigestLength];
        var random = new Random(18);
        for (var run = 0; run < 2_000; run++)
        {
            var damaged = (byte[])body.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--) damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            var record = Carrier(Frame(damaged));
            var users = KplAggregate.Deaggregate(record);
            if (users is [{ Aggregated: false }]) AssertPassedThrough(record, users);
            else Assert.All(users, u => Assert.InRange(u.Data.Length, 0, record.Data.Length));
        }
    }
}
