using System.Text.Json;
using ActorStreams.Firehose;

namespace ActorStreams.Server.Protocol;

// The destination shapes of the Firehose API, read into and written from the runtime's destination types.
// Parsing with a base (UpdateDestination of the same kind) changes only the members the request gives.
internal sealed partial class FirehoseOperations
{
    private static ObjectStoreDestination ParseS3(JsonElement e, ObjectStoreDestination? b)
    {
        var d = b ?? new ObjectStoreDestination();
        return d with
        {
            BucketArn = KinesisRequest.String(e, "BucketARN") ?? (b is null ? throw KinesisRequest.Missing("bucketARN") : d.BucketArn),
            RoleArn = KinesisRequest.String(e, "RoleARN") ?? d.RoleArn,
            Prefix = KinesisRequest.String(e, "Prefix") ?? d.Prefix,
            ErrorOutputPrefix = KinesisRequest.String(e, "ErrorOutputPrefix") ?? d.ErrorOutputPrefix,
            BufferingHints = ParseBuffering(e, d.BufferingHints),
            CompressionFormat = KinesisRequest.String(e, "CompressionFormat") is { } c ? ParseCompression(c) : d.CompressionFormat,
            // The model allows "" for both: the default (no override, UTC), which an update can also set back to.
            FileExtension = KinesisRequest.String(e, "FileExtension") is { } extension ? NullIfEmpty(extension) : d.FileExtension,
            CustomTimeZone = KinesisRequest.String(e, "CustomTimeZone") is { } zone ? NullIfEmpty(zone) : d.CustomTimeZone,
            Processing = ParseProcessing(e) ?? d.Processing,
            DataFormatConversion = ParseFormatConversion(e) ?? d.DataFormatConversion,
            DynamicPartitioning = ParseDynamicPartitioning(e, d.DynamicPartitioning) ?? d.DynamicPartitioning,
        };
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    private static DynamicPartitioningConfiguration? ParseDynamicPartitioning(JsonElement e, DynamicPartitioningConfiguration? current)
    {
        if (!KinesisRequest.TryGet(e, "DynamicPartitioningConfiguration", out var c)) return null;
        if (c.ValueKind != JsonValueKind.Object) throw KinesisProtocolException.BadBody("DynamicPartitioningConfiguration must be an object.");
        var d = current ?? new DynamicPartitioningConfiguration();
        return d with
        {
            Enabled = c.TryGetProperty("Enabled", out var enabled) ? enabled.ValueKind == JsonValueKind.True : d.Enabled,
            RetryDurationInSeconds = ParseRetry(c) ?? d.RetryDurationInSeconds,
        };
    }

    /// <summary>DataFormatConversionConfiguration: JSON in (OpenX or Hive JSON SerDe), Parquet out, the schema from the registry.</summary>
    private static DataFormatConversion? ParseFormatConversion(JsonElement e)
    {
        if (!KinesisRequest.TryGet(e, "DataFormatConversionConfiguration", out var c)) return null;
        if (c.ValueKind != JsonValueKind.Object) throw KinesisProtocolException.BadBody("DataFormatConversionConfiguration must be an object.");
        // As in the API, a conversion configuration is enabled unless it says otherwise.
        var enabled = !c.TryGetProperty("Enabled", out var en) || en.ValueKind != JsonValueKind.False;
        string? database = null, table = null;
        if (KinesisRequest.TryGet(c, "SchemaConfiguration", out var schema))
        {
            database = KinesisRequest.String(schema, "DatabaseName");
            table = KinesisRequest.String(schema, "TableName");
        }
        if (enabled && (string.IsNullOrEmpty(database) || string.IsNullOrEmpty(table)))
            throw new InvalidArgumentException("DataFormatConversionConfiguration.SchemaConfiguration needs DatabaseName and TableName (a table of the schema registry, actorstreams.firehose.schemas).");
        if (KinesisRequest.TryGet(c, "InputFormatConfiguration", out var input) && KinesisRequest.TryGet(input, "Deserializer", out var deserializer)
            && !KinesisRequest.TryGet(deserializer, "OpenXJsonSerDe", out _) && !KinesisRequest.TryGet(deserializer, "HiveJsonSerDe", out _))
            throw new InvalidArgumentException("InputFormatConfiguration.Deserializer must be OpenXJsonSerDe or HiveJsonSerDe: records are read as JSON.");
        var compression = ParquetCompression.Snappy;
        if (KinesisRequest.TryGet(c, "OutputFormatConfiguration", out var output) && KinesisRequest.TryGet(output, "Serializer", out var serializer))
        {
            if (KinesisRequest.TryGet(serializer, "OrcSerDe", out _))
                throw new InvalidArgumentException("OutputFormatConfiguration.Serializer.OrcSerDe: ORC output is not supported by ActorStreams; use ParquetSerDe.");
            if (KinesisRequest.TryGet(serializer, "ParquetSerDe", out var parquet))
            {
                compression = KinesisRequest.String(parquet, "Compression") switch
                {
                    null or "SNAPPY" => ParquetCompression.Snappy,
                    "GZIP" => ParquetCompression.Gzip,
                    "UNCOMPRESSED" => ParquetCompression.Uncompressed,
                    var other => throw EnumError(other, "outputFormatConfiguration.serializer.parquetSerDe.compression", "UNCOMPRESSED, GZIP, SNAPPY"),
                };
            }
        }
        return new DataFormatConversion { Enabled = enabled, SchemaDatabaseName = database, SchemaTableName = table, Compression = compression };
    }

    private static WarehouseDestination ParseRedshift(JsonElement e, WarehouseDestination? b)
    {
        var d = b ?? new WarehouseDestination();
        var copy = KinesisRequest.TryGet(e, "CopyCommand", out var cc) && cc.ValueKind == JsonValueKind.Object ? cc : (JsonElement?)null;
        if (copy is null && b is null) throw KinesisRequest.Missing("copyCommand");
        var s3 = KinesisRequest.TryGet(e, "S3Configuration", out var s) ? s : KinesisRequest.TryGet(e, "S3Update", out var su) ? su : (JsonElement?)null;
        if (s3 is null && b is null) throw KinesisRequest.Missing("s3Configuration");
        return d with
        {
            ClusterJdbcUrl = KinesisRequest.String(e, "ClusterJDBCURL") ?? (b is null ? throw KinesisRequest.Missing("clusterJDBCURL") : d.ClusterJdbcUrl),
            Username = KinesisRequest.String(e, "Username") ?? d.Username,
            Password = KinesisRequest.String(e, "Password") ?? d.Password,
            RoleArn = KinesisRequest.String(e, "RoleARN") ?? d.RoleArn,
            TableName = copy is { } t1 ? KinesisRequest.RequiredString(t1, "DataTableName", "copyCommand.dataTableName") : d.TableName,
            Columns = copy is { } t2 && KinesisRequest.String(t2, "DataTableColumns") is { } cols
                ? cols.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : d.Columns,
            CopyOptions = copy is { } t3 ? KinesisRequest.String(t3, "CopyOptions") : d.CopyOptions,
            RetryDurationInSeconds = ParseRetry(e) ?? d.RetryDurationInSeconds,
            S3Configuration = s3 is { } cfg ? ParseS3(cfg, b?.S3Configuration) : d.S3Configuration,
            Processing = ParseProcessing(e) ?? d.Processing,
        };
    }

    private static HttpEndpointDestination ParseHttp(JsonElement e, HttpEndpointDestination? b)
    {
        var d = b ?? new HttpEndpointDestination();
        var endpoint = KinesisRequest.TryGet(e, "EndpointConfiguration", out var ep) ? ep : (JsonElement?)null;
        if (endpoint is null && b is null) throw KinesisRequest.Missing("endpointConfiguration");
        var s3 = KinesisRequest.TryGet(e, "S3Configuration", out var s) ? s : KinesisRequest.TryGet(e, "S3Update", out var su) ? su : (JsonElement?)null;
        if (s3 is null && b is null) throw KinesisRequest.Missing("s3Configuration");
        var gzip = d.GzipContentEncoding;
        var attributes = d.CommonAttributes;
        if (KinesisRequest.TryGet(e, "RequestConfiguration", out var rc))
        {
            gzip = KinesisRequest.String(rc, "ContentEncoding") switch
            {
                null => gzip,
                "NONE" => false,
                "GZIP" => true,
                var other => throw EnumError(other, "requestConfiguration.contentEncoding", "NONE, GZIP"),
            };
            if (KinesisRequest.TryGet(rc, "CommonAttributes", out var ca) && ca.ValueKind == JsonValueKind.Array)
            {
                var common = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var a in ca.EnumerateArray())
                {
                    var attributeName = KinesisRequest.RequiredString(a, "AttributeName", "commonAttributes.member.attributeName");
                    if (!common.TryAdd(attributeName, KinesisRequest.String(a, "AttributeValue") ?? ""))
                        throw new InvalidArgumentException($"CommonAttributes contains the attribute name {attributeName} more than once.");
                }
                attributes = common;
            }
        }
        return d with
        {
            Url = endpoint is { } u ? KinesisRequest.RequiredString(u, "Url", "endpointConfiguration.url") : d.Url,
            Name = endpoint is { } n ? KinesisRequest.String(n, "Name") : d.Name,
            AccessKey = endpoint is { } k ? KinesisRequest.String(k, "AccessKey") : d.AccessKey,
            BufferingHints = ParseBuffering(e, d.BufferingHints),
            GzipContentEncoding = gzip,
            CommonAttributes = attributes,
            RetryDurationInSeconds = ParseRetry(e) ?? d.RetryDurationInSeconds,
            BackupAllData = KinesisRequest.String(e, "S3BackupMode") switch
            {
                null => d.BackupAllData,
                "FailedDataOnly" => false,
                "AllData" => true,
                var other => throw EnumError(other, "s3BackupMode", "FailedDataOnly, AllData"),
            },
            S3Configuration = s3 is { } cfg ? ParseS3(cfg, b?.S3Configuration) : d.S3Configuration,
            RoleArn = KinesisRequest.String(e, "RoleARN") ?? d.RoleArn,
            Processing = ParseProcessing(e) ?? d.Processing,
        };
    }

