namespace ActorStreams.Firehose.Internal;

/// <summary>The (extended) S3 destination on the directory object store: one object per buffer, compressed.</summary>
internal sealed class ObjectStoreSink(ObjectStoreDestination destination, IObjectStore store) : DestinationSink
{
    private readonly string _bucket = DirectoryObjectStore.BucketOfArn(destination.BucketArn, "BucketARN");

    public override string FailureOutputType => "s3-failed";

    // As S3 in Firehose, the object store is retried until it takes the object: nothing accepted is dropped. With
    // dynamic partitioning, DynamicPartitioningConfiguration.RetryOptions bounds it; then the records go to s3-failed.
    public override TimeSpan? RetryDuration => destination.DynamicPartitioning is { Enabled: true } dp
        ? TimeSpan.FromSeconds(dp.RetryDurationInSeconds)
        : null;

    public override PreparedDelivery? Prepare(DeliveryBuffer buffer, List<BufferedRecord> records, List<FailedRecord> failed)
    {
        if (records.Count == 0) return null;
        string key;
        try
        {
            var oldest = DateTimeOffset.FromUnixTimeMilliseconds(buffer.OldestArrivalMs);
            var named = destination.DataFormatConversion is { Enabled: true } ? destination with { FileExtension = destination.FileExtension ?? ".parquet" } : destination;
            key = ObjectNaming.ObjectKey(named, buffer.Plan.StreamName, buffer.Plan.Version, oldest, buffer.BufferId, errorOutputType: null, buffer.Partition);
        }
        catch (FormatException e)
        {
            // A partition made under an earlier prefix may lack a key the current prefix uses, or its values make a
            // key no store takes (a segment longer than a file name): the records go to the error output, not round again.
            foreach (var r in records)
            {
                failed.Add(buffer.Partition is null
                    ? new FailedRecord(r, FailureOutputType, InvalidObjectKeyCode, e.Message, 0)
                    : new FailedRecord(r, ObjectNaming.PartitioningFailed, Partitioning.ErrorCode, e.Message, 0));
            }
            return null;
        }
        if (destination.DataFormatConversion is not { Enabled: true } conversion) return PrepareObject(destination, buffer, records, key);
        var parquet = ParquetConversion.Convert(conversion, records, failed);
        if (parquet is null) return null;
        return new PreparedObject(records.Count - failed.Count(f => f.ErrorOutputType == ObjectNaming.FormatConversionFailed), key, parquet);
    }

    /// <summary>The error code of records whose object key no store takes.</summary>
    public const string InvalidObjectKeyCode = "S3.InvalidObjectKey";

    public override Task DeliverAsync(DeliveryBuffer buffer, PreparedDelivery prepared, CancellationToken cancellationToken)
    {
        var obj = (PreparedObject)prepared;
        return store.PutAsync(_bucket, obj.Key, obj.Bytes, cancellationToken);
    }

    /// <summary>The records' bytes back to back (Firehose adds no delimiter), compressed, under the buffer's key.</summary>
    public static PreparedObject PrepareObject(ObjectStoreDestination destination, DeliveryBuffer buffer, IReadOnlyList<BufferedRecord> records, string? key = null)
    {
        var total = 0;
        foreach (var r in records) total += r.Data.Length;
        var data = new byte[total];
        var at = 0;
        foreach (var r in records)
        {
            r.Data.CopyTo(data, at);
            at += r.Data.Length;
        }
        key ??= ObjectNaming.ObjectKey(destination, buffer.Plan.StreamName, buffer.Plan.Version,
            DateTimeOffset.FromUnixTimeMilliseconds(buffer.OldestArrivalMs), buffer.BufferId, errorOutputType: null);
        var entryName = Path.GetFileNameWithoutExtension(key);
        return new PreparedObject(records.Count, key, Compression.Compress(destination.CompressionFormat, data, entryName));
    }

    internal sealed record PreparedObject(int RecordCount, string Key, byte[] Bytes) : PreparedDelivery(RecordCount);
}
