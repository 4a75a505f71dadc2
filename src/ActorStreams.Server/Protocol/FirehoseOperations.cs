using System.Collections.Immutable;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Firehose;
using Akka.Actor;
using ActorStreams.Server.Protocol.Model;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// The Firehose operations (<c>Firehose_20150804.*</c>) of the JSON 1.1 protocol, on the same endpoint as Kinesis.
/// Each handler parses its request into the runtime's configuration types, calls <see cref="FirehoseClient"/> and
/// writes the AWS output shape; validation beyond the JSON shape is the runtime's.
/// </summary>
internal sealed partial class FirehoseOperations
{
    public const string TargetPrefix = "Firehose_20150804.";

    private readonly FirehoseClient _client;
    private readonly Dictionary<string, KinesisOperations.Handler>.AlternateLookup<ReadOnlySpan<char>> _byName;

    public FirehoseOperations(ActorSystem system)
    {
        _client = FirehoseExtension.Get(system).Client;
        var handlers = new Dictionary<string, KinesisOperations.Handler>(StringComparer.Ordinal)
        {
            ["CreateDeliveryStream"] = CreateDeliveryStreamAsync,
            ["DeleteDeliveryStream"] = DeleteDeliveryStreamAsync,
            ["DescribeDeliveryStream"] = DescribeDeliveryStreamAsync,
            ["ListDeliveryStreams"] = ListDeliveryStreamsAsync,
            ["UpdateDestination"] = UpdateDestinationAsync,
            ["PutRecord"] = PutRecordAsync,
            ["PutRecordBatch"] = PutRecordBatchAsync,
            ["TagDeliveryStream"] = TagDeliveryStreamAsync,
            ["UntagDeliveryStream"] = UntagDeliveryStreamAsync,
            ["ListTagsForDeliveryStream"] = ListTagsForDeliveryStreamAsync,
            ["StartDeliveryStreamEncryption"] = StartDeliveryStreamEncryptionAsync,
            ["StopDeliveryStreamEncryption"] = StopDeliveryStreamEncryptionAsync,
        };
        _byName = KinesisOperations.WithModelChecks(ApiModel.Instance.Firehose, handlers).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool TryGet(ReadOnlySpan<char> operation, out KinesisOperations.Handler handler) => _byName.TryGetValue(operation, out handler!);

    private static string Name(KinesisRequest request) => request.RequiredString("DeliveryStreamName", "deliveryStreamName");

    private static async Task WriteAsync(PipeWriter output, Action<Utf8JsonWriter> write)
    {
        await using (var writer = new Utf8JsonWriter(output, KinesisOperations.WriterOptions))
        {
            write(writer);
        }
        await output.FlushAsync();
    }

    private static Task WriteEmptyAsync(PipeWriter output) => WriteAsync(output, w => { w.WriteStartObject(); w.WriteEndObject(); });

    // ---------------- delivery streams ----------------

    private static readonly string[] UnsupportedDestinations =
    [
        "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration",
    ];

    private async Task CreateDeliveryStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = Name(request);
        var type = request.String("DeliveryStreamType") switch
        {
            null or "DirectPut" => DeliveryStreamType.DirectPut,
            "KinesisStreamAsSource" => DeliveryStreamType.KinesisStreamAsSource,
            "MSKAsSource" or "DatabaseAsSource" => throw new InvalidArgumentException($"DeliveryStreamType {request.String("DeliveryStreamType")} is not supported by ActorStreams."),
            var other => throw EnumError(other, "deliveryStreamType", "DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource"),
        };
        KinesisStreamSourceConfiguration? source = null;
        if (request.Object("KinesisStreamSourceConfiguration") is { } src)
            source = new KinesisStreamSourceConfiguration
            {
                KinesisStreamArn = KinesisRequest.RequiredString(src, "KinesisStreamARN", "kinesisStreamSourceConfiguration.kinesisStreamARN"),
                RoleArn = KinesisRequest.String(src, "RoleARN"),
            };

        var destinations = new List<DeliveryDestination>();
        if (request.Object("ExtendedS3DestinationConfiguration") is { } ext) destinations.Add(ParseS3(ext, null));
        if (request.Object("S3DestinationConfiguration") is { } s3) destinations.Add(ParseS3(s3, null));
        if (request.Object("RedshiftDestinationConfiguration") is { } redshift) destinations.Add(ParseRedshift(redshift, null));
        if (request.Object("HttpEndpointDestinationConfiguration") is { } http) destinations.Add(ParseHttp(http, null));
        if (request.Object("SplunkDestinationConfiguration") is { } splunk) destinations.Add(ParseSplunk(splunk, null));
        if (request.Object("AmazonopensearchserviceDestinationConfiguration") is { } os) destinations.Add(ParseOpenSearch(os, null));
        if (request.Object("ElasticsearchDestinationConfiguration") is { } es) destinations.Add(ParseOpenSearch(es, null));
        if (request.Object("AmazonOpenSearchServerlessDestinationConfiguration") is { } oss) destinations.Add(ParseOpenSearchServerless(oss, null));
        foreach (var unsupported in UnsupportedDestinations)
        {
            if (request.TryGet(unsupported, out _))
                throw new InvalidArgumentException($"{unsupported} is not supported by ActorStreams (use ExtendedS3, Redshift, HttpEndpoint, Splunk, Amazonopensearchservice/Elasticsearch or AmazonOpenSearchServerless).");
        }
        if (destinations.Count != 1)
            throw new InvalidArgumentException(destinations.Count == 0
                ? "Exactly one destination configuration is required (ExtendedS3, Redshift, HttpEndpoint, Splunk, Amazonopensearchservice, Elasticsearch or AmazonOpenSearchServerless)."
                : "Only one destination configuration may be given.");

        var encryption = DeliveryStreamEncryption.Disabled;
        if (request.Object("DeliveryStreamEncryptionConfigurationInput") is { } enc)
            encryption = new DeliveryStreamEncryption
            {
                Enabled = true,
                KeyType = KinesisRequest.RequiredString(enc, "KeyType", "deliveryStreamEncryptionConfigurationInput.keyType"),
                KeyArn = KinesisRequest.String(enc, "KeyARN"),
            };

        var arn = await _client.CreateDeliveryStreamAsync(new DeliveryStreamConfiguration
        {
            DeliveryStreamName = name,
            DeliveryStreamType = type,
            KinesisStreamSource = source,
            Destination = destinations[0],
            Encryption = encryption,
            Tags = ParseTags(request),
        }, cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("DeliveryStreamARN", arn);
            w.WriteEndObject();
        });
    }

    private async Task DeleteDeliveryStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        await _client.DeleteDeliveryStreamAsync(Name(request), cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task DescribeDeliveryStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var d = await _client.DescribeDeliveryStreamAsync(Name(request), cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("DeliveryStreamDescription");
            w.WriteString("DeliveryStreamName", d.DeliveryStreamName);
            w.WriteString("DeliveryStreamARN", d.DeliveryStreamArn);
            w.WriteString("DeliveryStreamStatus", d.Status switch
            {
                DeliveryStreamStatus.Creating => "CREATING",
                DeliveryStreamStatus.Deleting => "DELETING",
                _ => "ACTIVE",
            });
            w.WriteStartObject("DeliveryStreamEncryptionConfiguration");
            if (d.Encryption.KeyArn is { } keyArn) w.WriteString("KeyARN", keyArn);
            if (d.Encryption.KeyType is { } keyType) w.WriteString("KeyType", keyType);
            w.WriteString("Status", d.Encryption.Enabled ? "ENABLED" : "DISABLED");
            w.WriteEndObject();
            w.WriteString("DeliveryStreamType", d.DeliveryStreamType.ToString());
            w.WriteString("VersionId", d.VersionId.ToString(CultureInfo.InvariantCulture));
            WriteTimestamp(w, "CreateTimestamp", d.CreateTimestamp);
            WriteTimestamp(w, "LastUpdateTimestamp", d.LastUpdateTimestamp);
            if (d.KinesisStreamSource is { } source)
            {
                w.WriteStartObject("Source");
                w.WriteStartObject("KinesisStreamSourceDescription");
                w.WriteString("KinesisStreamARN", source.KinesisStreamArn);
                if (source.RoleArn is { } role) w.WriteString("RoleARN", role);
                WriteTimestamp(w, "DeliveryStartTimestamp", d.CreateTimestamp);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteStartArray("Destinations");
            w.WriteStartObject();
            w.WriteString("DestinationId", DeliveryStreamDescription.DestinationId);
            WriteDestination(w, d.Destination);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteBoolean("HasMoreDestinations", false);
            if (d.Statistics is { } statistics) WriteStatistics(w, statistics);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private async Task ListDeliveryStreamsAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        DeliveryStreamType? type = request.String("DeliveryStreamType") switch
        {
            null => null,
            "DirectPut" => DeliveryStreamType.DirectPut,
            "KinesisStreamAsSource" => DeliveryStreamType.KinesisStreamAsSource,
            "MSKAsSource" or "DatabaseAsSource" => (DeliveryStreamType)(-1),
            var other => throw EnumError(other, "deliveryStreamType", "DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource"),
        };
        var result = (int?)type == -1
            ? new ListDeliveryStreamsResult([], false)
            : await _client.ListDeliveryStreamsAsync(request.Int("Limit"), type, request.String("ExclusiveStartDeliveryStreamName"), cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("DeliveryStreamNames");
            foreach (var n in result.DeliveryStreamNames) w.WriteStringValue(n);
            w.WriteEndArray();
            w.WriteBoolean("HasMoreDeliveryStreams", result.HasMoreDeliveryStreams);
            w.WriteEndObject();
        });
    }

    private async Task UpdateDestinationAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = Name(request);
        var version = request.RequiredString("CurrentDeliveryStreamVersionId", "currentDeliveryStreamVersionId");
        var destinationId = request.RequiredString("DestinationId", "destinationId");
        var current = (await _client.DescribeDeliveryStreamAsync(name, cancellationToken)).Destination;
        var updates = new List<DeliveryDestination>();
        // An update of the same kind changes only the members it gives; another kind replaces the destination whole.
        if (request.Object("ExtendedS3DestinationUpdate") is { } ext) updates.Add(ParseS3(ext, current as ObjectStoreDestination));
        if (request.Object("S3DestinationUpdate") is { } s3) updates.Add(ParseS3(s3, current as ObjectStoreDestination));
        if (request.Object("RedshiftDestinationUpdate") is { } redshift) updates.Add(ParseRedshift(redshift, current as WarehouseDestination));
        if (request.Object("HttpEndpointDestinationUpdate") is { } http) updates.Add(ParseHttp(http, current as HttpEndpointDestination));
        if (request.Object("SplunkDestinationUpdate") is { } splunk) updates.Add(ParseSplunk(splunk, current as SplunkDestination));
        if (request.Object("AmazonopensearchserviceDestinationUpdate") is { } os) updates.Add(ParseOpenSearch(os, current as OpenSearchDestination));
        if (request.Object("ElasticsearchDestinationUpdate") is { } es) updates.Add(ParseOpenSearch(es, current as OpenSearchDestination));
        if (request.Object("AmazonOpenSearchServerlessDestinationUpdate") is { } oss) updates.Add(ParseOpenSearchServerless(oss, current as OpenSearchDestination));
        if (updates.Count != 1) throw new InvalidArgumentException("Exactly one destination update is required.");
        await _client.UpdateDestinationAsync(name, version, destinationId, updates[0], cancellationToken);
        await WriteEmptyAsync(output);
    }

    // ---------------- records ----------------

    private async Task PutRecordAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = Name(request);
        var record = request.Object("Record") ?? throw KinesisRequest.Missing("record");
        var data = KinesisRequest.Blob(record, "Data") ?? throw KinesisRequest.Missing("record.data");
        var result = await _client.PutRecordAsync(name, data, cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("RecordId", result.RecordId);
            w.WriteBoolean("Encrypted", result.Encrypted);
            w.WriteEndObject();
        });
    }

    private async Task PutRecordBatchAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = Name(request);
        var array = request.Array("Records") ?? throw KinesisRequest.Missing("records");
        var records = new List<ReadOnlyMemory<byte>>(array.GetArrayLength());
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            i++;
            if (item.ValueKind != JsonValueKind.Object) throw KinesisProtocolException.BadBody("Records must be a list of objects.");
            records.Add(KinesisRequest.Blob(item, "Data") ?? throw KinesisRequest.Missing($"records.{i}.member.data"));
        }
        var result = await _client.PutRecordBatchAsync(name, records, cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("FailedPutCount", result.FailedPutCount);
            w.WriteBoolean("Encrypted", result.Encrypted);
            w.WriteStartArray("RequestResponses");
            foreach (var r in result.RequestResponses)
            {
                w.WriteStartObject();
                if (r.Succeeded)
                {
                    w.WriteString("RecordId", r.RecordId);
                }
                else
                {
                    w.WriteString("ErrorCode", r.ErrorCode);
                    w.WriteString("ErrorMessage", r.ErrorMessage);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    // ---------------- tags and encryption ----------------

    private async Task TagDeliveryStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = Name(request);
        if (request.Array("Tags") is null) throw KinesisRequest.Missing("tags");
        await _client.TagDeliveryStreamAsync(name, ParseTags(request), cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task UntagDeliveryStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = Name(request);
        var keys = request.Array("TagKeys") ?? throw KinesisRequest.Missing("tagKeys");
        var list = keys.EnumerateArray().Select(k => k.ValueKind == JsonValueKind.String ? k.GetString()! : throw KinesisProtocolException.BadBody("TagKeys must be strings.")).ToList();
        await _client.UntagDeliveryStreamAsync(name, list, cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task ListTagsForDeliveryStreamAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = Name(request);
        var limit = request.Int("Limit") ?? FirehoseLimits.MaxTagsPerDeliveryStream;
        if (limit is < 1 or > FirehoseLimits.MaxTagsPerDeliveryStream)
            throw new ValidationException($"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and {FirehoseLimits.MaxTagsPerDeliveryStream}");
        var start = request.String("ExclusiveStartTagKey");
        var tags = (await _client.ListTagsForDeliveryStreamAsync(name, cancellationToken))
            .Where(t => start is null || string.CompareOrdinal(t.Key, start) > 0).OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Tags");
            foreach (var (key, value) in tags.Take(limit))
            {
                w.WriteStartObject();
                w.WriteString("Key", key);
                w.WriteString("Value", value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteBoolean("HasMoreTags", tags.Count > limit);
            w.WriteEndObject();
        });
    }

    private async Task StartDeliveryStreamEncryptionAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = Name(request);
        var input = request.Object("DeliveryStreamEncryptionConfigurationInput");
        var keyType = input is { } i ? KinesisRequest.String(i, "KeyType") ?? "AWS_OWNED_CMK" : "AWS_OWNED_CMK";
        var keyArn = input is { } j ? KinesisRequest.String(j, "KeyARN") : null;
        await _client.StartDeliveryStreamEncryptionAsync(name, keyType, keyArn, cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task StopDeliveryStreamEncryptionAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        await _client.StopDeliveryStreamEncryptionAsync(Name(request), cancellationToken);
        await WriteEmptyAsync(output);
    }

    // ---------------- helpers ----------------

    private static ImmutableSortedDictionary<string, string> ParseTags(KinesisRequest request)
    {
        var tags = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (request.Array("Tags") is not { } array) return tags.ToImmutable();
        foreach (var tag in array.EnumerateArray())
        {
            if (tag.ValueKind != JsonValueKind.Object) throw KinesisProtocolException.BadBody("Tags must be a list of {Key, Value} objects.");
            tags[KinesisRequest.RequiredString(tag, "Key", "tags.member.key")] = KinesisRequest.String(tag, "Value") ?? "";
        }
        return tags.ToImmutable();
    }

    private static ValidationException EnumError(string value, string member, string allowed) =>
        new($"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{allowed}]");

    private static void WriteTimestamp(Utf8JsonWriter w, string name, DateTimeOffset time) =>
        w.WriteNumber(name, time.ToUnixTimeMilliseconds() / 1000m);
}