    private static SplunkDestination ParseSplunk(JsonElement e, SplunkDestination? b)
    {
        var d = b ?? new SplunkDestination();
        var s3 = KinesisRequest.TryGet(e, "S3Configuration", out var s) ? s : KinesisRequest.TryGet(e, "S3Update", out var su) ? su : (JsonElement?)null;
        if (s3 is null && b is null) throw KinesisRequest.Missing("s3Configuration");
        return d with
        {
            HecEndpoint = KinesisRequest.String(e, "HECEndpoint") ?? (b is null ? throw KinesisRequest.Missing("hECEndpoint") : d.HecEndpoint),
            EventEndpoint = KinesisRequest.String(e, "HECEndpointType") switch
            {
                null when b is null => throw KinesisRequest.Missing("hECEndpointType"),
                null => d.EventEndpoint,
                "Event" => true,
                "Raw" => false,
                var other => throw EnumError(other, "hECEndpointType", "Raw, Event"),
            },
            HecToken = KinesisRequest.String(e, "HECToken") ?? d.HecToken,
            HecAcknowledgmentTimeoutInSeconds = Int(e, "HECAcknowledgmentTimeoutInSeconds") ?? d.HecAcknowledgmentTimeoutInSeconds,
            BufferingHints = ParseBuffering(e, d.BufferingHints),
            RetryDurationInSeconds = ParseRetry(e) ?? d.RetryDurationInSeconds,
            BackupAllEvents = KinesisRequest.String(e, "S3BackupMode") switch
            {
                null => d.BackupAllEvents,
                "FailedEventsOnly" => false,
                "AllEvents" => true,
                var other => throw EnumError(other, "s3BackupMode", "FailedEventsOnly, AllEvents"),
            },
            S3Configuration = s3 is { } cfg ? ParseS3(cfg, b?.S3Configuration) : d.S3Configuration,
            Processing = ParseProcessing(e) ?? d.Processing,
        };
    }

