using System.Text.RegularExpressions;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// The embedded object store: bucket <c>B</c> is the folder <c>&lt;root&gt;/B</c>, key <c>a/b/c</c> the file
/// <c>&lt;root&gt;/B/a/b/c</c>. An object is written to a temporary file, flushed to disk and renamed into place, so a
/// reader (or a crash) never sees half an object, and writing the same key again replaces it whole.
/// </summary>
internal sealed partial class DirectoryObjectStore(string root) : IObjectStore
{
    private const string ArnPrefix = "arn:aws:s3:::";

    public string Root { get; } = root;

    /// <summary>The bucket of <c>arn:aws:s3:::BUCKET</c>, checked against S3's bucket naming rules.</summary>
    public static string BucketOfArn(string? arn, string member)
    {
        if (string.IsNullOrEmpty(arn) || !arn.StartsWith(ArnPrefix, StringComparison.Ordinal))
            throw new InvalidArgumentException($"{member} '{arn}' is not an S3 bucket ARN (arn:aws:s3:::BUCKET).");
        var bucket = arn[ArnPrefix.Length..];
        if (!BucketName().IsMatch(bucket) || bucket.Contains("..", StringComparison.Ordinal))
            throw new InvalidArgumentException(
                $"{member} '{arn}': bucket names are 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.");
        return bucket;
    }

    public string PathOf(string bucket, string key)
    {
        var bucketDir = Path.GetFullPath(Path.Combine(Root, bucket));
        var path = Path.GetFullPath(Path.Combine(bucketDir, key));
        if (!path.StartsWith(bucketDir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidArgumentException($"Object key '{key}' leaves bucket {bucket}.");
        return path;
    }

    public async Task PutAsync(string bucket, string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // A key the file system cannot hold is refused for good (the records go to the error output); a full or
        // read-only disk is not (retried, as a store that is down).
        string path, directory;
        try
        {
            if (ObjectNaming.KeyProblem(key) is { } problem) throw new InvalidArgumentException($"Object key '{key}' {problem}");
            path = PathOf(bucket, key);
            directory = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is InvalidArgumentException or PathTooLongException or ArgumentException)
        {
            throw new DeliveryException(ObjectStoreSink.InvalidObjectKeyCode, $"The object store refuses key {bucket}/{Shorten(key)}: {e.Message}", permanent: true, inner: e);
        }
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                await file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (PathTooLongException e)
        {
            try { File.Delete(temp); } catch (IOException) { /* best effort */ }
            throw new DeliveryException(ObjectStoreSink.InvalidObjectKeyCode, $"The object store refuses key {bucket}/{Shorten(key)}: {e.Message}", permanent: true, inner: e);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { /* best effort; a leftover .tmp is never read as an object */ }
            throw;
        }
    }

    private static string Shorten(string key) => key.Length <= 120 ? key : key[..117] + "...";

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
