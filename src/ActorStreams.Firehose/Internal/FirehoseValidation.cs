using ActorStreams.Internal;

namespace ActorStreams.Firehose.Internal;

/// <summary>The argument checks of the Firehose API, with Firehose's error codes and messages that name the limit.</summary>
internal static class FirehoseValidation
{
    public static void DeliveryStreamName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > FirehoseLimits.MaxDeliveryStreamNameLength
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            throw new ValidationException(
                $"1 validation error detected: Value '{name}' at 'deliveryStreamName' failed to satisfy constraint: Member must have length between 1 and {FirehoseLimits.MaxDeliveryStreamNameLength} and satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    }

    public static void Configuration(DeliveryStreamConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        DeliveryStreamName(config.DeliveryStreamName);
        if (config.DeliveryStreamType == DeliveryStreamType.KinesisStreamAsSource)
        {
            if (config.KinesisStreamSource is null || string.IsNullOrEmpty(config.KinesisStreamSource.KinesisStreamArn))
                throw new InvalidArgumentException("A KinesisStreamAsSource delivery stream needs KinesisStreamSourceConfiguration.KinesisStreamARN.");
            KinesisSourceGraph.StreamNameOfArn(config.KinesisStreamSource.KinesisStreamArn);
            if (config.Encryption.Enabled)
                throw new InvalidArgumentException("A KinesisStreamAsSource delivery stream cannot have server-side encryption of its own.");
        }
        if (config.DeliveryStreamType != DeliveryStreamType.KinesisStreamAsSource && config.KinesisStreamSource is not null)
        {
            throw new InvalidArgumentException("KinesisStreamSourceConfiguration is only allowed with DeliveryStreamType KinesisStreamAsSource.");
        }
        Encryption(config.Encryption);
        Tags(config.Tags, FirehoseLimits.MaxTagsPerDeliveryStream);
        Destination(config.Destination);
    }

    public static void Encryption(DeliveryStreamEncryption encryption)
    {
        if (!encryption.Enabled) return;
        switch (encryption.KeyType)
        {
            case "AWS_OWNED_CMK":
                if (encryption.KeyArn is not null) throw new InvalidArgumentException("KeyARN is only allowed with KeyType CUSTOMER_MANAGED_CMK.");
                break;
            case "CUSTOMER_MANAGED_CMK":
                if (string.IsNullOrEmpty(encryption.KeyArn) || !encryption.KeyArn.StartsWith("arn:aws:kms:", StringComparison.Ordinal))
                    throw new InvalidArgumentException("KeyType CUSTOMER_MANAGED_CMK needs KeyARN, a KMS key ARN (arn:aws:kms:...).");
                break;
            default:
                throw new ValidationException(
                    $"1 validation error detected: Value '{encryption.KeyType}' at 'deliveryStreamEncryptionConfigurationInput.keyType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_OWNED_CMK, CUSTOMER_MANAGED_CMK]");
        }
    }

    public static void Tags(IReadOnlyDictionary<string, string>? tags, int max)
    {
        if (tags is null) return;
        if (tags.Count > max) throw new LimitExceededException($"{tags.Count} tags given; at most {max} are allowed.");
        foreach (var (key, value) in tags)
        {
            if (string.IsNullOrEmpty(key) || key.Length > 128 || key.StartsWith("aws:", StringComparison.Ordinal))
                throw new InvalidArgumentException($"Tag key '{key}' must be 1 to 128 characters and must not start with 'aws:'.");
            if (value is null || value.Length > 256) throw new InvalidArgumentException($"The value of tag '{key}' must be at most 256 characters.");
        }
    }

    public static void Destination(DeliveryDestination? destination)
    {
        switch (destination)
        {
            case ObjectStoreDestination s3:
                ObjectStore(s3, "ExtendedS3DestinationConfiguration", FirehoseLimits.MaxObjectStoreBufferSizeMiB, primary: true);
                Processing(s3.Processing, objectStore: true);
                DynamicPartitioning(s3, "ExtendedS3DestinationConfiguration");
                if (s3.DataFormatConversion is { Enabled: true } conversion)
                {
                    ParquetConversion.Validate(conversion, "ExtendedS3DestinationConfiguration.DataFormatConversionConfiguration");
                    if (s3.CompressionFormat != CompressionFormat.Uncompressed)
                        throw new InvalidArgumentException("CompressionFormat must be UNCOMPRESSED when format conversion is enabled: Parquet compresses its own pages.");
                }
                break;
            case WarehouseDestination w:
                WarehouseSink.ConnectionString(w);
                WarehouseSink.TableParts(w.TableName);
                if (w.Columns.Count == 0) throw new InvalidArgumentException("CopyCommand.DataTableColumns must name at least one column.");
                _ = new WarehouseSink(w); // checks every column name
                if (string.IsNullOrEmpty(w.Username)) throw new InvalidArgumentException("RedshiftDestinationConfiguration.Username is required.");
                RetryDuration(w.RetryDurationInSeconds, "RedshiftDestinationConfiguration.RetryOptions.DurationInSeconds");
                ObjectStore(w.S3Configuration, "RedshiftDestinationConfiguration.S3Configuration", FirehoseLimits.MaxObjectStoreBufferSizeMiB);
                if (w.S3Configuration.CompressionFormat is CompressionFormat.Snappy or CompressionFormat.Zip)
                    throw new InvalidArgumentException("Redshift destinations do not support the Snappy or ZIP compression formats.");
                Processing(w.Processing);
                break;
            case HttpEndpointDestination h:
                HttpUrl(h.Url, "HttpEndpointDestinationConfiguration.EndpointConfiguration.Url");
                Buffering(h.BufferingHints, "HttpEndpointDestinationConfiguration.BufferingHints", FirehoseLimits.MinHttpEndpointBufferSizeMiB, FirehoseLimits.MaxHttpEndpointBufferSizeMiB);
                RetryDuration(h.RetryDurationInSeconds, "HttpEndpointDestinationConfiguration.RetryOptions.DurationInSeconds");
                ObjectStore(h.S3Configuration, "HttpEndpointDestinationConfiguration.S3Configuration", FirehoseLimits.MaxObjectStoreBufferSizeMiB);
                Processing(h.Processing);
                break;
            case SplunkDestination sp:
                HttpUrl(sp.HecEndpoint, "SplunkDestinationConfiguration.HECEndpoint");
                Buffering(sp.BufferingHints, "SplunkDestinationConfiguration.BufferingHints", FirehoseLimits.MinSplunkBufferSizeMiB,
                    FirehoseLimits.MaxSplunkBufferSizeMiB, FirehoseLimits.MaxSplunkBufferIntervalSeconds);
                if (sp.HecAcknowledgmentTimeoutInSeconds is < FirehoseLimits.MinSplunkAckTimeoutSeconds or > FirehoseLimits.MaxSplunkAckTimeoutSeconds)
                    throw new InvalidArgumentException(
                        $"SplunkDestinationConfiguration.HECAcknowledgmentTimeoutInSeconds is {sp.HecAcknowledgmentTimeoutInSeconds}; the allowed range is {FirehoseLimits.MinSplunkAckTimeoutSeconds} to {FirehoseLimits.MaxSplunkAckTimeoutSeconds}.");
                RetryDuration(sp.RetryDurationInSeconds, "SplunkDestinationConfiguration.RetryOptions.DurationInSeconds");
                ObjectStore(sp.S3Configuration, "SplunkDestinationConfiguration.S3Configuration", FirehoseLimits.MaxObjectStoreBufferSizeMiB);
                Processing(sp.Processing);
                break;
            case OpenSearchDestination os:
            {
                var configuration = os.Serverless ? "AmazonOpenSearchServerlessDestinationConfiguration" : "AmazonopensearchserviceDestinationConfiguration";
                HttpUrl(os.ClusterEndpoint, configuration + (os.Serverless ? ".CollectionEndpoint" : ".ClusterEndpoint"));
                if (os.Serverless && (os.IndexRotationPeriod != IndexRotationPeriod.NoRotation || os.TypeName is not null))
                    throw new InvalidArgumentException($"{configuration}: an OpenSearch Serverless collection takes no IndexRotationPeriod (NoRotation) and no TypeName.");
                if (string.IsNullOrEmpty(os.IndexName) || os.IndexName.Length > 80 || os.IndexName != os.IndexName.ToLowerInvariant()
                    || os.IndexName.IndexOfAny([' ', '"', '*', '\\', '<', '|', ',', '>', '/', '?', '#', ':']) >= 0 || os.IndexName[0] is '_' or '-' or '+')
                    throw new InvalidArgumentException($"IndexName '{os.IndexName}' must be 1 to 80 lowercase characters without spaces or \\/*?\"<>|,#: and not start with _, - or +.");
                Buffering(os.BufferingHints, configuration + ".BufferingHints", FirehoseLimits.MinOpenSearchBufferSizeMiB,
                    FirehoseLimits.MaxOpenSearchBufferSizeMiB);
                RetryDuration(os.RetryDurationInSeconds, configuration + ".RetryOptions.DurationInSeconds");
                ObjectStore(os.S3Configuration, configuration + ".S3Configuration", FirehoseLimits.MaxObjectStoreBufferSizeMiB);
                Processing(os.Processing);
                break;
            }
            case null:
                throw new InvalidArgumentException("A delivery stream needs a destination configuration.");
            default:
                throw new InvalidArgumentException($"Destination {destination.GetType().Name} is not supported.");
        }
    }

    private static void ObjectStore(ObjectStoreDestination s3, string member, int maxSizeMiB, bool primary = false)
    {
        if (!primary && (s3.DynamicPartitioning is { Enabled: true } || ObjectNaming.PartitionExpressions(s3.Prefix).Count > 0))
            throw new InvalidArgumentException($"{member}: dynamic partitioning is only supported on the (extended) S3 destination itself, not on a backup bucket.");
        DirectoryObjectStore.BucketOfArn(s3.BucketArn, member + ".BucketARN");
        Buffering(s3.BufferingHints, member + ".BufferingHints", FirehoseLimits.MinObjectStoreBufferSizeMiB, maxSizeMiB);
        ObjectNaming.ValidatePrefix(s3.Prefix, member + ".Prefix", isErrorPrefix: false);
        ObjectNaming.ValidatePrefix(s3.ErrorOutputPrefix, member + ".ErrorOutputPrefix", isErrorPrefix: true);
        if (ObjectNaming.HasExpressions(s3.Prefix) && string.IsNullOrEmpty(s3.ErrorOutputPrefix))
            throw new InvalidArgumentException($"{member}: ErrorOutputPrefix must be given when Prefix contains expressions.");
        if (s3.FileExtension is { } ext && !ValidFileExtension(ext))
            throw new InvalidArgumentException(
                $"{member}.FileExtension '{ext.Replace("\0", "\\0", StringComparison.Ordinal)}' is not valid: it must be a '.' then lowercase letters, digits or !-_.*'(), at most {FirehoseLimits.MaxFileExtensionLength} characters.");
        if (s3.CustomTimeZone is { } zone) ObjectNaming.TimeZoneOf(zone, member + ".CustomTimeZone");
    }

    /// <summary>The model's pattern of FileExtension, <c>\.[0-9a-z!\-_.*'()]+</c>, and its length.</summary>
    private static bool ValidFileExtension(string ext) =>
        ext.Length is >= 2 and <= FirehoseLimits.MaxFileExtensionLength && ext[0] == '.'
        && ext.Skip(1).All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c is '!' or '-' or '_' or '.' or '*' or '\'' or '(' or ')');