    /// <summary>AmazonOpenSearchServerlessDestinationConfiguration: the OpenSearch destination to a collection endpoint, without rotation or type.</summary>
    private static OpenSearchDestination ParseOpenSearchServerless(JsonElement e, OpenSearchDestination? b)
    {
        var d = b is { Serverless: true } ? b : null;
        var s3 = KinesisRequest.TryGet(e, "S3Configuration", out var s) ? s : KinesisRequest.TryGet(e, "S3Update", out var su) ? su : (JsonElement?)null;
        if (s3 is null && d is null) throw KinesisRequest.Missing("s3Configuration");
        var current = d ?? new OpenSearchDestination { Serverless = true, IndexRotationPeriod = IndexRotationPeriod.NoRotation };
        return current with
        {
            ClusterEndpoint = KinesisRequest.String(e, "CollectionEndpoint")
                              ?? (d is null ? throw new InvalidArgumentException("CollectionEndpoint (the collection's URL) is required here: nothing resolves a collection by its ARN.") : d.ClusterEndpoint),
            IndexName = KinesisRequest.String(e, "IndexName") ?? (d is null ? throw KinesisRequest.Missing("indexName") : d.IndexName),
            BufferingHints = ParseBuffering(e, current.BufferingHints),
            RetryDurationInSeconds = ParseRetry(e) ?? current.RetryDurationInSeconds,
            BackupAllDocuments = KinesisRequest.String(e, "S3BackupMode") switch
            {
                null => current.BackupAllDocuments,
                "FailedDocumentsOnly" => false,
                "AllDocuments" => true,
                var other => throw EnumError(other, "s3BackupMode", "FailedDocumentsOnly, AllDocuments"),
            },
            S3Configuration = s3 is { } cfg ? ParseS3(cfg, d?.S3Configuration) : current.S3Configuration,
            Processing = ParseProcessing(e) ?? current.Processing,
        };
    }

