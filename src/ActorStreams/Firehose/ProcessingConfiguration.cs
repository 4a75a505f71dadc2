namespace ActorStreams.Firehose;

/// <summary>
/// Record transformation before delivery. In AWS a Lambda function; here <see cref="LambdaArn"/> is an http(s) URL
/// that speaks the Lambda record contract, or names a transformation registered with <see cref="FirehoseClient.RegisterTransformation(string, FirehoseTransformation)"/> (by its full ARN or by the
/// function name at its end).
/// </summary>
public sealed record ProcessingConfiguration
{
    /// <summary>Whether records are transformed.</summary>
    public bool Enabled { get; init; }

    /// <summary>The transformation: <c>arn:aws:lambda:REGION:ACCOUNT:function:NAME</c>, just <c>NAME</c>, or an http(s) URL.</summary>
    public string? LambdaArn { get; init; }
}
