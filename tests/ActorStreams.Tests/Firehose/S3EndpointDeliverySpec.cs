using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;
using ActorStreams.Firehose;
using ActorStreams.TestSupport;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>
/// The object store destination on a real S3-speaking server (npm s3rver on loopback, from tests/js) through
/// AWSSDK.S3: objects land with Firehose's keys and compression, and a server that is down for a while gets every
/// record once it is back. Needs node and <c>npm ci</c> in tests/js (ops/test.sh does it); without node the spec is
/// skipped locally and fails on CI.
/// </summary>
public sealed class S3EndpointDeliverySpec : FirehoseSpec, IAsyncLifetime
{
    private const string AccessKey = "S3RVER"; // s3rver's fixed credentials
    private readonly int _port;
    private readonly string _s3Dir = Directory.CreateTempSubdirectory("actorstreams-s3rver-").FullName;
    private Process? _s3rver;

    public S3EndpointDeliverySpec(ITestOutputHelper output) : this(output, LoopbackPort.Free()) { }

    private S3EndpointDeliverySpec(ITestOutputHelper output, int port) : base(output, config: $$"""
        actorstreams.firehose.s3 {
          endpoint = "http://127.0.0.1:{{port}}"
          access-key-id = "{{AccessKey}}"
          secret-access-key = "{{AccessKey}}"
        }
        """) => _port = port;

    private static string JsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorStreams.sln"))) return Path.Combine(dir.FullName, "tests", "js");
        }
        throw new DirectoryNotFoundException("No ActorStreams.sln above the test assembly.");
    }

    private async Task StartS3rverAsync()
    {
        var js = JsDirectory();
        var node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists);
        Assert.True(node is not null, "node is not on PATH (ops/test.sh installs it).");
        Assert.True(File.Exists(Path.Combine(js, "node_modules", "s3rver", "package.json")), $"s3rver is not installed: run `npm ci` in {js} (ops/test.sh does).");
        var start = new ProcessStartInfo(node!) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = js };
        foreach (var a in new[] { "s3rver.mjs", _port.ToString(), _s3Dir, "firehose-s3", "firehose-s3-errors" }) start.ArgumentList.Add(a);
        _s3rver = Process.Start(start)!;
        var ready = await _s3rver.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (ready != $"READY {_port}")
        {
            _s3rver.Kill(entireProcessTree: true);
            Assert.Fail($"s3rver printed '{ready}': {await _s3rver.StandardError.ReadToEndAsync()}");
        }
    }

    private void StopS3rver()
    {
        if (_s3rver is null) return;
        _s3rver.Kill(entireProcessTree: true);
        _s3rver.WaitForExit();
        _s3rver.Dispose();
        _s3rver = null;
    }

    public Task InitializeAsync() => StartS3rverAsync();

    public Task DisposeAsync()
    {
        StopS3rver();
        try { Directory.Delete(_s3Dir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private AmazonS3Client S3Client() => new(new BasicAWSCredentials(AccessKey, AccessKey), new AmazonS3Config
    {
        ServiceURL = $"http://127.0.0.1:{_port}",
        AuthenticationRegion = "us-east-1",
        ForcePathStyle = true,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    private async Task<Dictionary<string, byte[]>> S3ObjectsAsync(string bucket)
    {
        using var s3 = S3Client();
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        var objects = new Dictionary<string, byte[]>();
        foreach (var o in listed.S3Objects ?? [])
        {
            using var response = await s3.GetObjectAsync(bucket, o.Key);
            using var memory = new MemoryStream();
            await response.ResponseStream.CopyToAsync(memory);
            objects[o.Key] = memory.ToArray();
        }
        return objects;
    }

    private Task<Dictionary<string, byte[]>> WaitForS3Async(string bucket, Func<Dictionary<string, byte[]>, bool> done) =>
        Eventually.EventuallyAsync(async () =>
        {
            var objects = await S3ObjectsAsync(bucket);
            Assert.True(done(objects), $"{bucket} holds {string.Join(", ", objects.Keys)}");
            return objects;
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

    private static List<string> GzipLines(Dictionary<string, byte[]> objects) =>
        objects.Values.SelectMany(v => Encoding.UTF8.GetString(Decompress(CompressionFormat.Gzip, v)).Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();

    [Fact]
    public async Task Objects_must_land_on_the_S3_server_with_Firehose_keys_and_survive_it_being_down_for_a_while()
    {
        var name = UniqueName("s3");
        await CreateAsync(name, S3("firehose-s3", intervalSeconds: 0, compression: CompressionFormat.Gzip, prefix: "in/!{timestamp:yyyy}/", errorPrefix: "err/"));
        var sent = new List<string>();
        var first = Enumerable.Range(0, 50).Select(i => $"first-{i}").ToList();
        Assert.Equal(0, (await Firehose.PutRecordBatchAsync(name, first.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r + "\n")).ToList())).FailedPutCount);
        sent.AddRange(first);
        var objects = await WaitForS3Async("firehose-s3", o => GzipLines(o).Count >= sent.Count);
        var year = Clock.GetUtcNow().UtcDateTime.Year;
        Assert.All(objects.Keys, k => Assert.Matches($@"^in/{year}/{System.Text.RegularExpressions.Regex.Escape(name)}-1-\d{{4}}(-\d{{2}}){{5}}-[0-9a-f-]{{36}}\.gz$", k));
        Assert.Empty(Objects("firehose-s3")); // nothing in the directory store: the endpoint took it all

        StopS3rver();
        for (var b = 0; b < 4; b++)
        {
            var batch = Enumerable.Range(0, 25).Select(i => $"down-{b}-{i}").ToList();
            Assert.Equal(0, (await Firehose.PutRecordBatchAsync(name, batch.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r + "\n")).ToList())).FailedPutCount);
            sent.AddRange(batch);
        }
        await Task.Delay(1000); // real time: s3rver is a separate process, down for a while
        await StartS3rverAsync();

        objects = await WaitForS3Async("firehose-s3", o => GzipLines(o).Count >= sent.Count);
        Assert.Equal(sent.Order(StringComparer.Ordinal), GzipLines(objects).Order(StringComparer.Ordinal));
    }
}