    private static OpenSearchDestination ParseOpenSearch(JsonElement e, OpenSearchDestination? b)
    {
        // A serverless collection updated as a domain is replaced whole, as a destination of another kind is.
        if (b is { Serverless: true }) b = null;
        var d = b ?? new OpenSearchDestination();
        if (KinesisRequest.String(e, "DomainARN") is { } domain && KinesisRequest.String(e, "ClusterEndpoint") is null)
            throw new InvalidArgumentException($"DomainARN {domain} cannot be resolved here; give ClusterEndpoint (the cluster's URL) instead.");
        var s3 = KinesisRequest.TryGet(e, "S3Configuration", out var s) ? s : KinesisRequest.TryGet(e, "S3Update", out var su) ? su : (JsonElement?)null;
        if (s3 is null && b is null) throw KinesisRequest.Missing("s3Configuration");
        return d with
        {
            ClusterEndpoint = KinesisRequest.String(e, "ClusterEndpoint") ?? (b is null ? throw KinesisRequest.Missing("clusterEndpoint") : d.ClusterEndpoint),
            IndexName = KinesisRequest.String(e, "IndexName") ?? (b is null ? throw KinesisRequest.Missing("indexName") : d.IndexName),
            TypeName = KinesisRequest.String(e, "TypeName") is { Length: > 0 } type ? type : d.TypeName,
            IndexRotationPeriod = KinesisRequest.String(e, "IndexRotationPeriod") switch
            {
                null => d.IndexRotationPeriod,
                "NoRotation" => IndexRotationPeriod.NoRotation,
                "OneHour" => IndexRotationPeriod.OneHour,
                "OneDay" => IndexRotationPeriod.OneDay,
                "OneWeek" => IndexRotationPeriod.OneWeek,
                "OneMonth" => IndexRotationPeriod.OneMonth,
                var other => throw EnumError(other, "indexRotationPeriod", "NoRotation, OneHour, OneDay, OneWeek, OneMonth"),
            },
            BufferingHints = ParseBuffering(e, d.BufferingHints),
            RetryDurationInSeconds = ParseRetry(e) ?? d.RetryDurationInSeconds,
            BackupAllDocuments = KinesisRequest.String(e, "S3BackupMode") switch
            {
                null => d.BackupAllDocuments,
                "FailedDocumentsOnly" => false,
                "AllDocuments" => true,
                var other => throw EnumError(other, "s3BackupMode", "FailedDocumentsOnly, AllDocuments"),
            },
            S3Configuration = s3 is { } cfg ? ParseS3(cfg, b?.S3Configuration) : d.S3Configuration,
            Processing = ParseProcessing(e) ?? d.Processing,
        };
    }

