namespace ActorStreams.Firehose;

/// <summary>
/// Record processing before delivery, AWS's processors in AWS's order: <c>Decompression</c>, <c>CloudWatchLogProcessing</c>,
/// <c>RecordDeAggregation</c>, the transformation (<c>Lambda</c>), with dynamic partitioning <c>MetadataExtraction</c>, and
/// <c>AppendDelimiterToRecord</c>. A record one of them cannot process goes to the error output (decompression failures
/// under <c>decompression-failed</c>, the others under <c>processing-failed</c>) with the processor's error code, and the
/// rest of its buffer goes on. The transformation is a Lambda function in AWS; here <see cref="LambdaArn"/> is an http(s) URL
/// that speaks the Lambda record contract, or names a transformation registered with <see cref="FirehoseClient.RegisterTransformation(string, FirehoseTransformation)"/> (by its full ARN or by the
/// function name at its end).
/// </summary>
public sealed record ProcessingConfiguration
{
    /// <summary>Whether records are transformed.</summary>
    public bool Enabled { get; init; }

    /// <summary>The transformation: <c>arn:aws:lambda:REGION:ACCOUNT:function:NAME</c>, just <c>NAME</c>, or an http(s) URL; null for none.</summary>
    public string? LambdaArn { get; init; }

    /// <summary>
    /// The MetadataExtraction processor's query of dynamic partitioning, a jq object construction such as
    /// <c>{customer_id: .customer_id, device: .device.type}</c>; each member becomes a <c>partitionKeyFromQuery</c> key. It
    /// runs on the transformed records. ActorStreams evaluates a subset of jq: field paths (<c>.a.b</c>,
    /// <c>.a["b"]</c>, <c>."a b"</c>) and array indexes (<c>.a[0]</c>) inside one object construction; anything else is
    /// refused when the delivery stream is created or updated.
    /// </summary>
    public string? MetadataExtractionQuery { get; init; }

    /// <summary>The MetadataExtraction processor's JSON parsing engine: <c>JQ-1.6</c> (the only one Firehose offers).</summary>
    public string? JsonParsingEngine { get; init; }

    /// <summary>
    /// The <c>Decompression</c> processor's <c>CompressionFormat</c>: <c>GZIP</c> (what CloudWatch Logs subscriptions send),
    /// or null for none. Each record is decompressed first; one that is not GZIP goes to <c>decompression-failed</c>.
    /// </summary>
    public string? DecompressionFormat { get; init; }

    /// <summary>
    /// The <c>CloudWatchLogProcessing</c> processor with <c>DataMessageExtraction</c> <c>true</c> (it needs
    /// <see cref="DecompressionFormat"/>): a CloudWatch Logs envelope becomes one record per log event, holding the event's
    /// message; a <c>CONTROL_MESSAGE</c> envelope is dropped, and a record that is no envelope goes to the error output.
    /// </summary>
    public bool CloudWatchLogDataMessageExtraction { get; init; }

    /// <summary>
    /// The <c>RecordDeAggregation</c> processor's <c>SubRecordType</c>, or null for none: <c>JSON</c> (consecutive JSON
    /// objects, with or without newlines between them), <c>DELIMITED</c> (split at <see cref="DeAggregationDelimiter"/>), or
    /// <c>KPL</c> (KPL aggregated records; a record without the magic bytes is one record). At most 500 records come out of one.
    /// </summary>
    public string? DeAggregationSubRecordType { get; init; }

    /// <summary>The <c>RecordDeAggregation</c> processor's <c>Delimiter</c> for <c>DELIMITED</c>, base64 (<c>IyMjIw==</c> is <c>####</c>).</summary>
    public string? DeAggregationDelimiter { get; init; }

    /// <summary>
    /// The <c>AppendDelimiterToRecord</c> processor: each delivered record gets <see cref="RecordDelimiter"/> appended (by
    /// default a newline), so an object holds one record per line.
    /// </summary>
    public bool AppendDelimiterToRecord { get; init; }

    /// <summary>The <c>AppendDelimiterToRecord</c> processor's <c>Delimiter</c>, base64; null for a newline (<c>Cg==</c>).</summary>
    public string? RecordDelimiter { get; init; }
}
