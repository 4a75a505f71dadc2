using ActorStreams.Kinesis;
using ActorStreams.Settings;
using Akka.Configuration;
using Akka.Streams;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace ActorStreams.TestKit;

/// <summary>
/// The base of a test class that runs ActorStreams in memory: an Akka.TestKit.Xunit2 <c>TestKit</c> whose ActorSystem
/// runs ActorStreams on Akka.Persistence's in-memory journal, with a virtual clock (<see cref="Clock"/>) as the clock
/// of throttling, retention, iterator expiry and consumer-application leases: nothing waits for real time unless
/// the test moves the clock with <see cref="Advance"/>. Helpers create streams, reshard them and drive load
/// (<see cref="StartLoad"/>); <see cref="ConsumerProbe"/> checks what a consumer saw.
/// </summary>
/// <remarks>
/// Throttling is on, with Kinesis' limits, measured on the virtual clock. The in-memory journal has no read
/// journal, so every record must stay in its shard's in-memory tail: the kit raises
/// <c>actorstreams.stream-shard.hot-tail-bytes</c> to 256 MiB per shard. Pass HOCON to the constructor to change
/// any setting.
/// </remarks>
public abstract class ActorStreamsTestKit : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>The configuration every kit starts from; the test's own HOCON wins over it.</summary>
    public const string KitConfig = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters-during-shutdown = off
        actorstreams {
          journal.provider = inmemory
          stream-shard.hot-tail-bytes = 256 MiB
          stream-shard.trim-interval = 200ms
          throttling.enabled = on
        }
        """;

    private readonly FakeTimeProvider _clock;
    private ActorMaterializer? _materializer;

    /// <summary>Starts ActorStreams with the in-memory journal and a virtual clock that starts at <paramref name="start"/> (default: now).</summary>
    /// <param name="output">xUnit's output, for the system's log.</param>
    /// <param name="config">HOCON that wins over <see cref="KitConfig"/>.</param>
    /// <param name="start">Where the virtual clock starts.</param>
    protected ActorStreamsTestKit(ITestOutputHelper? output = null, string? config = null, DateTimeOffset? start = null)
        : this(new FakeTimeProvider(start ?? DateTimeOffset.UtcNow), output, config)
    {
    }

    private ActorStreamsTestKit(FakeTimeProvider clock, ITestOutputHelper? output, string? config)
        : base(ActorStreamsSetup.CreateActorSystemSetup(
            ConfigurationFactory.ParseString(config ?? "").WithFallback(ConfigurationFactory.ParseString(KitConfig)), clock),
            "actorstreams-testkit", output)
    {
        _clock = clock;
    }

    /// <summary>The virtual clock of the runtime: it moves only when the test advances it.</summary>
    public TimeProvider Clock => _clock;

    /// <summary>The current virtual time.</summary>
    public DateTimeOffset VirtualNow => _clock.GetUtcNow();

    /// <summary>Moves the virtual clock forward: throttles refill, retention trims, iterators expire, leases renew or expire.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        _clock.Advance(by);
    }

    /// <summary>The ActorStreams client of the kit's system.</summary>
    public ActorStreamsClient Client => ActorStreamsExtension.Get(Sys).Client;

    /// <summary>A materializer for the test's streams.</summary>
    public ActorMaterializer Materializer => _materializer ??= Sys.Materializer();

    /// <summary>Creates a provisioned stream of <paramref name="shardCount"/> shards and returns once it is ACTIVE.</summary>
    public Task<StreamDescription> CreateStreamAsync(string streamName, int shardCount = 1, CancellationToken cancellationToken = default) =>
        Client.CreateStreamAsync(streamName, shardCount, cancellationToken: cancellationToken);

    /// <summary>Splits an open shard in the middle of its hash-key range; returns once the stream is ACTIVE again.</summary>
    public async Task SplitAsync(string streamName, StreamShardId shard, CancellationToken cancellationToken = default)
    {
        var range = (await Client.ListShardsAsync(streamName, cancellationToken)).Single(s => s.ShardId == shard).HashKeyRange;
        var middle = range.StartingHashKey + (range.EndingHashKey - range.StartingHashKey) / 2 + 1;
        await Client.SplitShardAsync(streamName, shard.ToString(), middle.ToString(), cancellationToken);
    }

    /// <summary>Merges two adjacent open shards; returns once the stream is ACTIVE again.</summary>
    public Task MergeAsync(string streamName, StreamShardId shard, StreamShardId adjacentShard, CancellationToken cancellationToken = default) =>
        Client.MergeShardsAsync(streamName, shard.ToString(), adjacentShard.ToString(), cancellationToken);

    /// <summary>UpdateShardCount with UNIFORM_SCALING (at most double or half per call); returns once the stream is ACTIVE again.</summary>
    public Task<UpdateShardCountResult> RescaleAsync(string streamName, int targetShardCount, CancellationToken cancellationToken = default) =>
        Client.UpdateShardCountAsync(streamName, targetShardCount, cancellationToken: cancellationToken);

    /// <summary>The open shards of a stream, in hash-key order.</summary>
    public async Task<IReadOnlyList<StreamShardId>> OpenShardsAsync(string streamName, CancellationToken cancellationToken = default) =>
        (await Client.ListShardsAsync(streamName, cancellationToken)).Where(s => s.IsOpen)
            .OrderBy(s => s.HashKeyRange.StartingHashKey).Select(s => s.ShardId).ToList();

    /// <summary>
    /// A load driver that writes to <paramref name="streamName"/> records of <paramref name="keys"/> partition keys at
    /// <paramref name="recordsPerSecond"/> of virtual time (see <see cref="LoadDriver.RunForAsync"/>).
    /// </summary>
    public LoadDriver StartLoad(string streamName, int keys, int recordsPerSecond) => new(this, streamName, keys, recordsPerSecond);

    /// <summary>
    /// Waits for <paramref name="condition"/> while the virtual clock runs at <paramref name="speed"/> times real time
    /// (in steps of <paramref name="step"/>), so throttled readers refill and leases renew; fails after
    /// <paramref name="timeout"/> of real time (default 30 s).
    /// </summary>
    public async Task AwaitWithClockAsync(Func<bool> condition, string what, TimeSpan? timeout = null, TimeSpan? step = null, int speed = 5)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var tick = step ?? TimeSpan.FromMilliseconds(50);
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {limit.TotalSeconds:0.#} s of real time: {what}.");
            await Task.Delay(tick / speed);
            _clock.Advance(tick);
        }
    }

}
