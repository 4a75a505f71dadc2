using System.Text;
using ActorStreams.Firehose;
using ActorStreams.Firehose.Hosting;
using ActorStreams.Hosting;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace ActorStreams.Tests.Firehose;

/// <summary>Embedding Firehose next to ActorStreams with Akka.Hosting: WithActorStreamsFirehose and the injected FirehoseClient.</summary>
public sealed class FirehoseHostingSpec : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "actorstreams-firehose-hosting-" + Guid.NewGuid().ToString("N"));
    private IHost? _host;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAkka("firehose-hosting-spec", akka => akka
            .ConfigureLoggers(logging => logging.LogLevel = Akka.Event.LogLevel.WarningLevel)
            .WithActorStreams(o =>
            {
                o.DataDirectory = _dataDir;
                o.Region = "eu-west-1";
                o.AccountId = "123456789012";
            })
            .WithActorStreamsFirehose(o => o.MaxDeliveryStreams = 1));
        builder.Services.AddActorStreamsClient();
        builder.Services.AddActorStreamsFirehoseClient();
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
    }

    [Fact]
    public async Task WithActorStreamsFirehose_must_inject_a_working_client_that_delivers_and_apply_the_options()
    {
        var firehose = _host!.Services.GetRequiredService<FirehoseClient>();
        Assert.Same(FirehoseExtension.Get(_host.Services.GetRequiredService<ActorSystem>()).Client, firehose);

        var arn = await firehose.CreateDeliveryStreamAsync(new DeliveryStreamConfiguration
        {
            DeliveryStreamName = "hosted",
            Destination = new ObjectStoreDestination { BucketArn = "arn:aws:s3:::hosted", BufferingHints = new BufferingHints { IntervalInSeconds = 0 } },
        });
        await firehose.PutRecordAsync("hosted", Encoding.UTF8.GetBytes("hello\n"));

        // The runtime's options (region, account, data directory) apply to delivery streams too.
        Assert.Equal("arn:aws:firehose:eu-west-1:123456789012:deliverystream/hosted", arn);
        var bucket = Path.Combine(_dataDir, "objects", "hosted");
        // Objects are written under a dot-named temporary name and moved into place.
        List<string> Objects() => Directory.Exists(bucket)
            ? Directory.EnumerateFiles(bucket, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).ToList()
            : [];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Objects().Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        var delivered = Objects().Select(File.ReadAllText).ToList();
        Assert.Equal(["hello\n"], delivered);
        // The Firehose option: one delivery stream at most.
        await Assert.ThrowsAsync<LimitExceededException>(() => firehose.CreateDeliveryStreamAsync(new DeliveryStreamConfiguration
        {
            DeliveryStreamName = "second",
            Destination = new ObjectStoreDestination { BucketArn = "arn:aws:s3:::hosted" },
        }));
    }

    [Fact]
    public void WithActorStreamsFirehose_must_register_its_sharding_regions()
    {
        var registry = _host!.Services.GetRequiredService<ActorRegistry>();
        var extension = FirehoseExtension.Get(_host.Services.GetRequiredService<ActorSystem>());

        Assert.Equal(extension.DeliveryStreamRegion, registry.Get<DeliveryStreamRegionKey>());
        Assert.Equal(extension.DeliveryCatalogRegion, registry.Get<DeliveryCatalogKey>());
    }
}
