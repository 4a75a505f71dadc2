namespace ActorStreams.Firehose.Internal;

/// <summary>Where object store destinations put objects: the directory store or an S3-compatible endpoint.</summary>
internal interface IObjectStore
{
    /// <summary>Stores <paramref name="data"/> as the whole object <paramref name="key"/> of <paramref name="bucket"/>, replacing any earlier one.</summary>
    Task PutAsync(string bucket, string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}
