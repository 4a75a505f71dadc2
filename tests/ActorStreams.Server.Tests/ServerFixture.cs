using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ActorStreams.Server.Tests;

/// <summary>The real server in-process on a free loopback port, with its SQLite journal in a temporary directory.</summary>
public class ServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "actorstreams-server-tests-" + Guid.NewGuid().ToString("N"));

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; }

    /// <summary>
    /// The server's runtime clock: the system's, plus an offset a test can move forward (<see cref="ShiftedClock.Advance"/>)
    /// to make what was written older without waiting. Timers still run on real time.
    /// </summary>
    public ShiftedClock Clock { get; } = new();

    /// <summary>The running server's services (its ActorSystem, for instance).</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The server is not started.");

    public ServerFixture() => Http = new HttpClient(CreateHandler());

    /// <summary>The handler behind <see cref="Http"/>; a fixture with authentication on signs its requests here.</summary>
    protected virtual HttpMessageHandler CreateHandler() => new SocketsHttpHandler();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDir);
        var extra = ExtraArgs();
        if (!extra.Contains("--config"))
        {
            // Firehose specs deliver to test servers on loopback, which the destination address policy refuses by default.
            var config = Path.Combine(DataDir, "loopback-destinations.conf");
            await File.WriteAllTextAsync(config, LoopbackDestinations);
            extra = [.. extra, "--config", config];
        }
        _app = ActorStreamsServer.Create(["--port", "0", "--data-dir", DataDir, "--Logging:LogLevel:Default", "Warning", .. extra],
            runtime =>
            {
                runtime.Clock = Clock;
                runtime.Hocon = StateDelays(StateDelay).WithFallback(runtime.Hocon ?? Akka.Configuration.Config.Empty);
            });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);
        Http.BaseAddress = BaseAddress;
    }

    /// <summary>
    /// How long streams, consumers and delivery streams stay CREATING, UPDATING and DELETING. The server's default is
    /// 500 ms (<see cref="ActorStreamsServer.ServerDefaults"/>); tests that do not look at states run without, and
    /// <see cref="StateDelayServerFixture"/> keeps a delay.
    /// </summary>
    protected virtual TimeSpan StateDelay => TimeSpan.Zero;

    /// <summary>Every state delay of the core and of Firehose set to <paramref name="delay"/>.</summary>
    public static Akka.Configuration.Config StateDelays(TimeSpan delay)
    {
        var ms = $"{(long)delay.TotalMilliseconds}ms";
        return Akka.Configuration.ConfigurationFactory.ParseString($$"""
            actorstreams.state-delays {
              create-stream = {{ms}}, update-stream = {{ms}}, delete-stream = {{ms}}, register-consumer = {{ms}}, deregister-consumer = {{ms}}
            }
            actorstreams.firehose.state-delays { create-delivery-stream = {{ms}}, delete-delivery-stream = {{ms}} }
            """);
    }

    /// <summary>HOCON that lets Firehose destinations reach loopback (the fixtures' own test servers).</summary>
    public const string LoopbackDestinations = """actorstreams.firehose.destination-policy.allowed-cidrs = ["127.0.0.0/8", "::1/128"]""";

    /// <summary>More command-line arguments for the server; without a <c>--config</c>, one that allows loopback destinations is added.</summary>
    protected virtual string[] ExtraArgs() => [];

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold its file for a moment; the temp folder is cleaned by the OS.
        }
    }

    /// <summary>A request to the server's base address (see <see cref="AwsJsonRequest.Create"/>).</summary>
    public static HttpRequestMessage Request(string operation, string json, Version? version = null) =>
        AwsJsonRequest.Create(operation, json, version: version);

    /// <summary>
    /// Calls an operation (Kinesis', or another service's with its prefix, as <see cref="AwsJsonRequest.Firehose"/>);
    /// the body is serialized from an anonymous object unless it is already a string.
    /// </summary>
    public async Task<KinesisReply> CallAsync(string operation, object body)
    {
        var json = body as string ?? JsonSerializer.Serialize(body);
        using var response = await Http.SendAsync(Request(operation, json));
        return await KinesisReply.ReadAsync(response);
    }

    /// <summary>
    /// The Prometheus scrape text once <paramref name="ready"/> holds for it. The exporter serves a cached response for
    /// up to 300 ms after a scrape (OpenTelemetry's ScrapeResponseCacheDurationMilliseconds), so a scrape right after
    /// another one can predate the events the test just caused: poll (up to 15 s) instead of trusting the first answer.
    /// </summary>
    public Task<string> ScrapeMetricsAsync(Func<string, bool> ready) =>
        Eventually.EventuallyAsync(async () =>
        {
            using var response = await Http.GetAsync("/metrics");
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(ready(text), $"the scrape is not ready yet:\n{text}");
            return text;
        }, TimeSpan.FromSeconds(15));

    /// <summary>Calls an operation that must succeed and returns its JSON body.</summary>
    public async Task<JsonElement> OkAsync(string operation, object body)
    {
        var reply = await CallAsync(operation, body);
        Assert.True(reply.Status == HttpStatusCode.OK, $"{operation} answered {(int)reply.Status}: {reply.Text}");
        return reply.Json;
    }

    public async Task<string> CreateStreamAsync(string prefix, int shards = 1)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        await OkAsync("CreateStream", new { StreamName = name, ShardCount = shards });
        return name;
    }
}

public sealed record KinesisReply(HttpStatusCode Status, string Text, JsonElement Json, string? RequestId, string? ContentType, Version Version)
{
    public string? ErrorType => Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("__type", out var t) ? t.GetString() : null;

    /// <summary>The error message: <c>message</c>, or <c>Message</c> as AWS spells it in a SerializationException.</summary>
    public string? Message => Json.ValueKind == JsonValueKind.Object
        && (Json.TryGetProperty("message", out var m) || Json.TryGetProperty("Message", out m)) ? m.GetString() : null;

    public static async Task<KinesisReply> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.Single() : null;
        return new KinesisReply(response.StatusCode, text, json, requestId, response.Content.Headers.ContentType?.MediaType, response.Version);
    }

    public void AssertError(HttpStatusCode status, string errorType)
    {
        Assert.True(Status == status && ErrorType == errorType, $"expected {(int)status} {errorType}, got {(int)Status}: {Text}");
        Assert.False(string.IsNullOrEmpty(Message));
        Assert.True(Guid.TryParse(RequestId, out _), "x-amzn-RequestId is a GUID");
    }
}

/// <summary>The system clock moved forward by an offset that only grows (see <see cref="ServerFixture.Clock"/>).</summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
