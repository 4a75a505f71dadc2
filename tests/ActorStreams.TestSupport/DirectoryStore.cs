using Xunit;

namespace ActorStreams.TestSupport;

/// <summary>The objects Firehose delivered to the directory object store (a folder per bucket), read back by a test.</summary>
public static class DirectoryStore
{
    /// <summary>Every object under <paramref name="bucketDir"/> (temporary files excluded) as key -> bytes, keys with '/'.</summary>
    public static Dictionary<string, byte[]> Objects(string bucketDir)
    {
        if (!Directory.Exists(bucketDir)) return new Dictionary<string, byte[]>();
        return Directory.EnumerateFiles(bucketDir, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .ToDictionary(f => Path.GetRelativePath(bucketDir, f).Replace('\\', '/'), File.ReadAllBytes);
    }

    /// <summary>
    /// Waits (real time, 30 s unless told) until <paramref name="done"/> holds for the objects of <paramref name="bucket"/>,
    /// stored under <paramref name="bucketDir"/>, and returns them; on timeout the failure lists what the bucket holds.
    /// </summary>
    public static Task<Dictionary<string, byte[]>> WaitForObjectsAsync(string bucketDir, string bucket,
        Func<Dictionary<string, byte[]>, bool> done, TimeSpan? timeout = null) =>
        Eventually.EventuallyAsync(() =>
        {
            var objects = Objects(bucketDir);
            Assert.True(done(objects), $"bucket {bucket} holds {string.Join(", ", objects.Keys)}");
            return Task.FromResult(objects);
        }, timeout ?? TimeSpan.FromSeconds(30));
}