    private static void HttpUrl(string? text, string member)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw new InvalidArgumentException($"{member} '{text}' is not an http or https URL.");
    }

    private static void Buffering(BufferingHints? hints, string member, int minSize, int maxSize, int maxInterval = FirehoseLimits.MaxBufferIntervalSeconds)
    {
        if (hints is null) throw new InvalidArgumentException($"{member} must not be null.");
        if (hints.SizeInMBs < minSize || hints.SizeInMBs > maxSize)
            throw new InvalidArgumentException($"{member}.SizeInMBs is {hints.SizeInMBs}; this destination allows {minSize} to {maxSize}.");
        if (hints.IntervalInSeconds < FirehoseLimits.MinBufferIntervalSeconds || hints.IntervalInSeconds > maxInterval)
            throw new InvalidArgumentException(
                $"{member}.IntervalInSeconds is {hints.IntervalInSeconds}; this destination allows {FirehoseLimits.MinBufferIntervalSeconds} to {maxInterval}.");
    }

    private static void RetryDuration(int seconds, string member)
    {
        if (seconds is < 0 or > FirehoseLimits.MaxRetryDurationSeconds)
            throw new InvalidArgumentException($"{member} is {seconds}; the allowed range is 0 to {FirehoseLimits.MaxRetryDurationSeconds}.");
    }

    private static void Processing(ProcessingConfiguration? processing, bool objectStore = false)
    {
        if (!objectStore && processing?.MetadataExtractionQuery is not null)
            throw new InvalidArgumentException("The MetadataExtraction processor (dynamic partitioning) is only supported on the (extended) S3 destination.");
        if (processing is null) return;
        var builtIn = processing.DecompressionFormat is not null || processing.CloudWatchLogDataMessageExtraction
                      || processing.DeAggregationSubRecordType is not null || processing.AppendDelimiterToRecord;
        if (processing.Enabled && string.IsNullOrEmpty(processing.LambdaArn) && processing.MetadataExtractionQuery is null && !builtIn)
            throw new InvalidArgumentException("ProcessingConfiguration is enabled but names no processor (Lambda, MetadataExtraction, RecordDeAggregation, Decompression, CloudWatchLogProcessing or AppendDelimiterToRecord).");
        if (processing.DecompressionFormat is { } format && format != RecordProcessors.Gzip)
            throw new InvalidArgumentException($"The Decompression processor's CompressionFormat is {format}; the supported format is {RecordProcessors.Gzip}.");
        if (processing.CloudWatchLogDataMessageExtraction && processing.DecompressionFormat is null)
            throw new InvalidArgumentException("The CloudWatchLogProcessing processor needs the Decompression processor (CloudWatch Logs sends GZIP).");
        if (processing.DeAggregationSubRecordType is { } type)
        {
            if (type is not (RecordProcessors.Json or RecordProcessors.Delimited or RecordProcessors.Kpl))
                throw new InvalidArgumentException($"The RecordDeAggregation processor's SubRecordType is {type}; it must be {RecordProcessors.Json}, {RecordProcessors.Delimited} or {RecordProcessors.Kpl}.");
            if (type == RecordProcessors.Delimited && processing.DeAggregationDelimiter is null)
                throw new InvalidArgumentException("The RecordDeAggregation processor with SubRecordType DELIMITED needs the parameter Delimiter (base64).");
        }
        Delimiter(processing.DeAggregationDelimiter, "RecordDeAggregation");
        Delimiter(processing.RecordDelimiter, "AppendDelimiterToRecord");
    }

    private static void Delimiter(string? base64, string processor)
    {
        if (base64 is null) return;
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var length) || length == 0)
            throw new InvalidArgumentException($"The {processor} processor's Delimiter must be a non-empty base64 string; {base64} is not.");
    }

    /// <summary>Firehose's rules of dynamic partitioning (the developer guide's "Dynamic partitioning" pages).</summary>
    public static void DynamicPartitioning(ObjectStoreDestination s3, string member)
    {
        var used = ObjectNaming.PartitionExpressions(s3.Prefix);
        var processing = s3.Processing is { Enabled: true } p ? p : null;
        if (processing?.MetadataExtractionQuery is { } queryText)
        {
            if (processing.JsonParsingEngine is { } engine && engine != FirehoseLimits.JsonParsingEngine)
                throw new InvalidArgumentException($"{member}: JsonParsingEngine '{engine}' is not supported; use {FirehoseLimits.JsonParsingEngine}.");
            MetadataQuery.Parse(queryText, member + ".ProcessingConfiguration.MetadataExtractionQuery");
        }
        if (s3.DynamicPartitioning is not { Enabled: true } dp)
        {
            if (used.Count > 0)
                throw new InvalidArgumentException(
                    $"{member}.Prefix uses !{{{used[0].Namespace}:{used[0].Key}}}, which needs dynamic partitioning (DynamicPartitioningConfiguration.Enabled).");
            if (processing?.MetadataExtractionQuery is not null)
                throw new InvalidArgumentException($"{member}: the MetadataExtraction processor needs dynamic partitioning (DynamicPartitioningConfiguration.Enabled).");
            return;
        }
        RetryDuration(dp.RetryDurationInSeconds, member + ".DynamicPartitioningConfiguration.RetryOptions.DurationInSeconds");
        if (used.Count == 0)
            throw new InvalidArgumentException(
                $"{member}: dynamic partitioning needs a Prefix that uses the partition keys (!{{partitionKeyFromQuery:KEY}} or !{{partitionKeyFromLambda:KEY}}).");
        if (string.IsNullOrEmpty(s3.ErrorOutputPrefix))
            throw new InvalidArgumentException($"{member}: dynamic partitioning needs an ErrorOutputPrefix (records that cannot be partitioned go there).");
        if (s3.BufferingHints.SizeInMBs < FirehoseLimits.MinDynamicPartitioningBufferSizeMiB)
            throw new InvalidArgumentException(
                $"{member}.BufferingHints.SizeInMBs is {s3.BufferingHints.SizeInMBs}; with dynamic partitioning it must be at least {FirehoseLimits.MinDynamicPartitioningBufferSizeMiB}.");
        if (s3.BufferingHints.IntervalInSeconds == 0)
            throw new InvalidArgumentException($"{member}.BufferingHints.IntervalInSeconds is 0; zero buffering is not available with dynamic partitioning.");
        var queryKeys = used.Where(u => u.Namespace == Firehose.Internal.Partitioning.QueryNamespace).Select(u => u.Key).Distinct().ToList();
        if (queryKeys.Count > 0)
        {
            if (processing?.MetadataExtractionQuery is not { } text)
                throw new InvalidArgumentException(
                    $"{member}.Prefix uses !{{partitionKeyFromQuery:{queryKeys[0]}}}, but ProcessingConfiguration has no enabled MetadataExtraction processor (MetadataExtractionQuery).");
            var produced = MetadataQuery.Parse(text, member + ".ProcessingConfiguration.MetadataExtractionQuery").Keys.ToHashSet(StringComparer.Ordinal);
            foreach (var key in queryKeys)
            {
                if (!produced.Contains(key))
                    throw new InvalidArgumentException(
                        $"{member}.Prefix uses !{{partitionKeyFromQuery:{key}}}, but the MetadataExtractionQuery produces only {string.Join(", ", produced)}.");
            }
        }
        var lambdaKeys = used.Where(u => u.Namespace == Firehose.Internal.Partitioning.LambdaNamespace).Select(u => u.Key).ToList();
        if (lambdaKeys.Count > 0 && string.IsNullOrEmpty(processing?.LambdaArn))
            throw new InvalidArgumentException(
                $"{member}.Prefix uses !{{partitionKeyFromLambda:{lambdaKeys[0]}}}, but ProcessingConfiguration has no enabled Lambda processor to return metadata.partitionKeys.");
    }
}
