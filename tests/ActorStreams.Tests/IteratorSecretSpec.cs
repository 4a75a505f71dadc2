using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.Reads;
using Akka.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// The shard-iterator secret of a deployment: generated once and kept in the journal when none is configured (so
/// every node and every restart on that journal agrees, and another journal does not), a configured one wins, and an
/// iterator that is forged, issued in the future or of another stream than the request's StreamARN is refused.
/// </summary>
public abstract class IteratorSecretSpec(ITestOutputHelper output, SpecJournal journal) : ActorStreamsSpec(output, journal)
{
    private static readonly ShardIteratorState Sample = new("secret-sample", 1, 0, new SequenceNumber(1, 0), 0, 0);

    private async Task<ShardIteratorCodec> CodecOf(Akka.Actor.ActorSystem system) =>
        await ActorStreamsExtension.Get(system).Iterators.GetAsync(CancellationToken.None);

    [JournalFact]
    public async Task Systems_on_one_journal_must_agree_on_the_generated_secret_and_another_journal_must_not()
    {
        var stream = UniqueName("secret");
        await Client.CreateStreamAsync(stream);
        await Client.PutRecordAsync(stream, Bytes("a"), "k");
        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);
        var ours = (await CodecOf(Sys)).Encode(Sample);

        var second = StartAnotherSystem("actorstreams-second-node");
        try
        {
            var codec = await CodecOf(second);
            Assert.Equal(ours, codec.Encode(Sample));
            Assert.Equal(stream, codec.Decode(iterator).StreamName);
        }
        finally
        {
            await second.Terminate();
        }

        var elsewhere = StartAnotherSystem("actorstreams-other-deployment", ConfigurationFactory.ParseString(
            $"""actorstreams.data-dir = "{Path.Combine(Path.GetTempPath(), "actorstreams-tests", Guid.NewGuid().ToString("N")).Replace("\\", "/")}" """)
            .WithFallback(ConfigurationFactory.ParseString("actorstreams.journal.provider = sqlite")).WithFallback(SpecConfig));
        try
        {
            var codec = await CodecOf(elsewhere);
            Assert.NotEqual(ours, codec.Encode(Sample));
            Assert.Throws<InvalidArgumentException>(() => codec.Decode(iterator));
        }
        finally
        {
            await elsewhere.Terminate();
        }
    }

    [JournalFact]
    public async Task A_configured_secret_must_win_over_the_generated_one()
    {
        var generated = (await CodecOf(Sys)).Encode(Sample);
        var configured = StartAnotherSystem("actorstreams-configured",
            ConfigurationFactory.ParseString("actorstreams.iterator-secret = \"configured\"").WithFallback(SpecConfig));
        try
        {
            var encoded = (await CodecOf(configured)).Encode(Sample);
            Assert.NotEqual(generated, encoded);
            Assert.Equal(new ShardIteratorCodec("configured").Encode(Sample), encoded);
        }
        finally
        {
            await configured.Terminate();
        }
    }

    [JournalFact]
    public async Task Forged_future_and_other_stream_iterators_must_be_refused()
    {
        var stream = UniqueName("forged");
        await Client.CreateStreamAsync(stream);
        await Client.PutRecordAsync(stream, Bytes("a"), "k");
        var iterator = await Client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon);
        var state = (await CodecOf(Sys)).Decode(iterator);

        var forged = new ShardIteratorCodec("guessed-secret").Encode(state);
        Assert.Equal("InvalidArgumentException", (await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetRecordsAsync(forged))).ErrorCode);
        // A character inside the signed bytes (the last ones may be base64 padding).
        var tampered = iterator[..^10] + (iterator[^10] == 'A' ? 'B' : 'A') + iterator[^9..];
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetRecordsAsync(tampered));

        var codec = await CodecOf(Sys);
        var now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var future = codec.Encode(state with { IssuedAtMs = now + (long)TimeSpan.FromMinutes(1).TotalMilliseconds });
        var ex = await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetRecordsAsync(future));
        Assert.Contains("in the future", ex.Message);
        // Within the clock difference a cluster's nodes may have, it reads.
        var skewed = codec.Encode(state with { IssuedAtMs = now + (long)(ShardIteratorCodec.MaxClockSkew / 2).TotalMilliseconds });
        Assert.Single((await Client.GetRecordsAsync(skewed)).Records);

        var otherArn = $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}-other";
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.GetRecordsAsync(iterator, null, otherArn));
        var description = await Client.DescribeStreamSummaryAsync(stream);
        Assert.Single((await Client.GetRecordsAsync(iterator, null, description.StreamArn)).Records);
    }
}

public sealed class IteratorSecretSqliteSpec(ITestOutputHelper output) : IteratorSecretSpec(output, SpecJournal.Sqlite);

[PostgreSqlSpec]
public sealed class IteratorSecretPostgreSqlSpec(ITestOutputHelper output) : IteratorSecretSpec(output, SpecJournal.PostgreSql);
