namespace ActorStreams.Firehose;

/// <summary>
/// Record processing before delivery: a transformation and/or, with dynamic partitioning, a metadata extraction query. In AWS a Lambda function; here <see cref="LambdaArn"/> is an http(s) URL
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
}
