using System.Text;
using ActorStreams.Dsl;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Dsl;
using Akka.Streams.Dsl;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>The Akka.Streams face of Firehose: a sink that backpressures on a full backlog, and a flow as a transformation.</summary>
public sealed class FirehoseSinkSpec(ITestOutputHelper output)
    : FirehoseSpec(output, config: "actorstreams.firehose.max-backlog-bytes = 2 MiB")
{
    [Fact]
    public async Task The_sink_must_be_slowed_by_a_stalled_destination_and_lose_nothing()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, S3(bucket, intervalSeconds: 0));
        Directory.CreateDirectory(ObjectRoot);
        var blocker = Path.Combine(ObjectRoot, bucket);
        await File.WriteAllTextAsync(blocker, "not a folder");

        // 6 MiB through a 2 MiB backlog while the store is down: the sink cannot finish until it is back.
        var records = Enumerable.Range(0, 600).Select(i => $"{i:D6}".PadRight(10 * 1024 - 1, '.') + "\n").ToList();
        var done = Source.From(records).Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r)).RunWith(FirehoseSink.Create(Sys, name), Materializer);
        await AwaitFailedDeliveryAsync(name);
        Assert.False(done.IsCompleted, "the sink waits for room in the backlog");

        File.Delete(blocker);
        await done.WaitAsync(TimeSpan.FromSeconds(30));
        var objects = await WaitForObjectsAsync(bucket, o => o.Values.Sum(v => v.Length) >= records.Count * 10 * 1024);
        var lines = Content(objects).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('.')).ToList();
        Assert.Equal(Enumerable.Range(0, 600).Select(i => $"{i:D6}"), lines.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_registered_flow_must_transform_records()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        Firehose.RegisterTransformation("reverse", Flow.Create<TransformationInputRecord>().Select(r =>
            new TransformationOutputRecord(r.RecordId, TransformationResult.Ok,
                Encoding.UTF8.GetBytes(new string(Encoding.UTF8.GetString(r.Data.Span).Reverse().ToArray())))));
        await CreateAsync(name, S3(bucket, intervalSeconds: 1) with { Processing = new ProcessingConfiguration { Enabled = true, LambdaArn = "reverse" } });
        await Firehose.PutRecordBatchAsync(name, [Bytes("\ncba"), Bytes("\nfed")]);

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 1);
        Assert.Equal("abc\ndef\n", Content(objects));
    }
}
