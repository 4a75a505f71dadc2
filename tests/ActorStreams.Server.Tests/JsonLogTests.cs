using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using ActorStreams.Kinesis.Internal.Shards;
using ActorStreams.Server.Logging;
using Xunit.Abstractions;

namespace ActorStreams.Server.Tests;

/// <summary>
/// <c>--log-format json</c>: a real server process writes one JSON object per line on stdout, ASP.NET Core's events and
/// Akka.NET's alike, and the events of a StreamShard entity carry its stream, shard and actor path as fields.
/// </summary>
public sealed class JsonLogTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_server_started_with_log_format_json_writes_parseable_json_lines_with_akka_and_entity_fields()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "actorstreams-jsonlog-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        var port = LoopbackPort.Free();
        var (process, lines, stderr) = StartServer(AppContext.BaseDirectory, "--port", port.ToString(), "--data-dir", dataDir, "--Logging:LogLevel:Default", "Information");
        using var owned = process;
        try
        {
            await UntilAsync(() => Parsed(lines).Any(l => l.Message.StartsWith("Now listening on", StringComparison.Ordinal)), "the listening line", lines, stderr);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using var create = await http.SendAsync(ServerFixture.Request("CreateStream", """{"StreamName":"logged","ShardCount":1}"""));
            Assert.Equal(HttpStatusCode.OK, create.StatusCode);
            await UntilAsync(() => Parsed(lines).Any(IsShardStart), "the StreamShard start event", lines, stderr);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }

        var all = lines.ToList();
        output.WriteLine(string.Join('\n', all.Take(40)));
        Assert.NotEmpty(all);
        foreach (var line in all)
        {
            using var doc = JsonDocument.Parse(line); // every line, not just the ones looked at
            var root = doc.RootElement;
            Assert.Equal(JsonValueKind.Object, root.ValueKind);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", root.GetProperty("Timestamp").GetString());
            Assert.Contains(root.GetProperty("LogLevel").GetString(), new[] { "Trace", "Debug", "Information", "Warning", "Error", "Critical" });
            Assert.False(string.IsNullOrEmpty(root.GetProperty("Category").GetString()));
            Assert.True(root.TryGetProperty("Message", out _));
        }
        var events = Parsed(lines).ToList();
        Assert.Contains(events, e => e.Category.StartsWith("Microsoft.", StringComparison.Ordinal));
        // Akka.NET's own events (cluster start-up) come through the same formatter, with their source.
        Assert.Contains(events, e => e.Category == "Akka" && e.State.GetValueOrDefault("LogSource", "").StartsWith("remoting", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Category.StartsWith("Akka.Cluster.", StringComparison.Ordinal)
            && e.State.GetValueOrDefault("ActorPath", "").StartsWith("akka", StringComparison.Ordinal));
        var shard = events.First(IsShardStart);
        Assert.Equal("ActorStreams.Kinesis.Internal.Shards.StreamShardActor", shard.Category);
        Assert.Equal("Information", shard.Level);
        Assert.Equal("shardId-000000000000", shard.State["Shard"]);
        Assert.Contains("/system/sharding/actorstreams-stream-shard/", shard.State["ActorPath"]);
        Assert.Equal("StreamShard {0} started on this node at event {1}", shard.State["{OriginalFormat}"]);
        Assert.StartsWith("logged/", shard.State["Arg0"]);
    }

    [Fact]
    public async Task A_server_started_from_another_directory_must_not_log_each_request()
    {
        // appsettings.json lies next to the binary; the working directory here has none.
        var workDir = Path.Combine(Path.GetTempPath(), "actorstreams-cwd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(workDir);
        var port = LoopbackPort.Free();
        var (process, lines, stderr) = StartServer(workDir, "--port", port.ToString(), "--data-dir", Path.Combine(workDir, "data"));
        using var owned = process;
        try
        {
            await UntilAsync(() => Parsed(lines).Any(l => l.Message.StartsWith("ActorStreams ", StringComparison.Ordinal) && l.Message.Contains(" serving ")),
                "startup line", lines, stderr);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            for (var i = 0; i < 5; i++)
            {
                using var listed = await http.SendAsync(ServerFixture.Request("ListStreams", "{}"));
                Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
            }
            using var missing = await http.SendAsync(ServerFixture.Request("DescribeStream", """{"StreamName":"absent"}"""));
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            try { Directory.Delete(workDir, recursive: true); } catch (IOException) { }
        }

        var events = Parsed(lines).ToList();
        output.WriteLine(string.Join('\n', lines.Take(40)));
        // Our own Information lines are there; ASP.NET Core's per-request ones are not.
        Assert.Contains(events, e => e.Level == "Information" && e.Category.StartsWith("ActorStreams", StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && e.Level is "Information" or "Debug" or "Trace");
    }

    [Fact]
    public void Entity_fields_come_from_the_sharding_path_of_the_log_source()
    {
        var shard = EntityPath.FromLogSource("akka://actorstreams/system/sharding/actorstreams-stream-shard/17/orders%2F1700000000000%2F3");
        Assert.NotNull(shard);
        Assert.Equal(Fields(("Stream", "orders"), ("Shard", "shardId-000000000003")), shard.Fields);
        var app = EntityPath.FromLogSource("akka://actorstreams/system/sharding/actorstreams-consumer-application/2/orders%2F1700000000000%2Fbilling#123");
        Assert.Equal(Fields(("Stream", "orders"), ("Application", "billing")), app!.Fields);
        Assert.Equal("akka://actorstreams/system/sharding/actorstreams-consumer-application/2/orders%2F1700000000000%2Fbilling", app.ActorPath);
        var delivery = EntityPath.FromLogSource("akka://actorstreams/system/sharding/actorstreams-delivery-stream/5/to-s3/graph");
        Assert.Equal(Fields(("DeliveryStream", "to-s3")), delivery!.Fields);
        Assert.Null(EntityPath.FromLogSource("akka://actorstreams/system/cluster/core/daemon"));
        Assert.Null(EntityPath.FromLogSource("akka://actorstreams/system/sharding/actorstreams-catalog/0/catalog"));
    }

    private static KeyValuePair<string, object?>[] Fields(params (string Key, string Value)[] fields) =>
        fields.Select(f => new KeyValuePair<string, object?>(f.Key, f.Value)).ToArray();

    [Fact]
    public void Template_arguments_are_named_by_their_placeholders()
    {
        Assert.Equal("Arg1", AkkaLogEntry.ArgumentName("Deleting events of {0} up to {1} failed", 1));
        Assert.Equal("Stream", AkkaLogEntry.ArgumentName("{{literal}} stream {Stream} shard {Shard:D}", 0));
        Assert.Equal("Shard", AkkaLogEntry.ArgumentName("{{literal}} stream {Stream} shard {Shard:D}", 1));
        Assert.Equal("Arg2", AkkaLogEntry.ArgumentName("only {0}", 2));
    }

    [Fact]
    public void An_unknown_log_format_is_refused_with_the_accepted_values()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ActorStreamsServer.Create(["--port", "0", "--log-format", "xml"]));
        Assert.Contains("'text' or 'json'", e.Message);
    }

    private sealed record LogLine(string Level, string Category, string Message, Dictionary<string, string> State);

    private static bool IsShardStart(LogLine l) =>
        l.State.GetValueOrDefault("Stream") == "logged" && l.Message.Contains("started on this node", StringComparison.Ordinal);

    private static IEnumerable<LogLine> Parsed(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            JsonElement root;
            try
            {
                root = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException)
            {
                continue; // the final assertions report it
            }
            var state = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("State", out var s) && s.ValueKind == JsonValueKind.Object)
                foreach (var p in s.EnumerateObject()) state[p.Name] = p.Value.ToString();
            yield return new LogLine(root.GetProperty("LogLevel").GetString()!, root.GetProperty("Category").GetString()!,
                root.GetProperty("Message").GetString() ?? "", state);
        }
    }

    /// <summary>A server process with <c>--log-format json</c> and <paramref name="args"/>, its stdout lines and stderr collected.</summary>
    private static (Process Process, ConcurrentQueue<string> Lines, StringBuilder Stderr) StartServer(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "ActorStreams.Server.dll"), "--log-format", "json" }.Concat(args))
            start.ArgumentList.Add(a);
        var lines = new ConcurrentQueue<string>();
        var stderr = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, lines, stderr);
    }

    private static Task UntilAsync(Func<bool> condition, string what, ConcurrentQueue<string> lines, StringBuilder stderr) =>
        Eventually.EventuallyAsync(() =>
        {
            if (!condition()) Assert.Fail($"no {what} within {Timeout}.\nstdout:\n{string.Join('\n', lines)}\nstderr:\n{stderr}");
        }, Timeout);
}
