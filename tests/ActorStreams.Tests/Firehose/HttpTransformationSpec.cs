using System.Text;
using System.Text.Json;
using ActorStreams.Firehose;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>A transformation served over HTTP with the Lambda record contract, checked strictly by the local endpoint.</summary>
public sealed class HttpTransformationSpec(ITestOutputHelper output) : FirehoseSpec(output)
{
    [Fact]
    public async Task An_HTTP_transformation_must_get_the_Lambda_event_and_its_answer_must_decide_each_record()
    {
        var name = UniqueName("fh");
        var bucket = UniqueBucket("bucket");
        var violations = new List<string>();
        var calls = 0;
        await using var endpoint = new LocalHttpServer(async context =>
        {
            var body = JsonDocument.Parse(await LocalHttpServer.BodyAsync(context.Request)).RootElement;
            if (Interlocked.Increment(ref calls) == 1)
            {
                // The first invocation fails: it is retried.
                await LocalHttpServer.AnswerAsync(context.Response, 500, "{\"errorMessage\":\"cold start\"}");
                return;
            }
            lock (violations)
            {
                if (!Guid.TryParse(body.GetProperty("invocationId").GetString(), out _)) violations.Add("invocationId");
                if (body.GetProperty("deliveryStreamArn").GetString() != Firehose.DeliveryStreamArn(name)) violations.Add("deliveryStreamArn");
                if (body.GetProperty("region").GetString() != "us-east-1") violations.Add("region");
            }
            var records = body.GetProperty("records").EnumerateArray().Select(r =>
            {
                var text = Encoding.UTF8.GetString(r.GetProperty("data").GetBytesFromBase64());
                if (r.GetProperty("approximateArrivalTimestamp").GetInt64() < 1_000_000_000_000) lock (violations) violations.Add("approximateArrivalTimestamp");
                var id = r.GetProperty("recordId").GetString();
                return text.StartsWith("drop") ? (object)new { recordId = id, result = "Dropped" }
                    : text.StartsWith("fail") ? new { recordId = id, result = "ProcessingFailed", data = r.GetProperty("data").GetString()! }
                    : new { recordId = id, result = "Ok", data = Convert.ToBase64String(Encoding.UTF8.GetBytes(text.ToUpperInvariant())) };
            }).ToList();
            await LocalHttpServer.AnswerAsync(context.Response, 200, JsonSerializer.Serialize(new { records }));
        });
        await CreateAsync(name, S3(bucket, intervalSeconds: 1) with
        {
            Processing = new ProcessingConfiguration { Enabled = true, LambdaArn = endpoint.BaseUrl + "/transform" },
        });
        await Firehose.PutRecordBatchAsync(name, new[] { "a\n", "drop\n", "fail\n", "b\n" }.Select(t => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(t)).ToList());

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 2);
        Assert.Equal("A\nB\n", Encoding.UTF8.GetString(objects.Single(o => !o.Key.StartsWith("processing-failed/")).Value));
        var failed = JsonDocument.Parse(Encoding.UTF8.GetString(objects.Single(o => o.Key.StartsWith("processing-failed/")).Value).Trim()).RootElement;
        Assert.Equal("fail\n", Encoding.UTF8.GetString(failed.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Equal(2, calls);
        Assert.Empty(violations);
    }
}
