using System.Collections.Immutable;
using System.Text;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Internal;
using ActorStreams.Firehose.Serialization;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>The jq subset of dynamic partitioning, and the journal form of partitions (new events, snapshots old and new).</summary>
public sealed class MetadataQuerySpec(ITestOutputHelper output) : ActorStreamsSpec(output)
{
    private static Dictionary<string, string> Keys(string query, string json)
    {
        var keys = new Dictionary<string, string>();
        Assert.True(MetadataQuery.Parse(query, "q").TryEvaluate(Encoding.UTF8.GetBytes(json), keys, out var error), error);
        return keys;
    }

    private static string Failure(string query, string json)
    {
        var keys = new Dictionary<string, string>();
        Assert.False(MetadataQuery.Parse(query, "q").TryEvaluate(Encoding.UTF8.GetBytes(json), keys, out var error));
        return error!;
    }

    [Fact]
    public void A_query_must_be_at_most_5120_characters_and_parse_in_work_linear_in_its_length()
    {
        // As many distinct keys as fit in Firehose's 5,120 characters: comparing each key with the earlier ones would
        // take about a quarter of a million steps.
        var members = new List<string>();
        var length = 2;
        for (var i = 0; length + $"k{i}:.a,".Length <= FirehoseLimits.MaxProcessorParameterValueLength; i++)
        {
            members.Add($"k{i}:.a");
            length += $"k{i}:.a,".Length;
        }
        var query = "{" + string.Join(",", members) + "}";
        Assert.InRange(query.Length, FirehoseLimits.MaxProcessorParameterValueLength - 10, FirehoseLimits.MaxProcessorParameterValueLength);
        var parsed = MetadataQuery.Parse(query, "q");
        Assert.Equal(members.Count, parsed.Keys.Count());
        Assert.InRange(parsed.Work, query.Length, 4L * query.Length);

        var tooLong = Assert.Throws<ValidationException>(() => MetadataQuery.Parse("{" + string.Join(",", members) + ",kk:.a}", "q"));
        Assert.Contains("Member must have length less than or equal to 5120", tooLong.Message);
    }

    [Fact]
    public void Paths_must_reach_nested_members_quoted_names_and_array_elements()
    {
        const string json = """{"a":{"b":{"c":"deep"}},"odd key":{"x":1.50},"list":[{"id":10},{"id":20}],"flag":false,"big":12345678901234567890}""";
        var keys = Keys("""{ deep: .a.b.c, brackets: .a["b"]["c"], quoted: ."odd key".x, "first id": .list[0].id, last: .list[-1].id, dotted: .list.[1].id, flag: .flag, big: .big }""", json);
        Assert.Equal("deep", keys["deep"]);
        Assert.Equal("deep", keys["brackets"]);
        Assert.Equal("1.50", keys["quoted"]);
        Assert.Equal("10", keys["first id"]);
        Assert.Equal("20", keys["last"]);
        Assert.Equal("20", keys["dotted"]);
        Assert.Equal("false", keys["flag"]);
        Assert.Equal("12345678901234567890", keys["big"]);
        Assert.Equal(["deep", "brackets", "quoted", "first id", "last", "dotted", "flag", "big"], MetadataQuery.Parse(
            """{ deep: .a.b.c, brackets: .a["b"]["c"], quoted: ."odd key".x, "first id": .list[0].id, last: .list[-1].id, dotted: .list.[1].id, flag: .flag, big: .big }""", "q").Keys);
    }

    [Fact]
    public void Records_without_a_usable_value_must_fail_with_the_reason()
    {
        Assert.Contains("no value for partition key k", Failure("{k: .a.b}", """{"a":{}}"""));
        Assert.Contains("no value for partition key k", Failure("{k: .a.b}", """{"a":null}"""));
        Assert.Contains("no value for partition key k", Failure("{k: .list[5]}", """{"list":[1]}"""));
        Assert.Contains("an object", Failure("{k: .a}", """{"a":{"b":1}}"""));
        Assert.Contains("an array", Failure("{k: .a}", """{"a":[1]}"""));
        Assert.Contains("cannot index a string", Failure("{k: .a.b}", """{"a":"text"}"""));
        Assert.Contains("not JSON", Failure("{k: .a}", "{\"a\":"));
    }

    [Theory]
    [InlineData("{}", "no members")]
    [InlineData("{k: .a, k: .b}", "twice")]
    [InlineData("{k: .a} trailing", "text after")]
    [InlineData("{k: .a | .b}", "pipes")]
    [InlineData("{k: (.a)}", "parentheses")]
    [InlineData("{k: .a == 1}", "comparisons")]
    [InlineData("{k: {x: .a}}", "nested object")]
    [InlineData("{k: [.a]}", "array construction")]
    [InlineData("{k: @base64}", "formats")]
    [InlineData("{k: \"\\(.a)\"}", "literals")]
    [InlineData("{(.a): .b}", "computed keys")]
    public void Queries_outside_the_subset_must_be_refused_naming_the_construct(string query, string construct)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => MetadataQuery.Parse(query, "MetadataExtractionQuery"));
        Assert.Contains(construct, e.Message);
    }

    private T RoundTrip<T>(T obj) where T : notnull
    {
        var serializer = Sys.Serialization.FindSerializerFor(obj);
        Assert.IsType<FirehoseSerializer>(serializer);
        var bytes = serializer.ToBinary(obj);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, obj);
        return Assert.IsType<T>(Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest));
    }

    [Fact]
    public void Partition_events_and_snapshots_must_round_trip()
    {
        var keys = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            [KeyValuePair.Create("partitionKeyFromQuery:customer", "42"), KeyValuePair.Create("partitionKeyFromLambda:region", "eu")]);
        var records = ImmutableArray.Create(new BufferedRecord(1_700_000_000_000, [1, 2, 3]), new BufferedRecord(1_700_000_000_001, []));
        var partitioned = new DeliveryRecordsPartitioned(Guid.NewGuid(), 1_700_000_000_500,
            [new PartitionedRecords(keys, false, records), new PartitionedRecords(ImmutableSortedDictionary<string, string>.Empty, true, records[..1])]);
        Assert.Equal(partitioned, RoundTrip(partitioned));
        var sealedEvent = new PartitionBufferSealed(Guid.NewGuid(), Partitioning.Canonical(keys), 2, 1_700_000_000_900);
        Assert.Equal(sealedEvent, RoundTrip(sealedEvent));

        var snapshot = new DeliveryStreamSnapshot(null, false, records, [new SealedBuffer(Guid.NewGuid(), 1, 5)],
            ImmutableSortedDictionary<string, string>.Empty)
        {
            Partitions = [new PartitionSnapshot(keys, false, records, [new SealedBuffer(Guid.NewGuid(), 1, 7)], 1_700_000_000_500)],
        };
        Assert.Equal(snapshot, RoundTrip(snapshot));
    }
}
