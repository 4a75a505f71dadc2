using System.Text;
using ActorStreams.Dsl;
using ActorStreams.Hosting;
using ActorStreams.Kinesis;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace ActorStreams.Tests;

public sealed class HostingSpec : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "actorstreams-hosting-" + Guid.NewGuid().ToString("N"));
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), "actorstreams-hosting-keys-" + Guid.NewGuid().ToString("N") + ".json");
    private IHost? _host;

    public async Task InitializeAsync()
    {
        File.WriteAllText(_keyFile, $$"""{"alias/hosted": "{{Convert.ToBase64String(new byte[32])}}"}""");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAkka("hosting-spec", akka => akka
            .ConfigureLoggers(logging => logging.LogLevel = Akka.Event.LogLevel.WarningLevel)
            .WithActorStreams(o =>
            {
                o.DataDirectory = _dataDir;
                o.Region = "eu-west-1";
                o.AccountId = "123456789012";
                o.EncryptionKeyFile = _keyFile;
            }));
        builder.Services.AddActorStreamsClient();
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
        File.Delete(_keyFile);
    }

    [Fact]
    public async Task WithActorStreams_must_inject_a_working_client_and_apply_the_options()
    {
        var client = _host!.Services.GetRequiredService<ActorStreamsClient>();
        var description = await client.CreateStreamAsync("hosted", 2);

        Assert.Equal("arn:aws:kinesis:eu-west-1:123456789012:stream/hosted", description.StreamArn);
        Assert.Equal(2, description.Shards.Count);
        Assert.True(File.Exists(Path.Combine(_dataDir, "actorstreams.db")), "the SQLite journal must be created under the configured data directory");
        // The key file option reaches the key provider (a JSON key file).
        await client.StartStreamEncryptionAsync("hosted", "alias/hosted");
        Assert.Equal(("KMS", "alias/hosted"), ((await client.DescribeStreamAsync("hosted")).EncryptionType, (await client.DescribeStreamAsync("hosted")).KeyId));
    }

    [Fact]
    public async Task WithActorStreams_must_run_the_sink_and_the_stream_source_from_the_injected_system()
    {
        var system = _host!.Services.GetRequiredService<ActorSystem>();
        var client = _host.Services.GetRequiredService<ActorStreamsClient>();
        await client.CreateStreamAsync("hosted-streams", 3);
        var materializer = system.Materializer();

        await Source.From(Enumerable.Range(0, 300))
            .Select(i => new PutRecordsEntry(Encoding.UTF8.GetBytes(i.ToString()), "key-" + (i % 7)))
            .RunWith(KinesisSink.Create(system, "hosted-streams"), materializer);

        var (control, received) = KinesisSource.Stream(system, "hosted-streams", StartingPosition.TrimHorizon)
            .Take(300)
            .ToMaterialized(Sink.Seq<StreamRecord>(), Keep.Both)
            .Run(materializer);
        var records = await received.WaitAsync(TimeSpan.FromSeconds(30));
        await control.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Enumerable.Range(0, 300).Select(i => i.ToString()).OrderBy(s => s),
            records.Select(r => Encoding.UTF8.GetString(r.Data.Span)).OrderBy(s => s));
        // Per partition key, the source delivers in the order the sink wrote.
        foreach (var byKey in records.GroupBy(r => r.PartitionKey))
        {
            var values = byKey.Select(r => int.Parse(Encoding.UTF8.GetString(r.Data.Span))).ToList();
            Assert.Equal(values.OrderBy(v => v), values);
        }
    }
}
