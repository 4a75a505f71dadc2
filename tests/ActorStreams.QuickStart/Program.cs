using System.Text;
using ActorStreams;
using ActorStreams.Dsl;
using ActorStreams.Hosting;
using ActorStreams.Kinesis;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddAkka("quickstart", akka => akka
    .ConfigureLoggers(logging => logging.LogLevel = Akka.Event.LogLevel.WarningLevel)
    .WithActorStreams(o => o.DataDirectory = "data"));
builder.Services.AddActorStreamsClient();
using var host = builder.Build();
await host.StartAsync();

var system = host.Services.GetRequiredService<ActorSystem>();
var client = host.Services.GetRequiredService<ActorStreamsClient>();
var materializer = system.Materializer();

// Size the stream: 1 KiB records, 2,500 a second, read by 2 consumers -> 3 shards.
var estimate = ShardEstimator.Estimate(averageRecordSizeKiB: 1, recordsPerSecond: 2_500, consumers: 2);
var streamName = $"orders-{DateTime.UtcNow:yyyyMMddHHmmss}";
await client.CreateStreamAsync(streamName, estimate.Shards);
Console.WriteLine($"created {streamName} with {estimate.Shards} shards");

// Write 1,000 records through the sink; the task completes when all are durable.
await Source.From(Enumerable.Range(1, 1_000))
    .Select(i => new PutRecordsEntry(Encoding.UTF8.GetBytes($"order {i}"), PartitionKey: $"customer-{i % 10}"))
    .RunWith(KinesisSink.Create(system, streamName), materializer);

// Read them back from every shard, live, and stop after 1,000.
var (control, received) = KinesisSource.Stream(system, streamName, StartingPosition.TrimHorizon)
    .Take(1_000)
    .ToMaterialized(Sink.Seq<StreamRecord>(), Keep.Both)
    .Run(materializer);
var records = await received;
await control.Completion;

foreach (var shard in records.GroupBy(r => r.ShardId).OrderBy(g => g.Key))
    Console.WriteLine($"{shard.Key}: {shard.Count()} records, first \"{Encoding.UTF8.GetString(shard.First().Data.Span)}\"");
Console.WriteLine($"read {records.Count} records");

await host.StopAsync();