    private static BufferingHints ParseBuffering(JsonElement e, BufferingHints current)
    {
        if (!KinesisRequest.TryGet(e, "BufferingHints", out var h)) return current;
        return current with
        {
            SizeInMBs = Int(h, "SizeInMBs") ?? current.SizeInMBs,
            IntervalInSeconds = Int(h, "IntervalInSeconds") ?? current.IntervalInSeconds,
        };
    }

    private static int? ParseRetry(JsonElement e) =>
        KinesisRequest.TryGet(e, "RetryOptions", out var r) ? Int(r, "DurationInSeconds") : null;

    private static int? Int(JsonElement obj, string name)
    {
        if (!KinesisRequest.TryGet(obj, name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw KinesisProtocolException.BadBody($"Member '{name}' must be an integer.");
    }

    private static ProcessingConfiguration? ParseProcessing(JsonElement e)
    {
        if (!KinesisRequest.TryGet(e, "ProcessingConfiguration", out var p)) return null;
        var enabled = p.TryGetProperty("Enabled", out var en) && en.ValueKind == JsonValueKind.True;
        string? lambda = null, query = null, engine = null, subRecordType = null, deAggregationDelimiter = null, compression = null, recordDelimiter = null;
        bool cloudWatch = false, appendDelimiter = false;
        if (KinesisRequest.TryGet(p, "Processors", out var processors) && processors.ValueKind == JsonValueKind.Array)
        {
            foreach (var processor in processors.EnumerateArray())
            {
                var type = KinesisRequest.String(processor, "Type");
                if (type is not ("Lambda" or "MetadataExtraction" or "RecordDeAggregation" or "Decompression" or "CloudWatchLogProcessing" or "AppendDelimiterToRecord"))
                    throw new InvalidArgumentException(
                        $"Processor type '{type}' is not supported; the types are RecordDeAggregation, Decompression, CloudWatchLogProcessing, Lambda, MetadataExtraction and AppendDelimiterToRecord.");
                if (type == "AppendDelimiterToRecord") appendDelimiter = true;
                if (!KinesisRequest.TryGet(processor, "Parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Array) parameters = default;
                if (parameters.ValueKind == JsonValueKind.Array)
                {
                    foreach (var parameter in parameters.EnumerateArray())
                    {
                        var value = KinesisRequest.String(parameter, "ParameterValue");
                        switch (type, KinesisRequest.String(parameter, "ParameterName"))
                        {
                            case ("Lambda", "LambdaArn"): lambda = value; break;
                            case ("MetadataExtraction", "MetadataExtractionQuery"): query = value; break;
                            case ("MetadataExtraction", "JsonParsingEngine"): engine = value; break;
                            case ("RecordDeAggregation", "SubRecordType"): subRecordType = value; break;
                            case ("RecordDeAggregation", "Delimiter"): deAggregationDelimiter = value; break;
                            case ("Decompression", "CompressionFormat"): compression = value; break;
                            case ("CloudWatchLogProcessing", "DataMessageExtraction"): cloudWatch = string.Equals(value, "true", StringComparison.OrdinalIgnoreCase); break;
                            case ("AppendDelimiterToRecord", "Delimiter"): recordDelimiter = value; break;
                        }
                    }
                }
                if (type == "MetadataExtraction" && query is null)
                    throw new InvalidArgumentException("The MetadataExtraction processor needs the parameter MetadataExtractionQuery.");
                if (type == "RecordDeAggregation" && subRecordType is null)
                    throw new InvalidArgumentException("The RecordDeAggregation processor needs the parameter SubRecordType.");
                if (type == "Decompression") compression ??= "GZIP";
            }
        }
        return new ProcessingConfiguration
        {
            Enabled = enabled, LambdaArn = lambda, MetadataExtractionQuery = query, JsonParsingEngine = engine,
            DecompressionFormat = compression, CloudWatchLogDataMessageExtraction = cloudWatch,
            DeAggregationSubRecordType = subRecordType, DeAggregationDelimiter = deAggregationDelimiter,
            AppendDelimiterToRecord = appendDelimiter, RecordDelimiter = recordDelimiter,
        };
    }

    private static CompressionFormat ParseCompression(string text) => text switch
    {
        "UNCOMPRESSED" => CompressionFormat.Uncompressed,
        "GZIP" => CompressionFormat.Gzip,
        "ZIP" => CompressionFormat.Zip,
        "Snappy" => CompressionFormat.Snappy,
        "HADOOP_SNAPPY" => CompressionFormat.HadoopSnappy,
        _ => throw EnumError(text, "compressionFormat", "UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY"),
    };

    private static string CompressionText(CompressionFormat format) => format switch
    {
        CompressionFormat.Gzip => "GZIP",
        CompressionFormat.Zip => "ZIP",
        CompressionFormat.Snappy => "Snappy",
        CompressionFormat.HadoopSnappy => "HADOOP_SNAPPY",
        _ => "UNCOMPRESSED",
    };

    private static void WriteDestination(Utf8JsonWriter w, DeliveryDestination destination)
    {
        switch (destination)
        {
            case ObjectStoreDestination s3:
                w.WritePropertyName("S3DestinationDescription");
                WriteS3(w, s3, extended: false);
                w.WritePropertyName("ExtendedS3DestinationDescription");
                WriteS3(w, s3, extended: true);
                break;
            case WarehouseDestination r:
                w.WriteStartObject("RedshiftDestinationDescription");
                if (r.RoleArn is { } role) w.WriteString("RoleARN", role);
                w.WriteString("ClusterJDBCURL", r.ClusterJdbcUrl);
                w.WriteStartObject("CopyCommand");
                w.WriteString("DataTableName", r.TableName);
                w.WriteString("DataTableColumns", string.Join(',', r.Columns));
                if (r.CopyOptions is { } options) w.WriteString("CopyOptions", options);
                w.WriteEndObject();
                w.WriteString("Username", r.Username);
                w.WriteStartObject("RetryOptions");
                w.WriteNumber("DurationInSeconds", r.RetryDurationInSeconds);
                w.WriteEndObject();
                w.WritePropertyName("S3DestinationDescription");
                WriteS3(w, r.S3Configuration, extended: false);
                WriteProcessing(w, r.Processing);
                w.WriteString("S3BackupMode", "Disabled");
                w.WriteEndObject();
                break;
            case SplunkDestination sp:
                w.WriteStartObject("SplunkDestinationDescription");
                w.WriteString("HECEndpoint", sp.HecEndpoint);
                w.WriteString("HECEndpointType", sp.EventEndpoint ? "Event" : "Raw");
                if (sp.HecToken is { } token) w.WriteString("HECToken", token);
                w.WriteNumber("HECAcknowledgmentTimeoutInSeconds", sp.HecAcknowledgmentTimeoutInSeconds);
                WriteBuffering(w, sp.BufferingHints);
                w.WriteStartObject("RetryOptions");
                w.WriteNumber("DurationInSeconds", sp.RetryDurationInSeconds);
                w.WriteEndObject();
                w.WriteString("S3BackupMode", sp.BackupAllEvents ? "AllEvents" : "FailedEventsOnly");
                w.WritePropertyName("S3DestinationDescription");
                WriteS3(w, sp.S3Configuration, extended: false);
                WriteProcessing(w, sp.Processing);
                w.WriteEndObject();
                break;
            case OpenSearchDestination { Serverless: true } oss:
                w.WriteStartObject("AmazonOpenSearchServerlessDestinationDescription");
                w.WriteString("CollectionEndpoint", oss.ClusterEndpoint);
                w.WriteString("IndexName", oss.IndexName);
                WriteBuffering(w, oss.BufferingHints);
                w.WriteStartObject("RetryOptions");
                w.WriteNumber("DurationInSeconds", oss.RetryDurationInSeconds);
                w.WriteEndObject();
                w.WriteString("S3BackupMode", oss.BackupAllDocuments ? "AllDocuments" : "FailedDocumentsOnly");
                w.WritePropertyName("S3DestinationDescription");
                WriteS3(w, oss.S3Configuration, extended: false);
                WriteProcessing(w, oss.Processing);
                w.WriteEndObject();
                break;
            case OpenSearchDestination os:
                w.WriteStartObject("AmazonopensearchserviceDestinationDescription");
                w.WriteString("ClusterEndpoint", os.ClusterEndpoint);
                w.WriteString("IndexName", os.IndexName);
                if (os.TypeName is { } typeName) w.WriteString("TypeName", typeName);
                w.WriteString("IndexRotationPeriod", os.IndexRotationPeriod.ToString());
                WriteBuffering(w, os.BufferingHints);
                w.WriteStartObject("RetryOptions");
                w.WriteNumber("DurationInSeconds", os.RetryDurationInSeconds);
                w.WriteEndObject();
                w.WriteString("S3BackupMode", os.BackupAllDocuments ? "AllDocuments" : "FailedDocumentsOnly");
                w.WritePropertyName("S3DestinationDescription");
                WriteS3(w, os.S3Configuration, extended: false);
                WriteProcessing(w, os.Processing);
                w.WriteEndObject();
                break;
            case HttpEndpointDestination h:
                w.WriteStartObject("HttpEndpointDestinationDescription");
                w.WriteStartObject("EndpointConfiguration");
                w.WriteString("Url", h.Url);
                if (h.Name is { } name) w.WriteString("Name", name);
                w.WriteEndObject();
                WriteBuffering(w, h.BufferingHints);
                w.WriteStartObject("RequestConfiguration");
                w.WriteString("ContentEncoding", h.GzipContentEncoding ? "GZIP" : "NONE");
                w.WriteStartArray("CommonAttributes");
                foreach (var (key, value) in h.CommonAttributes)
                {
                    w.WriteStartObject();
                    w.WriteString("AttributeName", key);
                    w.WriteString("AttributeValue", value);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteStartObject("RetryOptions");
                w.WriteNumber("DurationInSeconds", h.RetryDurationInSeconds);
                w.WriteEndObject();
                w.WriteString("S3BackupMode", h.BackupAllData ? "AllData" : "FailedDataOnly");
                w.WritePropertyName("S3DestinationDescription");
                WriteS3(w, h.S3Configuration, extended: false);
                if (h.RoleArn is { } hr) w.WriteString("RoleARN", hr);
                WriteProcessing(w, h.Processing);
                w.WriteEndObject();
                break;
        }
    }

    private static void WriteS3(Utf8JsonWriter w, ObjectStoreDestination s3, bool extended)
    {
        w.WriteStartObject();
        w.WriteString("RoleARN", s3.RoleArn ?? "");
        w.WriteString("BucketARN", s3.BucketArn);
        if (s3.Prefix is { } prefix) w.WriteString("Prefix", prefix);
        if (s3.ErrorOutputPrefix is { } errorPrefix) w.WriteString("ErrorOutputPrefix", errorPrefix);
        WriteBuffering(w, s3.BufferingHints);
        w.WriteString("CompressionFormat", CompressionText(s3.CompressionFormat));
        w.WriteStartObject("EncryptionConfiguration");
        w.WriteString("NoEncryptionConfig", "NoEncryption");
        w.WriteEndObject();
        if (extended)
        {
            WriteProcessing(w, s3.Processing);
            w.WriteString("S3BackupMode", "Disabled");
            if (s3.FileExtension is { } ext) w.WriteString("FileExtension", ext);
            if (s3.CustomTimeZone is { } zone) w.WriteString("CustomTimeZone", zone);
            if (s3.DataFormatConversion is { } conversion)
            {
                w.WriteStartObject("DataFormatConversionConfiguration");
                w.WriteBoolean("Enabled", conversion.Enabled);
                if (conversion.SchemaTableName is not null)
                {
                    w.WriteStartObject("SchemaConfiguration");
                    w.WriteString("DatabaseName", conversion.SchemaDatabaseName);
                    w.WriteString("TableName", conversion.SchemaTableName);
                    w.WriteString("VersionId", "LATEST");
                    w.WriteEndObject();
                }
                w.WriteStartObject("InputFormatConfiguration");
                w.WriteStartObject("Deserializer");
                w.WriteStartObject("OpenXJsonSerDe");
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteStartObject("OutputFormatConfiguration");
                w.WriteStartObject("Serializer");
                w.WriteStartObject("ParquetSerDe");
                w.WriteString("Compression", conversion.Compression switch
                {
                    ParquetCompression.Gzip => "GZIP",
                    ParquetCompression.Uncompressed => "UNCOMPRESSED",
                    _ => "SNAPPY",
                });
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }
            if (s3.DynamicPartitioning is { } partitioning)
            {
                w.WriteStartObject("DynamicPartitioningConfiguration");
                w.WriteBoolean("Enabled", partitioning.Enabled);
                w.WriteStartObject("RetryOptions");
                w.WriteNumber("DurationInSeconds", partitioning.RetryDurationInSeconds);
                w.WriteEndObject();
                w.WriteEndObject();
            }
        }
        w.WriteEndObject();
    }

    private static void WriteBuffering(Utf8JsonWriter w, BufferingHints hints)
    {
        w.WriteStartObject("BufferingHints");
        w.WriteNumber("SizeInMBs", hints.SizeInMBs);
        w.WriteNumber("IntervalInSeconds", hints.IntervalInSeconds);
        w.WriteEndObject();
    }

    private static void WriteProcessing(Utf8JsonWriter w, ProcessingConfiguration? processing)
    {
        if (processing is null) return;
        w.WriteStartObject("ProcessingConfiguration");
        w.WriteBoolean("Enabled", processing.Enabled);
        w.WriteStartArray("Processors");
        if (processing.DecompressionFormat is { } compression) WriteProcessor(w, "Decompression", ("CompressionFormat", compression));
        if (processing.CloudWatchLogDataMessageExtraction) WriteProcessor(w, "CloudWatchLogProcessing", ("DataMessageExtraction", "true"));
        if (processing.DeAggregationSubRecordType is { } subRecordType)
        {
            if (processing.DeAggregationDelimiter is { } delimiter)
                WriteProcessor(w, "RecordDeAggregation", ("SubRecordType", subRecordType), ("Delimiter", delimiter));
            else
                WriteProcessor(w, "RecordDeAggregation", ("SubRecordType", subRecordType));
        }
        if (processing.AppendDelimiterToRecord)
        {
            if (processing.RecordDelimiter is { } delimiter) WriteProcessor(w, "AppendDelimiterToRecord", ("Delimiter", delimiter));
            else WriteProcessor(w, "AppendDelimiterToRecord");
        }
        if (processing.MetadataExtractionQuery is { } query)
        {
            w.WriteStartObject();
            w.WriteString("Type", "MetadataExtraction");
            w.WriteStartArray("Parameters");
            w.WriteStartObject();
            w.WriteString("ParameterName", "MetadataExtractionQuery");
            w.WriteString("ParameterValue", query);
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteString("ParameterName", "JsonParsingEngine");
            w.WriteString("ParameterValue", processing.JsonParsingEngine ?? FirehoseLimits.JsonParsingEngine);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        if (processing.LambdaArn is { } lambda)
        {
            w.WriteStartObject();
            w.WriteString("Type", "Lambda");
            w.WriteStartArray("Parameters");
            w.WriteStartObject();
            w.WriteString("ParameterName", "LambdaArn");
            w.WriteString("ParameterValue", lambda);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteProcessor(Utf8JsonWriter w, string type, params (string Name, string Value)[] parameters)
    {
        w.WriteStartObject();
        w.WriteString("Type", type);
        w.WriteStartArray("Parameters");
        foreach (var (name, value) in parameters)
        {
            w.WriteStartObject();
            w.WriteString("ParameterName", name);
            w.WriteString("ParameterValue", value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
